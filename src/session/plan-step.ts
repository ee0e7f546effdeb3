/**
 * Which step of a recipe a remote command belongs to, for the --dry-run plan. A host verb
 * (`host.lock()`, `host.upload()`, ...) runs its body inside `inStep(label, ...)`; the plan
 * connection asks `currentStep()` when it records a command. AsyncLocalStorage rather than a
 * parameter: commands are run from deep inside the verbs (the upload, the deploy lock, setup's
 * steps), and threading a label through every one of them would touch each builder's signature.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** One call of a verb: an object of its own, so two calls with the same label are two steps. */
export interface PlanStep {
  readonly label: string;
}

const scope = new AsyncLocalStorage<PlanStep>();

/**
 * Off until a plan is recorded (--dry-run). On Node 20 the first `run` of any AsyncLocalStorage
 * turns on async hooks for the whole process, and from then on every promise costs more (a
 * loop of awaits runs about 2.5 times slower here): a real deploy to many hosts is that kind of
 * loop, and it has no plan to label.
 */
let recording = false;

/** Label commands with their steps from now on: the session calls it when it makes a plan (session.ts). */
export function recordSteps(): void {
  recording = true;
}

/** Run `body` as the step `label`: `await inStep('lock', () => ...)`. Steps may nest; the innermost names the command. */
export function inStep<T>(label: string, body: () => Promise<T>): Promise<T> {
  return recording ? scope.run({ label }, body) : body();
}

/** The step running now, if any. */
export function currentStep(): PlanStep | undefined {
  return scope.getStore();
}
