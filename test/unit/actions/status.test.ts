/**
 * ship status: parsing what the host's status script prints, and what a row says. The script
 * itself runs on real hosts in test/e2e/fleet.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { hostStatus, needsAttention, parseStatus } from '../../../src/actions/status.js';

const log = [
  { time: '2026-01-01T10:00:00.000Z', release: 'R2', result: 'ok', user: 'alice', origin: 'laptop', commit: 'abc123' },
  { time: '2026-01-02T10:00:00.000Z', release: 'R2', result: 'failed', user: 'bob', origin: 'ci', commit: 'fff' },
  { time: '2026-01-03T10:00:00.000Z', release: 'R2', result: 'rollback', user: 'carol', origin: 'desk', commit: 'zzz' },
].map((e) => JSON.stringify(e));

describe('parseStatus', () => {
  it('reads disk, units, current, lock and the log lines of the current release', () => {
    const reading = parseStatus(
      [
        'disk 1000 4000',
        'unit hello active',
        'unit hello-worker failed',
        'current releases/R2',
        'lock {"user":"x","pid":1,"token":"t"}',
        'log',
        ...log,
        '{"cut',
        '',
      ].join('\n'),
    );
    expect(reading.disk).toEqual({ availableBytes: 1024000, sizeBytes: 4096000 });
    expect(reading.units).toEqual([
      { unit: 'hello', state: 'active' },
      { unit: 'hello-worker', state: 'failed' },
    ]);
    expect(reading.current).toBe('R2');
    expect(reading.lock).toBe('{"user":"x","pid":1,"token":"t"}');
    expect(reading.log).toHaveLength(3);
  });

  it('a host without the deploy path: no current, no log', () => {
    const reading = parseStatus('disk 5 10\nunit hello inactive\n');
    expect(reading.current).toBeUndefined();
    expect(hostStatus('h', reading, [], null)).toMatchObject({ release: null, deployed: null, commit: null, lock: null });
  });
});

describe('hostStatus', () => {
  it("went live by the latest deploy or rollback to it; the commit is the deploy's; the lock without its token", () => {
    const s = hostStatus(
      'h1',
      parseStatus(['current releases/R2', 'lock {"user":"x","pid":1,"token":"t"}', 'log', ...log].join('\n')),
      [],
      null,
    );
    expect(s.deployed).toEqual({ time: '2026-01-03T10:00:00.000Z', user: 'carol', origin: 'desk', result: 'rollback' });
    expect(s.commit).toBe('abc123');
    expect(s.lock).toEqual({ user: 'x', pid: 1 });
    expect(hostStatus('h1', parseStatus('current releases/R2\nlock held\nlog\n'), [], null).lock).toEqual({ held: true });
  });

  it('needs attention: nothing deployed, a unit not active, a health answer that is not 2xx/3xx', () => {
    const base = parseStatus('unit a active\ncurrent releases/R1\nlog\n');
    expect(needsAttention(hostStatus('h', base, [{ url: 'u', answer: 'HTTP 200', ok: true }], null))).toBe(false);
    expect(needsAttention(hostStatus('h', base, [{ url: 'u', answer: 'HTTP 503', ok: false }], null))).toBe(true);
    expect(needsAttention(hostStatus('h', parseStatus('unit a inactive\ncurrent releases/R1\nlog\n'), [], null))).toBe(true);
    expect(needsAttention(hostStatus('h', parseStatus('unit a active\ncurrent \nlog\n'), [], null))).toBe(true);
  });
});
