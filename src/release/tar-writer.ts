/**
 * Writes a tar stream (POSIX ustar, with pax records for long or non-ASCII names) of chosen
 * manifest entries, reading each file once: the same read feeds the stream and the file's
 * sha256, which fills in a manifest entry not hashed yet, or proves a hashed one did not change
 * since. Headers carry the normalised mode and owner 0, so what a host extracts does not depend
 * on who built it. Written here rather than by the local `tar` because of that single read and
 * the control over headers; GNU tar reads it (test/unit/release/tar-writer.test.ts).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ShipError } from '../errors.js';
import type { ManifestEntry } from './manifest.js';

const BLOCK = 512;
const READ = 1 << 20;

export interface TarSource {
  entry: ManifestEntry;
  /** Absolute path to read a file from (files only). */
  source?: string;
}

/** A stream of the entries in order; fills in `entry.sha256` of files that had none. */
export function tarStream(items: readonly TarSource[], mtime = Math.floor(Date.now() / 1000)): Readable {
  return Readable.from(generate(items, mtime), { objectMode: false, highWaterMark: READ });
}

async function* generate(items: readonly TarSource[], mtime: number): AsyncGenerator<Buffer> {
  for (const { entry, source } of items) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const size = entry.type === 'file' ? (entry.size ?? 0) : 0;
    yield* header({
      name,
      mode: entry.mode,
      size,
      mtime,
      type: entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : '2',
      link: entry.target ?? '',
    });
    if (entry.type !== 'file') continue;
    if (!source) throw new Error(`tarStream: no source for ${entry.path}`);
    yield* fileBody(entry, source, size);
  }
  yield Buffer.alloc(BLOCK * 2);
}

async function* fileBody(entry: ManifestEntry, source: string, size: number): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const handle = await open(source, 'r');
  let left = size;
  try {
    while (left > 0) {
      const chunk = Buffer.allocUnsafe(Math.min(READ, left));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) throw changed(entry.path, 'got shorter');
      const part = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      hash.update(part);
      left -= bytesRead;
      yield part;
    }
    const { bytesRead } = await handle.read(Buffer.alloc(1), 0, 1, null);
    if (bytesRead !== 0) throw changed(entry.path, 'got longer');
  } finally {
    await handle.close();
  }
  const sha256 = hash.digest('hex');
  if (entry.sha256 === undefined) entry.sha256 = sha256;
  else if (entry.sha256 !== sha256) throw changed(entry.path, 'changed its content');
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad > 0) yield Buffer.alloc(pad);
}

function changed(path: string, how: string): ShipError {
  return new ShipError(`build.dir/${path} ${how} while ship was sending it`, {
    hint: 'let the build finish before ship deploys; nothing else may write to build.dir meanwhile',
  });
}

interface Header {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  /** ustar typeflag: 0 file, 5 directory, 2 symbolic link, x pax extended header. */
  type: '0' | '5' | '2' | 'x';
  link: string;
}

function* header(h: Header): Generator<Buffer> {
  const long = !fits(h.name, 100) || !fits(h.link, 100) || h.size > 0o77777777777;
  if (long) {
    const records = paxRecords({
      path: h.name,
      ...(h.link ? { linkpath: h.link } : {}),
      ...(h.size > 0o77777777777 ? { size: String(h.size) } : {}),
    });
    yield* header({ name: 'PaxHeader', mode: 0o644, size: records.length, mtime: h.mtime, type: 'x', link: '' });
    yield records;
    yield Buffer.alloc((BLOCK - (records.length % BLOCK)) % BLOCK);
  }
  const block = Buffer.alloc(BLOCK);
  const ascii = (text: string) => (fits(text, 100) ? text : '');
  block.write(long ? ascii(h.name) || 'pax-named' : h.name, 0, 100, 'utf8');
  octal(block, 100, 8, h.mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, h.size > 0o77777777777 ? 0 : h.size);
  octal(block, 136, 12, h.mtime);
  block.fill(' ', 148, 156);
  block.write(h.type, 156, 1, 'ascii');
  block.write(long ? ascii(h.link) : h.link, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  yield block;
}

/** Fits a ustar field of `bytes`: ASCII only (other encodings go in pax records) and short enough. */
function fits(text: string, bytes: number): boolean {
  return text.length < bytes && /^[\x20-\x7e]*$/.test(text);
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}

/** pax records: `<length> <key>=<value>\n`, where length counts the whole record, itself included. */
function paxRecords(fields: Record<string, string>): Buffer {
  const parts = Object.entries(fields).map(([key, value]) => {
    const body = ` ${key}=${value}\n`;
    const bytes = Buffer.byteLength(body);
    let digits = String(bytes).length;
    while (String(bytes + digits).length !== digits) digits++;
    return Buffer.from(`${bytes + digits}${body}`);
  });
  return Buffer.concat(parts);
}
