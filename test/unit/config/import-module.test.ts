import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importUserModule } from '../../../src/config/import-module.js';
import * as api from '../../../src/index.js';
import { unsafeDirectory } from '../../../src/local/private-cache-dir.js';

const uid = process.getuid!();
let base: string;

beforeEach(() => {
  // mkdtemp makes it 0700, below the sticky, world-writable /tmp.
  base = mkdtempSync(join(tmpdir(), 'ship-cache-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** `<base>/<path>` with every directory 0700, then `mode` on the first one. */
function dirs(path: string, mode = 0o700): string {
  const full = join(base, path);
  mkdirSync(full, { recursive: true, mode: 0o700 });
  chmodSync(join(base, path.split('/')[0]!), mode);
  return full;
}

describe('unsafeDirectory: every directory from / down to the cache', () => {
  it('accepts a private directory below the sticky /tmp', () => {
    expect(unsafeDirectory(dirs('cache/ship/jiti'), uid)).toBeUndefined();
  });

  it('refuses a group- or world-writable directory on the way, naming it', () => {
    const group = dirs('g/ship/jiti', 0o770);
    expect(unsafeDirectory(group, uid)).toBe(`${join(base, 'g')} is writable by its group`);
    const world = dirs('w/ship/jiti', 0o777);
    expect(unsafeDirectory(world, uid)).toBe(`${join(base, 'w')} is writable by its group and everyone`);
  });

  it('accepts a sticky world-writable directory on the way, not as the cache itself', () => {
    expect(unsafeDirectory(dirs('sticky/ship/jiti', 0o1777), uid)).toBeUndefined();
    const last = dirs('last', 0o1777);
    expect(unsafeDirectory(last, uid)).toBe(`${last} is writable by its group and everyone`);
  });

  it('refuses a cache directory that others may read', () => {
    const open = dirs('readable', 0o755);
    expect(unsafeDirectory(open, uid)).toMatch(/is not private to you \(mode 755/);
  });

  it.skipIf(uid !== 0)('refuses a directory on the way owned by another user, even one that only they can write', () => {
    const theirs = dirs('theirs/ship/jiti');
    chownSync(join(base, 'theirs'), 4242, 4242);
    expect(unsafeDirectory(theirs, uid)).toBe(`${join(base, 'theirs')} is owned by uid 4242, who could change what is below it`);
  });

  it('follows symbolic links: a link from a safe place into an open one is refused', () => {
    const real = dirs('open/jiti', 0o777);
    const link = join(base, 'link');
    symlinkSync(real, link);
    expect(unsafeDirectory(link, uid)).toBe(`${join(base, 'open')} is writable by its group and everyone`);
    const safe = dirs('fine/jiti');
    symlinkSync(safe, join(base, 'link2'));
    expect(unsafeDirectory(join(base, 'link2'), uid)).toBeUndefined();
  });
});

describe('importUserModule and the compiled-file cache', () => {
  const saved = process.env.XDG_CACHE_HOME;
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  });

  const load = async (cacheHome: string) => {
    process.env.XDG_CACHE_HOME = cacheHome;
    const file = join(base, `mod-${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(file, 'const n: number = 41;\nexport default n + 1;\n');
    const debug: string[] = [];
    const mod = await importUserModule(file, { api, debug: (t) => debug.push(t) });
    const cache = join(cacheHome, 'ship', 'jiti');
    return { value: mod.default, debug, cached: readdirSync(cache) };
  };

  it('caches compiled files in a private directory', async () => {
    const r = await load(dirs('home/.cache'));
    expect(r.value).toBe(42);
    expect(r.cached.length).toBeGreaterThan(0);
    expect(r.debug).toEqual([]);
  });

  it('compiles without a cache, writing nothing there, when a directory on the way is open to others; says why in debug', async () => {
    const open = dirs('shared/.cache', 0o777);
    const r = await load(open);
    expect(r.value).toBe(42);
    expect(r.cached).toEqual([]);
    expect(r.debug).toHaveLength(1);
    expect(r.debug[0]).toContain(`without a cache: ${join(base, 'shared')} is writable by its group and everyone`);
  });
});
