/**
 * What a recipe function receives. Everything in it is a small, documented helper; recipes
 * read top to bottom like a shell script.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Stage } from '../config/types.js';
import type { Output } from '../output/output.js';
import { eachHost } from '../output/tasks.js';
import { ConfigError, ShipError, ExitCode } from '../errors.js';
import { stageRoles } from '../config/roles.js';
import type { ReleaseInfo } from '../release/build.js';
import type { ReleaseUpload } from '../release/upload.js';
import type { Host, RemoteHost } from '../host/host.js';
import { describeFailure, exitCodeFor, withHost } from '../output/failures.js';
import { Gathering } from '../session/gathering.js';
import { planBatches, type Rollout } from './batches.js';
import { LockOrder } from '../host/lock-order.js';

export interface LocalSteps {
  /**
   * Run build.run here and make the release of build.dir: its manifest (every path, mode and
   * sha256), ready to upload: `const release = await local.buildRelease()`.
   */
  buildRelease(): Promise<ReleaseUpload>;
}

export interface HostGroup {
  /** The hosts of this run, in hosts.ts order. */
  readonly list: readonly Host[];
  /**
   * Run a step on every host in parallel; throws once all have finished if any failed, so
   * the next phase starts only when this one passed everywhere:
   * `await hosts.each(async (host) => { await host.lock(); })`.
   */
  each(step: (host: Host) => Promise<void>): Promise<void>;
  /**
   * Like `each`, batch by batch as `rollout` in hosts.ts (or --batch) says: the canary first,
   * each batch only once the one before passed on every host, `pause` seconds between. A failure
   * stops before the next batch, and the run is undone on every host, earlier batches included:
   * `await hosts.rollout(async (host) => { await host.switchCurrent(); ... })`.
   * Without `rollout`, one batch of every host: the same as `each`.
   */
  rollout(step: (host: Host) => Promise<void>): Promise<void>;
  /**
   * Run a step on exactly one host: the first of this run in hosts.ts order, or the first that
   * carries `role`. Throws if it fails, like `each`:
   * `await hosts.once(async (host) => { await host.runInRelease(['bin/migrate']); })`.
   */
  once(step: (host: Host) => Promise<void>, options?: { role?: string }): Promise<void>;
  /** The hosts of this run that carry a role, as a group of their own: `await hosts.withRole('worker').each(...)`. */
  withRole(role: string): HostGroup;
}

export interface RecipeContext {
  /** The stage from hosts.ts, defaults filled in: `stage.unit`, `stage.keep`, `stage.health`. */
  stage: Stage;
  /** This run's release: `release.id` (sorts by time), who, from where, git commit. */
  release: ReleaseInfo;
  local: LocalSteps;
  hosts: HostGroup;
  /** Extra arguments after the recipe name (`ship run prod backup -- nightly`). */
  args: string[];
  /** Print a line for the person running ship: `log('migrations done')`. */
  log(text: string): void;
  /** True under --dry-run: steps record commands instead of running them. */
  dryRun: boolean;
}

/**
 * A phase failed on some hosts: names each one with its whole error, so what a remote command
 * said (`No space left on device`, `checksum mismatch`) and a changed host key's explanation
 * reach the person, not just the command's name.
 */
export class PhaseError extends ShipError {
  constructor(readonly failures: Array<{ host: string; error: unknown }>) {
    const interrupted = failures.some((f) => f.error instanceof Error && f.error.name === 'AbortError');
    super(failures.map((f) => namedFailure(f.host, f.error)).join('\n'), {
      exitCode: interrupted ? ExitCode.interrupted : exitCodeFor(failures.map((f) => f.error)),
      hint:
        [...new Set(failures.map((f) => (f.error instanceof ShipError ? f.error.hint : undefined)).filter(Boolean))].join('; ') ||
        undefined,
    });
    this.name = 'PhaseError';
  }
}

/**
 * `h2: <first line>`, then the rest of the message indented; a message that already names the
 * host (`h2 (10.0.0.2:22): ...`) is kept as it is.
 */
function namedFailure(host: string, error: unknown): string {
  const first = describeFailure(error, host);
  const rest = (error instanceof Error ? error.message : String(error)).split('\n').slice(1);
  return [withHost(host, first), ...rest.map((line) => `  ${line}`)].join('\n');
}

