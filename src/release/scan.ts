/**
 * Walk build.dir into a manifest. A file's sha256 comes from the hash cache when its size,
 * mtime, ctime, inode and device are what they were when it was hashed, so an unchanged 50 MB
 * tree is not read again on every deploy; otherwise the file is read and hashed now, or (cold
 * deploys, `hashNow: false`) later, by the tar writer as it sends the file, in the same read.
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ShipError } from '../errors.js';
import { Limiter } from '../session/limiter.js';
import { HashCache } from './hash-cache.js';
import { byPath, normalMode, type Manifest, type ManifestEntry } from './manifest.js';

export interface Scan {
  manifest: Manifest;
  /** Absolute path of every file and link, by manifest path. */
  sources: Map<string, string>;
  /** Files still without a sha256 (hashNow: false): the tar writer fills them in. */
  unhashed: Set<string>;
  /** Call once every entry has its hash: stores the new ones in the cache. */
  saveCache(): Promise<void>;
}

export async function scanBuild(dir: string, options: { hashNow: boolean }): Promise<Scan> {
  const cache = await HashCache.open(dir);
  const entries: ManifestEntry[] = [];
  const sources = new Map<string, string>();
  const unhashed = new Set<string>();
  const keys = new Map<string, string>();

  // lstat one by one, synchronously: on a tree of 15,000 small files the thread pool's round trip
  // per call costs five times the calls themselves. The event loop gets a turn after every
  // directory, so the SSH sessions asking the hosts for their facts meanwhile are not starved.
  const toHash: Array<{ entry: ManifestEntry; full: string }> = [];
  const pending: Array<[abs: string, rel: string]> = [[dir, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [abs, rel] = next;
    for (const dirent of readdirSync(abs, { withFileTypes: true })) {
      const path = rel ? `${rel}/${dirent.name}` : dirent.name;
      const full = join(abs, dirent.name);
      const info = lstatSync(full, { bigint: true });
      const mode = Number(info.mode);
      if (info.isDirectory()) {
        entries.push({ path, type: 'dir', mode: normalMode('dir', mode) });
        pending.push([full, path]);
      } else if (info.isSymbolicLink()) {
        entries.push({ path, type: 'link', mode: normalMode('link', mode), target: readlinkSync(full) });
        sources.set(path, full);
      } else if (info.isFile()) {
        const key = `${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.ino}:${info.dev}`;
        const entry: ManifestEntry = { path, type: 'file', mode: normalMode('file', mode), size: Number(info.size) };
        const known = cache.get(path, key);
        if (known) entry.sha256 = known;
        else if (options.hashNow) toHash.push({ entry, full });
        else unhashed.add(path);
        entries.push(entry);
        sources.set(path, full);
        keys.set(path, key);
      } else {
        throw new ShipError(`build.dir holds ${path}, which is neither a file, a directory nor a symbolic link: it cannot be deployed`, {
          hint: 'have the build leave only files, directories and links in build.dir',
        });
      }
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // Files the cache does not know, a few at a time: many small reads overlap, one big one streams.
  const hashing = new Limiter(HASHING_AT_ONCE);
  await Promise.all(toHash.map(({ entry, full }) => hashing.run(async () => void (entry.sha256 = await hashFile(full)))));
  entries.sort(byPath);
  const manifest: Manifest = { version: 1, entries };
  return {
    manifest,
    sources,
    unhashed,
    saveCache: async () => {
      for (const e of entries) if (e.type === 'file' && e.sha256) cache.set(e.path, keys.get(e.path)!, e.sha256);
      await cache.save();
    },
  };
}

const HASHING_AT_ONCE = 8;

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}
