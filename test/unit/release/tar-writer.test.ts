import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { RACY_NS } from '../../../src/release/hash-cache.js';
import { scanBuild } from '../../../src/release/scan.js';
import { tarStream } from '../../../src/release/tar-writer.js';

async function tree(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ship-tar-'));
  const long = 'a-very-long-directory-name-that-goes-on'.repeat(4);
  await mkdir(join(dir, long, 'sub'), { recursive: true });
  await writeFile(join(dir, long, 'sub', `${'file-with-a-long-name-'.repeat(6)}.txt`), 'deep\n');
  await writeFile(join(dir, 'héllo wörld ✓.txt'), 'unicode\n');
  await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 7, 7));
  await writeFile(join(dir, 'setuid'), '#!/bin/sh\n');
  await chmod(join(dir, 'setuid'), 0o4777);
  await symlink('big.bin', join(dir, 'link'));
  await symlink(`../${'x'.repeat(150)}`, join(dir, 'long-link'));
  return dir;
}

describe('tarStream', () => {
  it('writes a tar that GNU tar extracts exactly: long and unicode names, links, normalised modes, hashes filled in', async () => {
    const src = await tree();
    // As if the scan began well after the build wrote the tree: a file written just before a scan
    // is racy and not remembered (hash-cache.ts), and the end of this test reads the cache.
    const startedNs = BigInt(Date.now()) * 1_000_000n + 2n * RACY_NS;
    const scan = await scanBuild(src, { hashNow: false, startedNs });
    expect(scan.unhashed.size).toBeGreaterThan(0);
    const out = await mkdtemp(join(tmpdir(), 'ship-tar-out-'));
    await pipeline(
      tarStream(scan.manifest.entries.map((entry) => ({ entry, source: scan.sources.get(entry.path) }))),
      createWriteStream(join(out, 'r.tar')),
    );
    await mkdir(join(out, 'x'));
    await execa('tar', ['-xf', join(out, 'r.tar'), '-C', join(out, 'x')]);
    for (const e of scan.manifest.entries) {
      const there = join(out, 'x', e.path);
      if (e.type === 'link') expect(await readlink(there)).toBe(e.target);
      if (e.type === 'file') {
        expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect((await readFile(there)).equals(await readFile(join(src, e.path))), e.path).toBe(true);
        expect((await stat(there)).mode & 0o7777).toBe(e.mode);
      }
    }
    expect(scan.manifest.entries.find((e) => e.path === 'setuid')!.mode).toBe(0o555);
    const listed = (await execa('tar', ['-tf', join(out, 'r.tar')])).stdout
      .split('\n')
      .map((l) => l.replace(/\/$/, ''))
      .sort();
    expect(listed).toEqual(scan.manifest.entries.map((e) => e.path).sort());
    // One scan later, every hash comes from the cache.
    await scan.saveCache();
    expect((await scanBuild(src, { hashNow: false, startedNs })).unhashed.size).toBe(0);
  });

  it('refuses a file that changed between the scan and the send', async () => {
    const src = await tree();
    const scan = await scanBuild(src, { hashNow: true });
    await writeFile(join(src, 'empty'), 'now it has content');
    const stream = tarStream(scan.manifest.entries.map((entry) => ({ entry, source: scan.sources.get(entry.path) })));
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow('build.dir/empty got longer while ship was sending it');
  });
});
