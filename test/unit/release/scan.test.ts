/**
 * scanBuild on real trees with a hash cache of the test's own (a private XDG_CACHE_HOME): the
 * manifest is the same bytes whether the hashes were read from the files or from the cache, a
 * file changed after the cache was written gets its new hash, a racy one is never remembered,
 * and a hand-edited cache cannot put a wrong hash into the manifest.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTree } from '../../../bench/tree.js';
import { RACY_NS } from '../../../src/release/hash-cache.js';
import { serializeManifest } from '../../../src/release/manifest.js';
import { scanBuild } from '../../../src/release/scan.js';

let root: string;
let home: string;
const saved = { cache: process.env.XDG_CACHE_HOME, umask: process.umask() };
/** A scan that begins well after every file of the test was written: none is racy. */
const LATER = () => BigInt(Date.now()) * 1_000_000n + 2n * RACY_NS;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ship-scan-'));
  home = join(root, 'cache');
  await mkdir(home, { mode: 0o700 });
  await chmod(root, 0o700);
  process.env.XDG_CACHE_HOME = home;
  process.umask(0o022);
});

afterEach(async () => {
  if (saved.cache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved.cache;
  process.umask(saved.umask);
  await rm(root, { recursive: true, force: true });
});

async function cacheFile(): Promise<string> {
  const [file, ...more] = await readdir(join(home, 'ship', 'hashes'));
  expect(more).toEqual([]);
  return join(home, 'ship', 'hashes', file!);
}

async function scanText(dir: string, options: Parameters<typeof scanBuild>[1]) {
  const scan = await scanBuild(dir, options);
  await scan.saveCache();
  return { text: serializeManifest(scan.manifest), cached: scan.cached, unhashed: scan.unhashed.size, scan };
}

/** Returns once a file written now gets a later ctime than `file`, so a change to it shows in its key. */
async function afterCtimeOf(file: string): Promise<void> {
  const before = (await stat(file, { bigint: true })).ctimeNs;
  const probe = join(root, 'probe');
  for (let i = 0; ; i++) {
    await writeFile(probe, String(i));
    if ((await stat(probe, { bigint: true })).ctimeNs > before) return;
  }
}

/** Write `text` into `file`, and put its mtime back: only ctime (and the content) tell. */
async function rewriteKeepingMtime(file: string, text: string): Promise<void> {
  const { atime, mtime } = await stat(file);
  await writeFile(file, text);
  await utimes(file, atime, mtime);
}

describe('scanBuild', () => {
  it('makes the manifest of a seeded tree byte for byte as before the cache was reworked: hashed, from the cache, or left to the tar writer', async () => {
    const dir = join(root, 'build');
    makeTree(dir, { files: 400, bytes: 400_000, seed: 7 });
    const startedNs = LATER();
    const cold = await scanText(dir, { hashNow: true, startedNs });
    // sha256 of the manifest ship made of this tree before (at 0915056), every hash read from the
    // files, with its files' modes read-only as since issue 19 (that manifest as made: d285e8c8...).
    expect(sha(cold.text)).toBe('7ea4e3744986cf362245ed47f3e976be1e764c9afa7cf3e1f6ac780cba2b6486');
    expect(cold.cached).toBe(0);
    const written = await stat(await cacheFile());

    const warm = await scanText(dir, { hashNow: true, startedNs });
    expect(warm.text).toBe(cold.text);
    expect(warm.cached).toBe(400);
    const later = await scanText(dir, { hashNow: false, startedNs });
    expect([later.text, later.unhashed]).toEqual([cold.text, 0]);
    // Nothing changed, so the cache was not written again (a write renames a new file into place).
    expect((await stat(await cacheFile())).ino).toBe(written.ino);

    // Without a cache every file is left to the tar writer, and the paths and sizes are the same.
    await rm(join(home, 'ship'), { recursive: true });
    const bare = await scanBuild(dir, { hashNow: false, startedNs });
    expect(bare.unhashed.size).toBe(400);
    expect(bare.manifest.entries.map(({ sha256: _, ...e }) => e)).toEqual(cold.scan.manifest.entries.map(({ sha256: _, ...e }) => e));
  });

  it('gives a file modified after the cache was written its new hash, same size and mtime put back too', async () => {
    const dir = join(root, 'build');
    await mkdir(join(dir, 'lib'), { recursive: true });
    await writeFile(join(dir, 'lib/a.js'), 'one\n');
    await writeFile(join(dir, 'b.js'), 'bee\n');
    const first = await scanText(dir, { hashNow: true, startedNs: LATER() });
    expect(first.scan.manifest.entries.find((e) => e.path === 'lib/a.js')?.sha256).toBe(sha('one\n'));

    await afterCtimeOf(join(dir, 'lib/a.js'));
    await rewriteKeepingMtime(join(dir, 'lib/a.js'), 'two\n');
    for (const hashNow of [true, false]) {
      const next = await scanBuild(dir, { hashNow, startedNs: LATER() });
      const a = next.manifest.entries.find((e) => e.path === 'lib/a.js')!;
      expect(a.sha256 === undefined ? next.unhashed.has('lib/a.js') : a.sha256 === sha('two\n')).toBe(true);
      expect(next.cached).toBe(1); // b.js
    }
  });

  it('never remembers a racy file: changed again within the same clock tick, it still gets its new hash', async () => {
    const dir = join(root, 'build');
    await mkdir(dir);
    await writeFile(join(dir, 'a.js'), 'one\n');
    // The real clock: a.js was written just now, so it is inside the racy window of this scan.
    const first = await scanText(dir, { hashNow: true });
    expect(first.cached).toBe(0);
    expect(await readdir(join(home, 'ship', 'hashes'))).toEqual([]); // nothing to remember, nothing written
    // Possibly within the same tick as the write above, so possibly the very same key.
    await rewriteKeepingMtime(join(dir, 'a.js'), 'two\n');
    const second = await scanText(dir, { hashNow: true });
    expect(second.scan.manifest.entries.find((e) => e.path === 'a.js')?.sha256).toBe(sha('two\n'));
    expect(second.cached).toBe(0);
  });

  it('puts no hash of a hand-edited or damaged cache into the manifest, and files named like Object properties are files', async () => {
    const dir = join(root, 'build');
    await mkdir(dir);
    const names = ['a.js', 'constructor', '__proto__', 'hasOwnProperty', 'toString'];
    for (const name of names) await writeFile(join(dir, name), `${name}\n`);
    const startedNs = LATER();
    const good = await scanText(dir, { hashNow: true, startedNs });
    expect(good.scan.manifest.entries.map((e) => [e.path, e.sha256])).toEqual(names.map((n) => [n, sha(`${n}\n`)]).sort());
    expect((await scanText(dir, { hashNow: true, startedNs })).cached).toBe(names.length);

    const file = await cacheFile();
    const stored = JSON.parse(await readFile(file, 'utf8')) as Record<string, [string, string]>;
    const [key, hash] = stored['a.js']!;
    for (const edit of [
      [key, hash.toUpperCase()],
      [key, `${hash.slice(1)}`],
      [key, 7],
      [key],
      [`${key}0`, sha('something else')], // another key: another file
      { key, hash },
    ]) {
      await writeFile(file, JSON.stringify({ ...stored, 'a.js': edit }));
      const scan = await scanText(dir, { hashNow: true, startedNs });
      expect(scan.text).toBe(good.text);
      expect(scan.cached).toBe(names.length - 1);
    }
    for (const damaged of ['', '{', '[]', 'null', '{"a.js": ["x", "y"]', '\u0000'.repeat(10)]) {
      await writeFile(file, damaged);
      expect((await scanText(dir, { hashNow: true, startedNs })).text).toBe(good.text);
    }
  });
});
