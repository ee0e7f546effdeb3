import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCodec, compressor, hasLocalZstd, shrinks } from '../../../src/release/codec.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ship-codec-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: Buffer): Promise<{ source: string; size: number }> {
  const source = join(dir, name);
  await writeFile(source, content);
  return { source, size: content.length };
}

describe('codec choice', () => {
  it('measures whether the content shrinks: random data does not, text does, tiny content counts as shrinking', async () => {
    expect(await shrinks([await file('random.bin', randomBytes(1 << 20))])).toBe(false);
    expect(await shrinks([await file('text.txt', Buffer.from('hello world\n'.repeat(100_000)))])).toBe(true);
    expect(await shrinks([await file('tiny.bin', randomBytes(100))])).toBe(true);
  });

  it('sends content that does not shrink as is, and uses zstd only when both sides have it', async () => {
    expect(await chooseCodec({ shrinks: false, hostsHaveZstd: true })).toBe('none');
    expect(await chooseCodec({ shrinks: true, hostsHaveZstd: false })).toBe('gzip');
    expect(await chooseCodec({ shrinks: true, hostsHaveZstd: true })).toBe((await hasLocalZstd()) ? 'zstd' : 'gzip');
  });

  it('compresses so the other side gets the same bytes back', async () => {
    const input = Buffer.from('release bytes\n'.repeat(1000));
    for (const codec of ['gzip', 'none'] as const) {
      const chunks: Buffer[] = [];
      await pipeline(
        Readable.from([input]),
        compressor(codec),
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            chunks.push(chunk);
            done();
          },
        }),
      );
      const out = Buffer.concat(chunks);
      expect(codec === 'gzip' ? gunzipSync(out) : out).toEqual(input);
    }
  });
});
