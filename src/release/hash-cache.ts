/**
 * sha256 of build files, remembered by (size, mtime, ctime, inode, device) per build directory,
 * in the private per-user cache ($XDG_CACHE_HOME/ship/hashes, 0700, checked like the compiled
 * config cache). A file whose key changed in any way is hashed again; a damaged or missing cache
 * only costs time. No cache at all when the directory is not private.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { privateCacheDir } from '../local/private-cache-dir.js';

type Stored = Record<string, [key: string, sha256: string]>;

export class HashCache {
  private readonly fresh: Stored = {};
  private changed = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly stored: Stored,
  ) {}

  static async open(buildDir: string): Promise<HashCache> {
    const cache = privateCacheDir('hashes');
    if (!cache.dir) return new HashCache(undefined, {});
    const file = join(cache.dir, `${createHash('sha256').update(resolve(buildDir)).digest('hex').slice(0, 32)}.json`);
    let stored: Stored = {};
    try {
      const value = JSON.parse(await readFile(file, 'utf8')) as unknown;
      if (typeof value === 'object' && value !== null) stored = value as Stored;
    } catch {
      // none yet, or unreadable: hash everything once
    }
    return new HashCache(file, stored);
  }

  get(path: string, key: string): string | undefined {
    const hit = this.stored[path];
    return Array.isArray(hit) && hit[0] === key && typeof hit[1] === 'string' ? hit[1] : undefined;
  }

  /** Remember a hash; only paths set in this run are kept (files gone from the build drop out). */
  set(path: string, key: string, sha256: string): void {
    this.fresh[path] = [key, sha256];
    if (this.stored[path]?.[0] !== key) this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.file) return;
    if (!this.changed && Object.keys(this.fresh).length === Object.keys(this.stored).length) return;
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, JSON.stringify(this.fresh), { mode: 0o600 });
      await rename(tmp, this.file);
    } catch {
      await rm(tmp, { force: true });
    }
  }
}
