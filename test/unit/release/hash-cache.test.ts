/**
 * The build's hash cache, in a private XDG_CACHE_HOME of the test's own: what is remembered is
 * only ever returned for the same key, a file gone from the build drops out, a damaged cache
 * costs only time, a racy file is not remembered, the file is written private (0600) and only
 * when what it holds changed.
 */
import { mkdtemp, readdir, rm, stat, writeFile, readFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashCache, RACY_NS } from '../../../src/release/hash-cache.js';

let home: string;
const saved = process.env.XDG_CACHE_HOME;
const SHA = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
// A scan that began now, and a file that changed long before it (not racy).
const NOW = BigInt(Date.now()) * 1_000_000n;
const OLD = NOW - 3_600_000_000_000n;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ship-hash-cache-'));
  await chmod(home, 0o700);
  process.env.XDG_CACHE_HOME = home;
});

afterEach(async () => {
  if (saved === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved;
  await rm(home, { recursive: true, force: true });
});

/** One run: open the cache, set these, save. */
async function run(...sets: Array<Parameters<HashCache['set']>>): Promise<void> {
  const cache = await HashCache.open('/build/app', NOW);
  for (const args of sets) cache.set(...args);
  await cache.save();
}

async function files(): Promise<string[]> {
  return readdir(join(home, 'ship', 'hashes')).catch(() => []);
}

describe('HashCache', () => {
  it('returns a hash only for the key it was stored with, across runs', async () => {
    const first = await HashCache.open('/build/app', NOW);
    expect(first.get('a.js', 'k1')).toBeUndefined();
    first.set('a.js', 'k1', SHA, OLD);
    await first.save();
    const [file] = await files();
    expect(file).toMatch(/^[0-9a-f]{32}\.json$/);
    expect((await stat(join(home, 'ship', 'hashes', file!))).mode & 0o777).toBe(0o600);

    const second = await HashCache.open('/build/app', NOW);
    expect(second.get('a.js', 'k1')).toBe(SHA);
    expect(second.get('a.js', 'k2')).toBeUndefined(); // size, mtime, ctime, inode or device changed
    // Another build directory has a cache of its own.
    expect((await HashCache.open('/build/other', NOW)).get('a.js', 'k1')).toBeUndefined();
  });

  it('keeps only the paths set in the last run (a file gone from the build drops out)', async () => {
    await run(['a.js', 'k1', SHA, OLD], ['b.js', 'k1', SHA, OLD]);
    await run(['a.js', 'k1', SHA, OLD]);
    const third = await HashCache.open('/build/app', NOW);
    expect(third.get('a.js', 'k1')).toBe(SHA);
    expect(third.get('b.js', 'k1')).toBeUndefined();
  });

  it('a damaged cache file, or entries of the wrong shape, cost only a rehash', async () => {
    const first = await HashCache.open('/build/app', NOW);
    first.set('a.js', 'k1', SHA, OLD);
    await first.save();
    const path = join(home, 'ship', 'hashes', (await files())[0]!);
    await writeFile(path, '{"a.js": ["k1"');
    expect((await HashCache.open('/build/app', NOW)).get('a.js', 'k1')).toBeUndefined();
    await writeFile(
      path,
      JSON.stringify({
        'a.js': 'k1',
        'b.js': ['k1', 7],
        'c.js': ['k1', SHA],
        'd.js': ['k1', 'A'.repeat(64)], // not what ship writes: upper case
        'e.js': ['k1', `${SHA}\n`],
        'f.js': ['k1', SHA, 'extra'],
        'g.js': [['k1'], SHA],
      }),
    );
    const odd = await HashCache.open('/build/app', NOW);
    expect(['a.js', 'b.js', 'c.js', 'd.js', 'e.js', 'f.js', 'g.js'].map((p) => odd.get(p, 'k1'))).toEqual([
      undefined,
      undefined,
      SHA,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // Names of Object's properties are paths like any other: what the file holds, never something inherited.
    expect([odd.get('constructor', 'k1'), odd.get('__proto__', 'k1'), odd.get('toString', 'k1')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    await writeFile(path, `{"__proto__": ["k1", "${SHA}"]}`);
    const proto = await HashCache.open('/build/app', NOW);
    expect([proto.get('__proto__', 'k1'), proto.get('constructor', 'k1')]).toEqual([SHA, undefined]);
    for (const text of ['[["k1", "x"]]', '7', 'null', '"a"']) {
      await writeFile(path, text);
      expect((await HashCache.open('/build/app', NOW)).get('0', 'k1')).toBeUndefined();
    }
    await writeFile(path, JSON.stringify({ 'c.js': ['k1', SHA] }));
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('c.js');
  });

  it('does not remember a racy file (changed less than RACY_NS before the scan began), and forgets what it had for it', async () => {
    await run(['old.js', 'k1', SHA, OLD], ['new.js', 'k1', SHA, OLD]);
    await run(['old.js', 'k1', SHA, OLD], ['new.js', 'k2', OTHER, NOW - RACY_NS]); // new.js: just inside the window
    const third = await HashCache.open('/build/app', NOW);
    expect(third.get('old.js', 'k1')).toBe(SHA);
    expect([third.get('new.js', 'k1'), third.get('new.js', 'k2')]).toEqual([undefined, undefined]);
    expect(JSON.parse(await readFile(join(home, 'ship', 'hashes', (await files())[0]!), 'utf8'))).not.toHaveProperty('new.js');
  });

  it('writes the file only when what it holds changed', async () => {
    await run(['a.js', 'k1', SHA, OLD], ['b.js', 'k1', SHA, OLD]);
    const path = join(home, 'ship', 'hashes', (await files())[0]!);
    const written = await stat(path);
    await run(['a.js', 'k1', SHA, OLD], ['b.js', 'k1', SHA, OLD]);
    expect((await stat(path)).ino).toBe(written.ino); // a rewrite renames a new file into place
    const changes: Array<Array<Parameters<HashCache['set']>>> = [
      [
        ['a.js', 'k2', SHA, OLD],
        ['b.js', 'k1', SHA, OLD],
      ], // a new key
      [
        ['a.js', 'k2', OTHER, OLD],
        ['b.js', 'k1', SHA, OLD],
      ], // a new hash
      [['a.js', 'k2', OTHER, OLD]], // b.js gone
    ];
    for (const sets of changes) {
      const before = (await stat(path)).ino;
      await run(...sets);
      expect((await stat(path)).ino).not.toBe(before);
    }
    expect(Object.keys(JSON.parse(await readFile(path, 'utf8')))).toEqual(['a.js']);
  });

  it('keeps nothing when the cache directory is not private', async () => {
    await chmod(home, 0o777);
    const cache = await HashCache.open('/build/app', NOW);
    cache.set('a.js', 'k1', SHA, OLD);
    await cache.save();
    expect(await files()).toEqual([]);
    await chmod(home, 0o700);
  });
});
