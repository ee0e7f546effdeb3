/** `ship lock status|release <stage>`: see or break the deploy lock on every host. */
import { eachHost } from '../output/tasks.js';
import type { Session } from '../session/session.js';
import { ExitCode, ShipError } from '../errors.js';
import { lock, LOCKED } from '../remote/lock.js';
import { paths } from '../remote/release.js';
import { aliveHere } from '../local/process-identity.js';
import { describeHolder, parseLockInfo } from '../host/deploy-lock.js';
import { describeFailure, exitCodeFor, failureLines } from '../output/failures.js';

export async function lockStatus(session: Session): Promise<number> {
  const { output, stage } = session;
  const outcomes = await eachHost(output, session.hosts, async (host) => {
    const connection = await session.real(host);
    return (await connection.run(lock.status(paths.lock({ root: stage.path })), { readOnly: true })).stdout.trim();
  });
  const rows = outcomes.map((o) => [
    o.host,
    o.ok ? (o.value ? `locked by ${describeHolder(o.value)}` : 'free') : `error: ${describeFailure(o.error)}`,
  ]);
  output.table(['HOST', 'LOCK'], rows, 'lock');
  return outcomes.every((o) => o.ok) ? ExitCode.ok : ExitCode.failed;
}

/**
 * Break the lock on every host, for when its holder died where ship cannot prove it (another
 * machine, a reboot). Removes exactly the lock it read (compare-and-delete), so a lock taken
 * meanwhile by a new deploy survives; refuses a lock whose holder runs on this machine now.
 */
export async function lockRelease(session: Session): Promise<number> {
  const { output, stage } = session;
  const dir = paths.lock({ root: stage.path });
  const outcomes = await eachHost(output, session.hosts, async (host) => {
    const connection = await session.connection(host);
    const seen = (await connection.run(lock.status(dir), { readOnly: true })).stdout.trim();
    if (seen === '') return 'was not locked';
    if (aliveHere(parseLockInfo(seen))) {
      throw new ShipError(
        `${host}: not released: the lock is held by ${describeHolder(seen)}, a ship that is running on this machine now`,
        {
          host,
          exitCode: ExitCode.locked,
          hint: 'let it finish, or stop it (Ctrl-C) and it releases the lock itself',
        },
      );
    }
    const result = await connection.run(lock.removeIf(dir, seen === 'held' ? '' : seen), { allowFailure: true });
    if (result.code === LOCKED) {
      throw new ShipError(`${host}: not released: the lock changed while ship looked; it is now held by ${describeHolder(result.stdout)}`, {
        host,
        exitCode: ExitCode.locked,
        hint: `check with: ship lock status ${stage.name}`,
      });
    }
    if (result.code !== 0) throw new ShipError(`${host}: could not release the lock: ${result.stderr.trim()}`, { host });
    return `released lock held by ${describeHolder(seen)}`;
  });
  for (const o of outcomes) {
    if (!o.ok) for (const line of failureLines(o.host, o.error)) output.notice(line);
    else output.info(`${o.host}: ${o.value}`);
  }
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  return errors.length === 0 ? ExitCode.ok : exitCodeFor(errors);
}
