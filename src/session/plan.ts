/**
 * The --dry-run transport. Commands marked read-only (`readOnly: true` in RunOptions) still run,
 * so a plan can say "switch current from A to B" truthfully; everything else is recorded, under
 * the step that ran it (plan-step.ts), and reported as if it succeeded. The plan printed is
 * exactly what would have run. With --offline there is no host to ask: read-only queries are
 * answered as a host ship has not touched yet would answer (RunOptions.offline).
 */
import type { Duplex } from 'node:stream';
import { type Command, stageSudo } from '../remote/command.js';
import { displayCommand, scriptBody } from '../remote/render.js';
import type { Connection, ResolvedHost, RunOptions, RunResult } from '../transport/types.js';
import { currentStep, type PlanStep } from './plan-step.js';

/** The facts an offline plan assumes, said once per host: the same for a deploy, a setup and a renewal. */
export const OFFLINE_FACTS =
  'offline: assumed a host ship has not touched yet (no release, no lock, no unit or env file, no certificate; programs in /usr/bin)';

/** A step of the plan: its label and what it would run, one entry per command or note. */
export interface PlannedStep {
  label: string;
  lines: PlannedLine[];
}

export interface PlannedLine {
  /** `displayCommand(command)` and its stdin, or a note in parentheses. */
  text: string;
  /** The script's body, printed under the line by --full. */
  body?: string;
  /** A read-only query the step asked to decide what to run; shown by --full only, as `reads: …`. */
  reads?: true;
}

export class PlanConnection implements Connection {
  readonly steps: PlannedStep[] = [];
  private last: PlanStep | undefined;

  /**
   * `live` undefined: --offline, nothing is ever connected to. `sudoAllowed`: the stage's sudo
   * rule (remote/command.ts stageSudo), applied as a live connection applies it (sudo-rule.ts),
   * so the plan shows what would run.
   */
  constructor(
    private readonly name: string,
    private readonly live: (() => Promise<Connection>) | undefined,
    private readonly sudoAllowed: boolean,
  ) {}

  get offline(): boolean {
    return this.live === undefined;
  }

  get host(): ResolvedHost {
    throw new Error(`dry run: host details of ${this.name} are not resolved`);
  }

  async run(asked: Command, options: RunOptions = {}): Promise<RunResult> {
    const command = stageSudo(asked, this.sudoAllowed);
    if (options.readOnly) {
      // What a step reads is part of the plan (--full shows it); a query outside any step (the
      // upload asking what a host has while the build runs) belongs to no step and is not kept.
      if (currentStep()) this.record({ text: `reads: ${displayCommand(command)}`, reads: true, ...bodyOf(command) });
      return this.live ? (await this.live()).run(command, options) : { ...offlineAnswer(options), ran: command };
    }
    let text = displayCommand(command);
    if (options.stdin !== undefined) text += options.stdinLabel ? `  < ${options.stdinLabel}` : '  < (stdin)';
    this.record({ text, ...bodyOf(command) }, command.label);
    drain(options.stdin);
    return { code: 0, stdout: '', stderr: '', ran: command };
  }

  /** A line in parentheses under the current step, for what a dry run does not do (a health check). */
  note(text: string): void {
    this.record({ text: `(${text})` });
  }

  async forwardOut(host: string, port: number): Promise<Duplex> {
    this.note(`tunnel to ${host}:${port} for the health check`);
    throw new DryRunSkip(`health check through a tunnel to ${host}:${port}`);
  }

  async close(): Promise<void> {}

  private record(line: PlannedLine, fallbackLabel?: string): void {
    // A command outside any step (a recipe's own host.run) is a step of its own, named by its label.
    const step = currentStep() ?? { label: fallbackLabel ?? 'run' };
    const open = this.steps.at(-1);
    if (open && this.last === step) open.lines.push(line);
    else this.steps.push({ label: step.label, lines: [line] });
    this.last = step;
  }
}

/** What a host ship has not touched yet answers (see RunOptions.offline). */
function offlineAnswer(options: RunOptions): RunResult {
  const stdout = options.offline?.stdout ?? '';
  if (stdout) options.onStdout?.(stdout);
  return { code: options.offline?.code ?? 0, stdout, stderr: '' };
}

/**
 * The one --dry-run plan format, for every command that has a plan: per host, each step's label,
 * and under it, indented, one line per command it would run (`--full`: with script bodies).
 *
 *     web1 | plan
 *     web1 |   lock
 *     web1 |     mkdir -p -- /srv/hello/.ship
 */
export function printPlans(
  plans: ReadonlyMap<string, PlanConnection>,
  info: (line: string) => void,
  options: { full?: boolean } = {},
): void {
  for (const [host, plan] of plans) for (const line of planLines(plan, options)) info(`${host} | ${line}`);
}

/** The steps as a plan shows them: without --full, without the reads (and a step that only read is left out). */
export function shownSteps(plan: PlanConnection, options: { full?: boolean } = {}): PlannedStep[] {
  return plan.steps
    .map((step) => ({ label: step.label, lines: step.lines.filter((line) => options.full || !line.reads) }))
    .filter((step) => step.lines.length > 0);
}

/** One host's plan as lines, without the host prefix. */
export function planLines(plan: PlanConnection, options: { full?: boolean } = {}): string[] {
  const lines = [plan.offline ? `plan, ${OFFLINE_FACTS}` : 'plan'];
  const steps = shownSteps(plan, options);
  if (steps.length === 0) lines.push('  (nothing to run)');
  for (const step of steps) {
    lines.push(`  ${step.label}`);
    for (const line of step.lines) {
      lines.push(`    ${line.text}`);
      if (options.full && line.body !== undefined) for (const b of line.body.split('\n')) lines.push(`      | ${b}`);
    }
  }
  return lines;
}

/**
 * One host's plan as the `plan` event of --json: the same steps and lines as the printed plan
 * (bodies only with --full), for a program to read instead of parsing lines.
 */
export function planEvent(host: string, plan: PlanConnection, options: { full?: boolean } = {}): Record<string, unknown> {
  return {
    host,
    ...(plan.offline ? { assumed: OFFLINE_FACTS.replace(/^offline: /, '') } : {}),
    steps: shownSteps(plan, options).map((step) => ({
      label: step.label,
      lines: step.lines.map((line) => ({
        text: line.text,
        ...(options.full && line.body !== undefined ? { body: line.body } : {}),
        ...(line.reads ? { reads: true } : {}),
      })),
    })),
  };
}

/** Thrown by steps that cannot be simulated; dry-run callers catch it and move on. */
export class DryRunSkip extends Error {}

function bodyOf(command: Command): { body?: string } {
  const body = scriptBody(command);
  return body === undefined ? {} : { body };
}

function drain(stdin: RunOptions['stdin']): void {
  if (stdin && typeof stdin === 'object' && 'resume' in stdin && typeof stdin.resume === 'function') stdin.resume();
}
