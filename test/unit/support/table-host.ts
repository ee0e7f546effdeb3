/**
 * A host for the unit tests of host steps (setup's, env's): it answers each command from a table
 * keyed by script name, or by `argv[0] argv[1]` (`systemctl is-enabled`), and keeps what it ran.
 */
import type { Stage } from '../../../src/config/types.js';
import { AppliedSteps } from '../../../src/host/applied.js';
import type { EnvHost } from '../../../src/host/env-steps.js';
import type { Output } from '../../../src/output/output.js';
import type { Command } from '../../../src/remote/command.js';
import type { RunOptions, RunResult } from '../../../src/transport/types.js';

export type Answer = string | ((command: Command) => string | { code: number; stderr: string });

export class TableHost implements EnvHost {
  readonly name = 'web1';
  readonly applied = new AppliedSteps();
  readonly ran: Array<{ command: Command; options: RunOptions }> = [];
  readonly statuses: string[] = [];
  /** Why steps found nothing to change (nothingNeeded). */
  readonly reasons: string[] = [];
  constructor(
    readonly context: { stage: Stage; output: Output; dryRun: boolean },
    private readonly answers: Record<string, Answer>,
    /** The units the host's roles run (env push restarts each). */
    readonly roles: ReadonlyArray<{ unit: string }> = [{ unit: 'app' }],
  ) {}
  status(text: string): void {
    this.statuses.push(text);
  }
  nothingNeeded(reason: string): void {
    this.reasons.push(reason);
  }
  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    this.ran.push({ command, options });
    const answer = this.answers[command.script ?? command.argv.slice(0, 2).join(' ')] ?? '';
    const given = typeof answer === 'function' ? answer(command) : answer;
    return typeof given === 'string' ? { code: 0, stdout: given, stderr: '' } : { stdout: '', ...given };
  }
  /** What changed the host: commands that are not read-only. */
  get changes(): string[] {
    return this.ran.filter((r) => !r.options.readOnly).map((r) => r.command.script ?? r.command.argv.join(' '));
  }
}
