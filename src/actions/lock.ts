/** `ship lock status|release <stage>`: see or break the deploy lock on every host. */
import { eachHost } from '../output/tasks.js';
import type { Session } from '../run/session.js';
import { ExitCode } from '../errors.js';
import { lock } from '../commands/lock.js';
import { paths } from '../commands/release.js';
import { describeHolder } from '../steps/host.js';
import { describeFailure } from './failures.js';

export async function lockStatus(session: Session): Promise<number> {
  const { output, stage } = session;
  const outcomes = await eachHost(output, session.hosts, async (host) => {
    const connection = await session.real(host);
    return (await connection.run(lock.status(paths.lock({ root: stage.path })), { readOnly: true })).stdout.trim();
  });
  const rows = outcomes.map((o) => [o.host, o.ok ? (o.value ? `locked by ${describeHolder(o.value)}` : 'free') : `error: ${describeFailure(o.error)}`]);
  output.table(['HOST', 'LOCK'], rows, 'lock');
  return outcomes.every((o) => o.ok) ? ExitCode.ok : ExitCode.failed;
}

export async function lockRelease(session: Session): Promise<number> {
  const { output, stage } = session;
  const outcomes = await eachHost(output, session.hosts, async (host) => {
    const connection = await session.connection(host);
    return (await connection.run(lock.breakLock(paths.lock({ root: stage.path })))).stdout.trim();
  });
  for (const o of outcomes) {
    if (!o.ok) output.notice(`failed: ${describeFailure(o.error)}`, o.host);
    else output.info(`${o.host}: ${o.value ? `released lock held by ${describeHolder(o.value)}` : 'was not locked'}`);
  }
  return outcomes.every((o) => o.ok) ? ExitCode.ok : ExitCode.failed;
}
