/**
 * What a run changed on one host, recorded by the steps as they go, so the runner can undo
 * exactly that when the run fails (recipe/runner.ts). Its own module: the steps that record
 * (host.ts, setup-steps.ts) and the runner that reads it all import this, never each other.
 */
import type { Command } from '../remote/command.js';
import type { RunOptions, RunResult } from '../transport/types.js';

/** What an undo step may do on the host: run commands (the runner hands it the host's undo view). */
export interface UndoRunner {
  run(command: Command, options?: RunOptions): Promise<RunResult>;
}

/** What this run changed on a host, for the runner's undo. */
export interface HostChanges {
  uploaded: string[];
  /** Set once `current` was switched in this run: the release it pointed at before ('' = none). */
  switchedFrom: string | undefined;
  switchedTo: string | undefined;
  healthFailed: boolean;
  /** Work a step asked to be done if the run fails (setup: daemon-reload after writing a unit). */
  onFailure: Array<(undo: UndoRunner) => Promise<void>>;
}

export function noChanges(): HostChanges {
  return { uploaded: [], switchedFrom: undefined, switchedTo: undefined, healthFailed: false, onFailure: [] };
}