export interface GroupOptions {
  /** The stage's rollout with --batch applied; undefined: all hosts at once. */
  rollout?: Rollout;
  /** The run's abort signal: a pause between batches ends on Ctrl-C. */
  signal?: AbortSignal;
  /** Told when the recipe calls `rollout`, so a recipe that never does can be pointed out. */
  onRollout?: () => void;
  /** false: no progress lines off a terminal (certs renew, so cron stays silent); a terminal still shows them. */
  plainProgress?: boolean;
}

export function hostGroup(output: Output, hosts: RemoteHost[], options: GroupOptions = {}): HostGroup {
  return {
    list: hosts,
    each: (step) => runStep(output, hosts, step, options),
    async rollout(step) {
      options.onRollout?.();
      const batches = planBatches(hosts, options.rollout);
      const pause = options.rollout?.pause ?? 0;
      for (const [i, batch] of batches.entries()) {
        options.signal?.throwIfAborted();
        const name = `batch ${i + 1}/${batches.length}`;
        if (i > 0 && pause > 0) {
          output.info(`pause ${pause} s before ${name}`);
          if (!hosts[0]?.context.dryRun) await delay(pause * 1000, undefined, { signal: options.signal });
        }
        if (batches.length > 1)
          announceBatch(
            output,
            i + 1,
            batches.length,
            batch.map((h) => h.name),
          );
        await runStep(output, batch, step, options);
      }
    },
    async once(step, { role } = {}) {
      const host = (role === undefined ? hosts : withRole(hosts, role))[0];
      if (!host)
        throw new ShipError(`hosts.once: no host of this run carries the role "${role}" (hosts: ${hosts.map((h) => h.name).join(', ')})`);
      await runStep(output, [host], step, options);
    },
    withRole: (role) => hostGroup(output, withRole(hosts, role), options),
  };
}

/** The hosts that carry `role`; a role the stage does not define is a mistake in the recipe. */
function withRole(hosts: RemoteHost[], role: string): RemoteHost[] {
  const stage = hosts[0]?.context.stage;
  if (stage && !Object.hasOwn(stageRoles(stage), role)) {
    throw new ConfigError(
      `recipe asked for hosts of role "${role}", which stage ${stage.name} does not define`,
      `roles of ${stage.name}: ${Object.keys(stageRoles(stage)).join(', ')}`,
    );
  }
  return hosts.filter((h) => h.hasRole(role));
}

/**
 * Run a step on every host of `hosts` in parallel; throws once all have finished if any failed.
 * Each host works through its view for this step (RemoteHost.inStep), which carries what the
 * step's hosts share; the hosts themselves are not changed.
 */
async function runStep(output: Output, hosts: RemoteHost[], step: (host: Host) => Promise<void>, options: GroupOptions): Promise<void> {
  const names = hosts.map((h) => h.name);
  const lockOrder = new LockOrder(names);
  const uploading = new Gathering(names);
  const outcomes = await eachHost(
    output,
    names,
    async (name, progress) => {
      const confirmations: Array<Promise<void>> = [];
      const host = hosts.find((h) => h.name === name)!.inStep({ progress, lockOrder, uploading, confirmations });
      try {
        await step(host);
        // Health checks' second looks ran alongside the rest of the step; the step is over once they are.
        if (confirmations.length > 0) progress('health: second look');
        await Promise.all(confirmations);
      } finally {
        lockOrder.finished(name);
        uploading.finished(name);
        await Promise.allSettled(confirmations);
      }
      progress('done');
    },
    { plainProgress: options.plainProgress },
  );
  const failures = outcomes.filter((o) => !o.ok).map((o) => ({ host: o.host, error: (o as { error: unknown }).error }));
  if (failures.length > 0) throw new PhaseError(failures);
}

/** `batch 2/4: web3, web4` before each batch: a line on a terminal and in plain output, an event in --json. */
function announceBatch(output: Output, batch: number, of: number, hosts: string[]): void {
  if (output.mode === 'json') output.event('batch', { batch, of, hosts });
  else output.info(`batch ${batch}/${of}: ${hosts.join(', ')}`);
}

export type { Stage, Output };
