/**
 * The build's hash cache, in a private XDG_CACHE_HOME of the test's own: what is remembered is
 * only ever returned for the same key, a file gone from the build drops out, a damaged cache
 * costs only time, and the file is written private (0600).
 */
import { mkdtemp, readdir, rm, stat, writeFile, readFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HashCache } from '../../../src/release/hash-cache.js';

let home: string;
const saved = process.env.XDG_CACHE_HOME;
const SHA = 'a'.repeat(64);

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

async function files(): Promise<string[]> {
  return readdir(join(home, 'ship', 'hashes')).catch(() => []);
}

describe('HashCache', () => {
  it('returns a hash only for the key it was stored with, across runs', async () => {
    const first = await HashCache.open('/build/app');
    expect(first.get('a.js', 'k1')).toBeUndefined();
    first.set('a.js', 'k1', SHA);
    await first.save();
    const [file] = await files();
    expect(file).toMatch(/^[0-9a-f]{32}\.json$/);
    expect((await stat(join(home, 'ship', 'hashes', file!))).mode & 0o777).toBe(0o600);

    const second = await HashCache.open('/build/app');
    expect(second.get('a.js', 'k1')).toBe(SHA);
    expect(second.get('a.js', 'k2')).toBeUndefined(); // size, mtime, ctime, inode or device changed
    // Another build directory has a cache of its own.
    expect((await HashCache.open('/build/other')).get('a.js', 'k1')).toBeUndefined();
  });

  it('keeps only the paths set in the last run (a file gone from the build drops out)', async () => {
    const first = await HashCache.open('/build/app');
    first.set('a.js', 'k1', SHA);
    first.set('b.js', 'k1', SHA);
    await first.save();
    const second = await HashCache.open('/build/app');
    second.set('a.js', 'k1', SHA);
    await second.save();
    const third = await HashCache.open('/build/app');
    expect(third.get('a.js', 'k1')).toBe(SHA);
    expect(third.get('b.js', 'k1')).toBeUndefined();
  });

  it('a damaged cache file, or entries of the wrong shape, cost only a rehash', async () => {
    const first = await HashCache.open('/build/app');
    first.set('a.js', 'k1', SHA);
    await first.save();
    const path = join(home, 'ship', 'hashes', (await files())[0]!);
    await writeFile(path, '{"a.js": ["k1"');
    expect((await HashCache.open('/build/app')).get('a.js', 'k1')).toBeUndefined();
    await writeFile(path, JSON.stringify({ 'a.js': 'k1', 'b.js': ['k1', 7], 'c.js': ['k1', SHA] }));
    const odd = await HashCache.open('/build/app');
    expect([odd.get('a.js', 'k1'), odd.get('b.js', 'k1'), odd.get('c.js', 'k1')]).toEqual([undefined, undefined, SHA]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('c.js');
  });

  it('keeps nothing when the cache directory is not private', async () => {
    await chmod(home, 0o777);
    const cache = await HashCache.open('/build/app');
    cache.set('a.js', 'k1', SHA);
    await cache.save();
    expect(await files()).toEqual([]);
    await chmod(home, 0o700);
  });
});
