/**
 * `ship env <stage> diff`: per host, which variables of shared/.env differ from service.envFile
 * (added, removed, changed), by name only; never a value. Reads only.
 */
import { ExitCode } from '../errors.js';
import { eachHost } from '../output/tasks.js';
import { exitCodeFor, failureLines } from '../output/failures.js';
import type { Session } from '../session/session.js';
import { RemoteHost } from '../host/host.js';
import { diffEnvFile } from '../host/env-steps.js';
import { describeEnvKeyDiff } from '../systemd/env-keys.js';

export async function envDiff(session: Session): Promise<number> {
  const { output, stage } = session;
  const signal = new AbortController().signal;
  const outcomes = await eachHost(output, session.hosts, async (name, progress) => {
    progress('connecting');
    const host = new RemoteHost(name, await session.connection(name), {
      stage,
      output,
      dryRun: session.dryRun,
      signal,
      command: `ship env ${stage.name} diff`,
      lockWait: 0,
    });
    progress('reading shared/.env');
    return diffEnvFile(host);
  });
  for (const outcome of outcomes) {
    if (!outcome.ok) continue;
    const { added, removed, changed, same } = outcome.value;
    output.event('env-diff', { host: outcome.host, added, removed, changed, same });
    if (output.mode === 'json') continue;
    const keys = describeEnvKeyDiff(outcome.value);
    const differs = added.length + removed.length + changed.length > 0;
    const text = same
      ? 'shared/.env is this env file'
      : differs
        ? keys
        : `${keys} (the files differ in comments, blank lines or quoting only)`;
    output.hostLine(outcome.host, 'stdout', text);
  }
  const failures = outcomes.filter((o) => !o.ok);
  for (const outcome of failures) for (const line of failureLines(outcome.host, outcome.error)) output.notice(line);
  return failures.length === 0 ? ExitCode.ok : exitCodeFor(failures.map((o) => (o.ok ? undefined : o.error)));
}
