import { describe, expect, it } from 'vitest';
import { parseBatch, planBatches } from '../../../src/recipe/batches.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);

describe('planBatches', () => {
  it('without a rollout: one batch of every host', () => {
    expect(planBatches(hosts(3), undefined)).toEqual([['h1', 'h2', 'h3']]);
    expect(planBatches([], undefined)).toEqual([]);
  });

  it('batches of a number of hosts, in hosts.ts order, the last one smaller', () => {
    expect(planBatches(hosts(5), { canary: 0, batch: 2, pause: 0 })).toEqual([['h1', 'h2'], ['h3', 'h4'], ['h5']]);
    expect(planBatches(hosts(2), { canary: 0, batch: 5, pause: 0 })).toEqual([['h1', 'h2']]);
  });

  it('a canary batch first, then batches of the rest', () => {
    expect(planBatches(hosts(6), { canary: 1, batch: 2, pause: 0 })).toEqual([['h1'], ['h2', 'h3'], ['h4', 'h5'], ['h6']]);
    expect(planBatches(hosts(4), { canary: 2, pause: 0 })).toEqual([
      ['h1', 'h2'],
      ['h3', 'h4'],
    ]);
    expect(planBatches(hosts(2), { canary: 5, batch: 1, pause: 0 })).toEqual([['h1', 'h2']]);
  });

  it('a share of the hosts, rounded up, at least one', () => {
    expect(planBatches(hosts(10), { canary: 0, batch: '25%', pause: 0 }).map((b) => b.length)).toEqual([3, 3, 3, 1]);
    expect(planBatches(hosts(3), { canary: 0, batch: '1%', pause: 0 }).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(planBatches(hosts(20), { canary: 1, batch: '50%', pause: 0 }).map((b) => b.length)).toEqual([1, 10, 9]);
  });
});

describe('parseBatch (--batch)', () => {
  it('takes a whole number of hosts or a share', () => {
    expect(parseBatch('3')).toBe(3);
    expect(parseBatch('25%')).toBe('25%');
    for (const bad of ['0', '-1', '1.5', 'half', '0%', '101%', '', ' 2']) expect(() => parseBatch(bad), bad).toThrow(/--batch/);
  });
});
