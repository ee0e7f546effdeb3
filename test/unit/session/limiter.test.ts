import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../../src/session/limiter.js';

/** Tasks that note how many of them run at once. */
function counter() {
  let active = 0;
  let most = 0;
  const task = (ms: number) => async () => {
    active++;
    most = Math.max(most, active);
    await sleep(ms);
    active--;
  };
  return { task, most: () => most };
}

describe('Limiter', () => {
  it('runs every task, never more than its size at once', async () => {
    const limiter = new Limiter(3);
    const c = counter();
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          await c.task(i % 4)();
          done.push(i);
        }),
      ),
    );
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(c.most()).toBe(3);
  });

  it('a caller that arrives while a slot passes to the next in line waits its turn', async () => {
    const limiter = new Limiter(1);
    const c = counter();
    let releaseFirst!: () => void;
    const first = limiter.run(
      () =>
        new Promise<void>((resolve) => {
          releaseFirst = resolve;
        }),
    );
    const second = limiter.run(c.task(20));
    releaseFirst();
    // Queued now, this call runs after the first task's finally and before the second resumes.
    const third = await new Promise<Promise<void>>((resolve) => queueMicrotask(() => resolve(limiter.run(c.task(20)))));
    await Promise.all([first, second, third]);
    expect(c.most()).toBe(1);
  });

  it('a task that fails frees its slot', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
