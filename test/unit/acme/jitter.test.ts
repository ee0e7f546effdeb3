import { describe, expect, it } from 'vitest';
import { jitterMs, MAX_JITTER_MS } from '../../../src/acme/jitter.js';

describe('random sleep before the first order', () => {
  it('waits up to 8 minutes when not on a terminal', () => {
    expect(MAX_JITTER_MS).toBe(480_000);
    expect(jitterMs({ enabled: true, terminal: false }, (max) => max)).toBe(480_000);
    expect(jitterMs({ enabled: true, terminal: false }, () => 0)).toBe(0);
    const real = jitterMs({ enabled: true, terminal: false });
    expect(real).toBeGreaterThanOrEqual(0);
    expect(real).toBeLessThanOrEqual(480_000);
  });

  it('never waits on a terminal or with --no-random-sleep', () => {
    expect(jitterMs({ enabled: true, terminal: true }, (max) => max)).toBe(0);
    expect(jitterMs({ enabled: false, terminal: false }, (max) => max)).toBe(0);
  });
});
