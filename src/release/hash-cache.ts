/**
 * sha256 of build files, remembered by (size, mtime, ctime, inode, device) per build directory,
 * in the private per-user cache ($XDG_CACHE_HOME/ship/hashes, 0700, checked like the compiled
 * config cache): one file per build directory, read and parsed once per scan, written only when
 * what it would hold changed. A file whose key changed in any way is hashed again; a damaged or
 * missing cache only costs time. No cache at all when the directory is not private.
 *
 * The file is read back, so it is input like any other: an entry that is not a key and a sha256
 * of 64 hex digits is dropped, a file that is not a JSON object is ignored, and neither can put a
 * hash into a manifest that some file of the build did not produce under that very key.
 *
 * Racy files: the kernel stamps ctime from a clock that advances in ticks (a few milliseconds;
 * a second or two on some file systems), so a file written again within the tick it was hashed
 * in keeps its key. Only files whose ctime is RACY_NS or more before the scan began are
 * remembered: any later change stamps a ctime after the scan began, so a new key. A file the
 * build just wrote is hashed again on the next deploy, once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { privateCacheDir } from '../local/private-cache-dir.js';

type Entry = [path: string, key: string, sha256: string];

/** How long before the scan's start a file's ctime must be for its hash to be remembered. */
export const RACY_NS = 2_000_000_000n;

const SHA256 = /^[0-9a-f]{64}$/;

export class HashCache {
  private readonly next: Entry[] = [];
  private changed = false;

  private constructor(
    private readonly file: string | undefined,
    /** The cache file as parsed; each entry is checked when it is looked up (see get). */
    private readonly stored: Record<string, unknown>,
    private readonly storedCount: number,
    /** ctimes from here on are racy (see above). */
    private readonly racyFrom: bigint,
  ) {}

  /** The cache of `buildDir` for a scan that began at `startedNs` (ns since the epoch). */
  static async open(buildDir: string, startedNs: bigint): Promise<HashCache> {
    const racyFrom = startedNs - RACY_NS;
    const cache = privateCacheDir('hashes');
    if (!cache.dir) return new HashCache(undefined, {}, 0, racyFrom);
    const file = join(cache.dir, `${createHash('sha256').update(resolve(buildDir)).digest('hex').slice(0, 32)}.json`);
    const text = await readFile(file, 'utf8').catch(() => undefined); // none yet, or unreadable: hash everything once
    const stored = text === undefined ? {} : parseStored(text);
    return new HashCache(file, stored, Object.keys(stored).length, racyFrom);
  }

  /** The sha256 remembered for `path` under exactly `key`; undefined for anything else, such as an entry ship would not write. */
  get(path: string, key: string): string | undefined {
    const hit = Object.hasOwn(this.stored, path) ? this.stored[path] : undefined;
    if (!Array.isArray(hit) || hit.length !== 2 || hit[0] !== key) return undefined;
    const sha256: unknown = hit[1];
    return typeof sha256 === 'string' && SHA256.test(sha256) ? sha256 : undefined;
  }

  /**
   * Remember a hash for the next run, unless the file is racy (`ctimeNs` too recent). Only paths
   * set in this run are kept, so files gone from the build drop out.
   */
  set(path: string, key: string, sha256: string, ctimeNs: bigint): void {
    if (ctimeNs >= this.racyFrom) {
      if (Object.hasOwn(this.stored, path)) this.changed = true;
      return;
    }
    this.next.push([path, key, sha256]);
    if (!this.changed && this.get(path, key) !== sha256) this.changed = true;
  }

  async save(): Promise<void> {
    if (!this.file) return;
    // Nothing new and nothing gone: every path set was there under the same key and hash.
    if (!this.changed && this.next.length === this.storedCount) return;
    const tmp = `${this.file}.${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, JSON.stringify(Object.fromEntries(this.next.map(([path, key, sha256]) => [path, [key, sha256]]))), {
        mode: 0o600,
      });
      await rename(tmp, this.file);
    } catch {
      await rm(tmp, { force: true });
    }
  }
}

/** The cache file's object; anything else (not JSON, an array, a number) counts as no cache. */
function parseStored(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
