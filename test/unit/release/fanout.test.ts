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
  it('sends the same bytes to every host, hashes them once, and reports each host\'s whole count last', async () => {
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
      expect(seen.filter(([, last]) => last), host).toHaveLength(1);
    }
  });
});
