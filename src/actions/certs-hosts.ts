/**
 * The hosts of a stage as `ship certs renew` works on them: the way a deploy does (RemoteHost,
 * hostGroup), so a renewal and a deploy keep apart by the same lock, taken in the same order by
 * the same code, and each install phase runs on every host at once like a deploy's step. Off a
 * terminal it prints no progress lines: cron stays silent.
 */
import { RemoteHost, type Host } from '../host/host.js';
import { inLockOrder } from '../host/lock-order.js';
import type { Output } from '../output/output.js';
import { hostGroup, PhaseError } from '../recipe/context.js';
import type { Session } from '../session/session.js';

/**
 * One host per host of the stage, on the session's connections. No release: a renewal deploys
 * nothing, and only keeps out of deploys' way (HostContext.release). No signal that aborts: a
 * renewal's steps run to their end, as they always have.
 */
export async function certHosts(session: Session, lockWait: number): Promise<RemoteHost[]> {
  const connections = await Promise.all(session.hosts.map((host) => session.connection(host)));
  return session.hosts.map(
    (name, i) =>
      new RemoteHost(name, connections[i]!, {
        stage: session.stage,
        output: session.output,
        dryRun: session.dryRun,
        signal: new AbortController().signal,
        command: 'ship certs renew',
        lockWait,
      }),
  );
}

/**
 * Run `body` holding the deploy lock on every host, taken as a deploy takes it (host.lock() in
 * one step: host after host in lock order, waiting up to the hosts' lockWait for a deploy to
 * end). When a host cannot be locked, the first in lock order says why; the hosts after it only
 * did not try. Released on every path, and only where this run took it.
 */
export async function withDeployLock<T>(hosts: readonly RemoteHost[], output: Output, body: () => Promise<T>): Promise<T> {
  try {
    try {
      await quietly(output, hosts).each((host) => host.lock());
    } catch (error) {
      throw firstInLockOrder(error);
    }
    return await body();
  } finally {
    await Promise.all(
      hosts.map((host) =>
        host.releaseLock().catch(() => {
          output.notice(`could not release the deploy lock; run: ship lock release ${host.context.stage.name}`, host.name);
        }),
      ),
    );
  }
}

/**
 * One install phase on every host of `hosts` at once, as a deploy's step: returns the hosts it
 * passed on and hands each failure to `failed`, so one host's failure is reported with the
 * others' instead of stopping the renewal.
 */
export async function passing(
  output: Output,
  hosts: readonly RemoteHost[],
  step: (host: Host) => Promise<void>,
  failed: (host: string, error: unknown) => void,
): Promise<RemoteHost[]> {
  try {
    await quietly(output, hosts).each(step);
    return [...hosts];
  } catch (error) {
    if (!(error instanceof PhaseError)) throw error;
    for (const f of error.failures) failed(f.host, f.error);
    const names = new Set(error.failures.map((f) => f.host));
    return hosts.filter((h) => !names.has(h.name));
  }
}

/** Progress on a terminal only: off one (cron), a renewal prints only what it renewed or what failed. */
function quietly(output: Output, hosts: readonly RemoteHost[]) {
  return hostGroup(output, [...hosts], { plainProgress: false });
}

/** Of a step's failures, the error of the first host in lock order. */
function firstInLockOrder(error: unknown): unknown {
  if (!(error instanceof PhaseError)) return error;
  const first = inLockOrder(error.failures.map((f) => f.host))[0];
  return error.failures.find((f) => f.host === first)!.error;
}
