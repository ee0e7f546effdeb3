import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Fanout } from '../../../src/release/fanout.js';

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('Fanout', () => {
  it("sends the same bytes to every host, hashes them once, and reports each host's whole count last", async () => {
    const parts = [Buffer.alloc(10, 1), Buffer.alloc(70_000, 2), Buffer.alloc(5, 3)];
    const whole = Buffer.concat(parts);
    const counts = new Map<string, Array<[number, boolean]>>();
    const fanout = new Fanout(Readable.from(parts), ['h1', 'h2'], (host, sent, last) => {
      counts.set(host, [...(counts.get(host) ?? []), [sent, last]]);
    });
    const [a, b] = await Promise.all([drain(fanout.output('h1')), drain(fanout.output('h2'))]);
    expect(a.equals(whole) && b.equals(whole)).toBe(true);
    expect(await fanout.done).toBe(createHash('sha256').update(whole).digest('hex'));
    for (const host of ['h1', 'h2']) {
      const seen = counts.get(host)!;
      expect(seen.at(-1), host).toEqual([whole.length, true]);
      expect(
        seen.filter(([, last]) => last),
        host,
      ).toHaveLength(1);
    }
  });

  it('a receiver that takes nothing while bytes wait is dropped after the stall timeout; the others get everything', async () => {
    const whole = Buffer.alloc(5 * 1024 * 1024, 7);
    const fanout = new Fanout(Readable.from([whole.subarray(0, 1 << 20), whole.subarray(1 << 20)]), ['h1', 'stuck', 'h2'], () => {}, {
      stallSeconds: 1,
    });
    const stuck = fanout.output('stuck');
    const closed = new Promise<unknown>((resolve) => stuck.once('error', resolve));
    const [a, b] = await Promise.all([drain(fanout.output('h1')), drain(fanout.output('h2'))]);
    expect(a.equals(whole) && b.equals(whole)).toBe(true);
    expect(((await closed) as Error).name).toBe('StallError');
    expect(fanout.stallOf('stuck')?.message).toMatch(/^stuck: took none of the release stream for 1 s/);
    expect(fanout.stallOf('h1')).toBeUndefined();
  });

  it('a source that is slow itself is not a stall: nothing waits for the receivers', async () => {
    async function* slow() {
      yield Buffer.alloc(1000, 1);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      yield Buffer.alloc(1000, 2);
    }
    const fanout = new Fanout(Readable.from(slow()), ['h1', 'h2'], () => {}, { stallSeconds: 1 });
    const [a, b] = await Promise.all([drain(fanout.output('h1')), drain(fanout.output('h2'))]);
    expect(a.length + b.length).toBe(4000);
    expect(fanout.stallOf('h1') ?? fanout.stallOf('h2')).toBeUndefined();
  });

  it('more than ten receivers: no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const hosts = Array.from({ length: 25 }, (_, i) => `h${i}`);
      const fanout = new Fanout(Readable.from([Buffer.alloc(100_000, 1)]), hosts, () => {});
      const got = await Promise.all(hosts.map((h) => drain(fanout.output(h))));
      expect(got.every((g) => g.length === 100_000)).toBe(true);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});
