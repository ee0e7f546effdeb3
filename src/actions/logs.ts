/**
 * `ship logs <stage> [-f] [--lines N]`: the service's journal from every host, each line
 * prefixed by its host. Without -f, hosts are shown one after another in hosts.ts order; with
 * -f, lines stream as they come until Ctrl-C, which ends the remote journalctl too.
 */
import { journal as journalctl } from '../remote/systemctl.js';
import { ExitCode } from '../errors.js';
import { lineSplitter } from '../output/output.js';
import type { Session } from '../session/session.js';
import { inStep } from '../session/plan-step.js';
import { describeFailure, exitCodeFor } from '../output/failures.js';

export interface LogsOptions {
  lines: number;
  follow: boolean;
}

type Line = ['stdout' | 'stderr', string];

export async function logs(session: Session, options: LogsOptions): Promise<number> {
  const { output, stage } = session;
  const command = journalctl.logs(stage.unit, options);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const held = new Map<string, Line[]>(session.hosts.map((h) => [h, []]));
  const failures: Array<{ host: string; error: unknown }> = [];
  try {
    await Promise.all(
      session.hosts.map(async (host) => {
        // Following, lines are worth seeing at once; otherwise hosts read better one block each.
        const emit = (stream: Line[0]) => (line: string) =>
          options.follow ? output.hostLine(host, stream, line) : held.get(host)!.push([stream, line]);
        const out = lineSplitter(emit('stdout'));
        const err = lineSplitter(emit('stderr'));
        try {
          const connection = await session.connection(host);
          const result = await inStep('logs', () =>
            connection.run(command, {
              allowFailure: true,
              signal: stop.signal,
              onStdout: (t) => out.push(t),
              onStderr: (t) => err.push(t),
              // -f follows until Ctrl-C by design: no deadline; without it journalctl ends by itself.
              ...(options.follow ? { timeout: 0 } : {}),
            }),
          );
          if (result.code !== 0 && !stop.signal.aborted)
            failures.push({ host, error: new Error(`journalctl exited ${result.code ?? result.signal ?? '?'}`) });
        } catch (error) {
          if (stop.signal.aborted) return;
          failures.push({ host, error });
          if (options.follow) output.notice(`failed: ${describeFailure(error)}`, host);
        } finally {
          out.flush();
          err.flush();
        }
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  for (const [host, lines] of held) for (const [stream, line] of lines) output.hostLine(host, stream, line);
  session.printPlans();
  // Ctrl-C is how -f ends: not a failure.
  if (stop.signal.aborted) return options.follow ? ExitCode.ok : ExitCode.interrupted;
  if (failures.length === 0) return ExitCode.ok;
  if (!options.follow) for (const f of failures) output.notice(`failed: ${f.host}: ${describeFailure(f.error)}`);
  return exitCodeFor(failures.map((f) => f.error));
}
