/** `ship exec <stage> -- <cmd...>`: one command on every host in parallel, output prefixed by host. */
import { lineSplitter } from '../output/output.js';
import { eachHost } from '../output/tasks.js';
import type { Session } from '../session/session.js';
import { inStep } from '../session/plan-step.js';
import { ExitCode } from '../errors.js';
import { exitCodeFor, failureLines } from '../output/failures.js';

/** `timeout`: seconds per host (`--timeout`; 0 for none); unset, ssh.commandTimeout applies. */
export async function execOnHosts(session: Session, argv: string[], timeout?: number): Promise<number> {
  const { output } = session;
  // On a terminal listr2 owns the screen while hosts run, so their output is shown afterwards.
  const buffered = output.mode === 'tty';
  const held = new Map<string, Array<['stdout' | 'stderr', string]>>();
  const outcomes = await eachHost(
    output,
    session.hosts,
    async (host, progress) => {
      progress('connecting');
      const connection = await session.connection(host);
      progress(argv.join(' '));
      const emit = (stream: 'stdout' | 'stderr') => (line: string) => {
        if (buffered) {
          const lines = held.get(host) ?? [];
          lines.push([stream, line]);
          held.set(host, lines);
          progress(line);
        } else output.hostLine(host, stream, line);
      };
      const out = lineSplitter(emit('stdout'));
      const err = lineSplitter(emit('stderr'));
      const result = await inStep('exec', () =>
        connection.run(
          { argv },
          {
            allowFailure: true,
            ...(timeout === undefined ? {} : { timeout }),
            onStdout: (t) => out.push(t),
            onStderr: (t) => err.push(t),
          },
        ),
      );
      out.flush();
      err.flush();
      output.event('exit', { host, code: result.code, signal: result.signal });
      return result;
    },
    { plainProgress: false },
  );
  for (const [host, lines] of held) for (const [stream, line] of lines) output.hostLine(host, stream, line);
  session.printPlans();

  const failures: string[][] = [];
  for (const outcome of outcomes) {
    if (!outcome.ok) failures.push(failureLines(outcome.host, outcome.error));
    else if (outcome.value.code !== 0) {
      failures.push([`failed: ${outcome.host}: exited ${outcome.value.code ?? `on signal ${outcome.value.signal ?? '?'}`}`]);
    }
  }
  if (failures.length === 0) return ExitCode.ok;
  for (const line of failures.flat()) output.notice(line);
  output.event('summary', { failed: failures.length, hosts: session.hosts.length });
  return exitCodeFor(outcomes.map((o) => (o.ok ? undefined : o.error)));
}
