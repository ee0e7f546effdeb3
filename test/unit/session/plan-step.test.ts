/**
 * Steps label commands only once a plan is recorded: before that, inStep runs its body as it is
 * and no AsyncLocalStorage is ever entered (on Node 20 that would slow every promise after it).
 * One file, so the order of its tests is the order of the module's life.
 */
import { describe, expect, it } from 'vitest';
import { currentStep, inStep, recordSteps } from '../../../src/session/plan-step.js';

describe('inStep', () => {
  it('before recordSteps: runs the body, returns its value, and no step is current inside it', async () => {
    const seen = await inStep('lock', async () => currentStep());
    expect(seen).toBeUndefined();
    expect(await inStep('x', async () => 42)).toBe(42);
  });

  it('after recordSteps: the innermost step is current inside it, and none outside', async () => {
    recordSteps();
    const seen = await inStep('lock', async () => {
      const outer = currentStep()?.label;
      const inner = await inStep('take', async () => currentStep()?.label);
      return [outer, inner, currentStep()?.label];
    });
    expect(seen).toEqual(['lock', 'take', 'lock']);
    expect(currentStep()).toBeUndefined();
  });

  it('two calls with the same label are two steps', async () => {
    const a = await inStep('lock', async () => currentStep());
    const b = await inStep('lock', async () => currentStep());
    expect(a).toEqual({ label: 'lock' });
    expect(a).not.toBe(b);
  });
});
