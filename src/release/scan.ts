/**
 * Walk build.dir into a manifest. A file's sha256 comes from the hash cache when its size,
 * mtime, ctime, inode and device are what they were when it was hashed, so an unchanged 50 MB
 * tree is not read again on every deploy; otherwise the file is read and hashed now, or (cold
 * deploys, `hashNow: false`) later, by the tar writer as it sends the file, in the same read.
 * A file changed just before the scan began is not remembered (racy: see hash-cache.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
  /** Files whose sha256 came from the hash cache, not from reading them. */
  cached: number;
  /** Call once every entry has its hash: stores the new ones in the cache. */
  saveCache(): Promise<void>;
}

interface ScannedFile {
  entry: ManifestEntry;
  full: string;
  key: string;
  ctimeNs: bigint;
}

/**
 * `startedNs` (ns since the epoch, default now) is when the scan counts as begun: files changed
 * shortly before it are not remembered in the hash cache (see RACY_NS in hash-cache.ts).
 */
export async function scanBuild(dir: string, options: { hashNow: boolean; startedNs?: bigint }): Promise<Scan> {
  const cache = await HashCache.open(dir, options.startedNs ?? BigInt(Date.now()) * 1_000_000n);
  const entries: ManifestEntry[] = [];
  const sources = new Map<string, string>();
  const unhashed = new Set<string>();
  const files: ScannedFile[] = [];
  let cached = 0;

  // lstat one by one, synchronously: on a tree of 15,000 small files the thread pool's round trip
  // per call costs more than the calls themselves, and stats spread over threads or a worker
  // were no faster on two cores (bench/manifest.ts). The event loop gets a turn every
  // YIELD_EVERY entries, so the SSH sessions of the deploy are not starved meanwhile.
  const toHash: ScannedFile[] = [];
  const pending: Array<[abs: string, rel: string]> = [[dir, '']];
  let sinceYield = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [abs, rel] = next;
    const base = abs.endsWith('/') ? abs : `${abs}/`;
    const prefix = rel ? `${rel}/` : '';
    const names = readdirSync(abs);
    for (const name of names) {
      const path = prefix + name;
      const full = base + name;
      const info = lstatSync(full, { bigint: true });
      const mode = Number(info.mode);
      if (info.isFile()) {
        const key = `${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.ino}:${info.dev}`;
        const entry: ManifestEntry = { path, type: 'file', mode: normalMode('file', mode), size: Number(info.size) };
        const file = { entry, full, key, ctimeNs: info.ctimeNs };
        const known = cache.get(path, key);
        if (known) {
          entry.sha256 = known;
          cached++;
        } else if (options.hashNow) toHash.push(file);
        else unhashed.add(path);
        entries.push(entry);
        sources.set(path, full);
        files.push(file);
      } else if (info.isDirectory()) {
        entries.push({ path, type: 'dir', mode: normalMode('dir', mode) });
        pending.push([full, path]);
      } else if (info.isSymbolicLink()) {
        entries.push({ path, type: 'link', mode: normalMode('link', mode), target: readlinkSync(full) });
        sources.set(path, full);
      } else {
        throw new ShipError(`build.dir holds ${path}, which is neither a file, a directory nor a symbolic link: it cannot be deployed`, {
          hint: 'have the build leave only files, directories and links in build.dir',
        });
      }
    }
    sinceYield += names.length;
    if (sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  // Files the cache does not know, a few at a time: many small reads overlap, one big one streams.
  const hashing = new Limiter(HASHING_AT_ONCE);
  await Promise.all(toHash.map((file) => hashing.run(async () => void (file.entry.sha256 = await hashFile(file.full, file.entry.size!)))));
  entries.sort(byPath);
  const manifest: Manifest = { version: 1, entries };
  return {
    manifest,
    sources,
    unhashed,
    cached,
    saveCache: async () => {
      for (const { entry, key, ctimeNs } of files) if (entry.sha256) cache.set(entry.path, key, entry.sha256, ctimeNs);
      await cache.save();
    },
  };
}

/** A millisecond or two of walking between two turns of the event loop. */
const YIELD_EVERY = 256;

const HASHING_AT_ONCE = 8;

/** A file's sha256; `size` (from its lstat) picks one read for a small file, a stream for a big one. */
export async function hashFile(path: string, size = Number.POSITIVE_INFINITY): Promise<string> {
  const hash = createHash('sha256');
  // A stream's buffer is a megabyte whatever the file: for 15,000 small files, most of the time
  // went to allocating them.
  if (size <= STREAM_ABOVE) hash.update(await readFile(path));
  else await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

const STREAM_ABOVE = 1 << 20;
