/**
 * What a run has changed on one host, as data: the steps it applied, each saying what undoing it
 * means. The host records a step just before its command runs, so a change whose answer was lost
 * (Ctrl-C, a dropped connection) is still undone; the runner's undo (recipe/undo.ts) replays the
 * record newest first. Its own module: the steps that record (host.ts, setup-steps.ts) and the
 * runner that replays it all import this, never each other.
 */
import type { Command } from '../remote/command.js';

export type AppliedStep =
  /** releases/<release> was (being) uploaded. Undone: logged as failed, removed unless `current` points at it. */
  | { kind: 'upload'; release: string }
  /**
   * `current` was switched from `from` ('' = there was none) to `to`. Undone: `current` back at
   * `from` (or the newest good release when that is gone), restart, health check. A second switch
   * in the same run moves `to`: undoing the run means going back to where `current` was before it.
   */
  | { kind: 'switch'; from: string; to: string }
  /** A health check failed. Undone first (it is the newest): the units' journals are shown. */
  | { kind: 'health-failed' }
  /** A step whose undo is one command, run as it is (setup: `systemctl daemon-reload` after writing a unit). */
  | { kind: 'command'; label: string; command: Command };

/** The record one host and all its views share (RemoteHost.inStep, undoView). */
export class AppliedSteps {
  private readonly steps: AppliedStep[] = [];

  /**
   * Add a step. The same change twice is one entry: an upload of the same release, a second
   * health failure, a command with the same label; a second switch moves the first's target.
   */
  record(step: AppliedStep): void {
    const same = this.steps.find((s) => s.kind === step.kind);
    if (step.kind === 'switch' && same?.kind === 'switch') {
      same.to = step.to;
      return;
    }
    if (step.kind === 'upload' && this.uploaded.includes(step.release)) return;
    if (step.kind === 'health-failed' && same) return;
    if (step.kind === 'command' && this.steps.some((s) => s.kind === 'command' && s.label === step.label)) return;
    this.steps.push({ ...step });
  }

  /**
   * In the order undo takes them, the newest first: copies, since undoing a step applies steps
   * of its own (a switch back is a switch) that must not change the one being undone.
   */
  newestFirst(): readonly AppliedStep[] {
    return this.steps.map((s) => ({ ...s })).reverse();
  }

  /** Releases uploaded in this run (a switch back never goes to one of them). */
  get uploaded(): string[] {
    return this.steps.flatMap((s) => (s.kind === 'upload' ? [s.release] : []));
  }

  /** The switch of `current` in this run, if there was one. */
  get switched(): { from: string; to: string } | undefined {
    const step = this.steps.find((s) => s.kind === 'switch');
    return step?.kind === 'switch' ? { from: step.from, to: step.to } : undefined;
  }

  /**
   * A release was uploaded or `current` switched: undoing this host may still be needed when
   * another host fails, so it keeps the deploy lock until the run is over.
   */
  get touchesReleases(): boolean {
    return this.steps.some((s) => s.kind === 'upload' || s.kind === 'switch');
  }
}
