/**
 * The --dry-run transport. Commands marked read-only (`readOnly: true` in RunOptions) still run,
 * so a plan can say "switch current from A to B" truthfully; everything else is recorded, in
 * order, and reported as if it succeeded. The plan printed is exactly what would have run.
 */
import type { Duplex } from 'node:stream';
import type { Command } from '../remote/command.js';
import { displayCommand } from '../remote/render.js';
import type { Connection, ResolvedHost, RunOptions, RunResult } from '../transport/types.js';

export class PlanConnection implements Connection {
  readonly planned: string[] = [];

  constructor(
    private readonly name: string,
    private readonly live: () => Promise<Connection>,
  ) {}

  get host(): ResolvedHost {
    throw new Error(`dry run: host details of ${this.name} are not resolved`);
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    if (options.readOnly) return (await this.live()).run(command, options);
    let line = displayCommand(command);
    if (options.stdin !== undefined) line += options.stdinLabel ? `  < ${options.stdinLabel}` : '  < (stdin)';
    this.planned.push(line);
    drain(options.stdin);
    return { code: 0, stdout: '', stderr: '' };
  }

  async forwardOut(host: string, port: number): Promise<Duplex> {
    this.planned.push(`(tunnel to ${host}:${port} for the health check)`);
    throw new DryRunSkip(`health check through a tunnel to ${host}:${port}`);
  }

  async close(): Promise<void> {}
}

/**
 * The one --dry-run plan format, for every command that has a plan: `host | would run: command`,
 * one line per command in the order they would run, like the `host | ...` lines of a real run.
 */
export function printPlans(plans: ReadonlyMap<string, PlanConnection>, info: (line: string) => void): void {
  for (const [host, plan] of plans) for (const line of plan.planned) info(`${host} | would run: ${line}`);
}

/** Thrown by steps that cannot be simulated; dry-run callers catch it and move on. */
export class DryRunSkip extends Error {}

function drain(stdin: RunOptions['stdin']): void {
  if (stdin && typeof stdin === 'object' && 'resume' in stdin && typeof stdin.resume === 'function') stdin.resume();
}
