import { describe, expect, it } from 'vitest';
import { sleep } from '../../../src/session/sleep.js';

describe('sleep', () => {
  it('resolves when the time is up', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });

  it('rejects with the abort reason, at once when already aborted and when aborted while waiting', async () => {
    const reason = new Error('interrupted');
    await expect(sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});
