import { describe, expect, it } from 'vitest';
import { AppliedSteps } from '../../../src/host/applied.js';

const R1 = '20260101T120000Z-0a0a0a';
const R2 = '20260102T120000Z-0b0b0b';
const reload = { argv: ['systemctl', 'daemon-reload'] };

describe('AppliedSteps', () => {
  it('starts empty: nothing to undo, nothing that keeps the lock', () => {
    const applied = new AppliedSteps();
    expect(applied.newestFirst()).toEqual([]);
    expect(applied.uploaded).toEqual([]);
    expect(applied.switched).toBeUndefined();
    expect(applied.touchesReleases).toBe(false);
  });

  it('gives the steps newest first, for undo', () => {
    const applied = new AppliedSteps();
    applied.record({ kind: 'upload', release: R2 });
    applied.record({ kind: 'switch', from: R1, to: R2 });
    applied.record({ kind: 'health-failed' });
    expect(applied.newestFirst().map((s) => s.kind)).toEqual(['health-failed', 'switch', 'upload']);
    expect(applied.uploaded).toEqual([R2]);
    expect(applied.switched).toEqual({ from: R1, to: R2 });
    expect(applied.touchesReleases).toBe(true);
  });

  it('a second switch moves the target of the first: undo goes back to where current was before the run', () => {
    const applied = new AppliedSteps();
    applied.record({ kind: 'switch', from: R1, to: R2 });
    applied.record({ kind: 'switch', from: R2, to: 'other' });
    expect(applied.newestFirst()).toEqual([{ kind: 'switch', from: R1, to: 'other' }]);
  });

  it('the same change twice is one step: an upload of a release, a health failure, a command of a label', () => {
    const applied = new AppliedSteps();
    for (let i = 0; i < 2; i++) {
      applied.record({ kind: 'upload', release: R2 });
      applied.record({ kind: 'health-failed' });
      applied.record({ kind: 'command', label: 'reload systemd', command: reload });
    }
    applied.record({ kind: 'command', label: 'something else', command: reload });
    expect(applied.newestFirst().map((s) => s.kind)).toEqual(['command', 'command', 'health-failed', 'upload']);
    expect(applied.uploaded).toEqual([R2]);
  });

  it('a command step alone does not keep the lock (setup releases it at unlock)', () => {
    const applied = new AppliedSteps();
    applied.record({ kind: 'command', label: 'reload systemd', command: reload });
    expect(applied.touchesReleases).toBe(false);
  });

  it('what undo is given are copies: undoing a switch (itself a switch) does not change the step being undone', () => {
    const applied = new AppliedSteps();
    applied.record({ kind: 'switch', from: R1, to: R2 });
    const [step] = applied.newestFirst();
    applied.record({ kind: 'switch', from: R2, to: R1 });
    expect(step).toEqual({ kind: 'switch', from: R1, to: R2 });
  });
});
