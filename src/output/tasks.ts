/**
 * Run one piece of work per host in parallel and report progress: listr2 spinners on a
 * terminal, prefixed step lines otherwise. One host's failure never stops the others; the
 * caller gets every host's outcome and decides what it means.
 */
import { Listr } from 'listr2';
import type { Output } from './output.js';

export type HostOutcome<T> = { host: string; ok: true; value: T } | { host: string; ok: false; error: unknown };

/** `progress(text)` shows what the host is doing now. */
export type HostWork<T> = (host: string, progress: (text: string) => void) => Promise<T>;

export async function eachHost<T>(
  output: Output,
  hosts: readonly string[],
  work: HostWork<T>,
  options: { plainProgress?: boolean } = {},
): Promise<HostOutcome<T>[]> {
  const outcomes = new Map<string, HostOutcome<T>>();
  const runOne = async (host: string, progress: (text: string) => void) => {
    try {
      outcomes.set(host, { host, ok: true, value: await work(host, progress) });
    } catch (error) {
      outcomes.set(host, { host, ok: false, error });
      throw error;
    }
  };

  if (output.mode === 'tty' && hosts.length > 0) {
    const list = new Listr(
      hosts.map((host) => ({
        title: host,
        task: async (_ctx: unknown, task: { output: string; title: string }) => {
          await runOne(host, (text) => {
            task.output = output.clean(text);
          });
        },
      })),
      {
        concurrent: true,
        exitOnError: false,
        rendererOptions: { collapseErrors: false, showErrorMessage: false },
      },
    );
    await list.run().catch(() => {});
  } else {
    // Off a terminal, progress is worth a line per step for deploys, not for exec's one command.
    const progressFor = (host: string) => (options.plainProgress === false ? () => {} : (text: string) => output.step(host, text));
    await Promise.all(hosts.map((host) => runOne(host, progressFor(host)).catch(() => {})));
  }
  return hosts.map((host) => outcomes.get(host) ?? { host, ok: false, error: new Error('not run') });
}
