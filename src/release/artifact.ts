/**
 * Checks a release tarball built elsewhere (`ship deploy --artifact`) before anything of it is
 * extracted: every member must be a regular file, a directory or a link that stays inside the
 * release, with a relative name and no `..`. The headers are read here, in Node, rather than
 * from `tar -tv`, whose lines cannot be split reliably around names with spaces or " -> ", and
 * they are read as GNU tar reads them when it extracts (pax records, checksums), because any
 * difference is a place to hide a member. Links are checked again after extraction, by where
 * they really lead (extracted-tree.ts): a chain of links cannot be judged one header at a time. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { createGunzip } from 'node:zlib';

const BLOCK = 512;

/** Why the tarball must not be extracted, or undefined when every member is fine. */
export async function artifactProblem(file: string): Promise<string | undefined> {
  const format = await detectFormat(file);
  if (format !== 'tar' && format !== 'gzip') return `it is ${format}; ship reads .tar and .tar.gz files`;
  const source = createReadStream(file);
  const stream = format === 'gzip' ? source.pipe(createGunzip()) : source;
  const reader = new MemberReader();
  try {
    for await (const chunk of stream) {
      const problem = reader.push(chunk as Buffer);
      if (problem !== undefined) return problem;
      if (reader.ended) break;
    }
  } catch (error) {
    return `it cannot be read as a tarball (${(error as Error).message})`;
  } finally {
    source.destroy();
  }
  if (!reader.ended && !reader.atBoundary()) return 'it ends in the middle of a member (cut short?)';
  return reader.members === 0 ? 'it holds no files' : undefined;
}

async function detectFormat(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(BLOCK);
    const { bytesRead } = await handle.read(head, 0, BLOCK, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'compressed with bzip2';
    if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'compressed with xz';
    if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'compressed with zstd';
    if (bytesRead === BLOCK && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return 'not a tarball';
  } finally {
    await handle.close();
  }
}

/** Types a release cannot hold, or that ship does not parse, by what a person would call them. */
const REFUSED: Record<string, string> = {
  '3': 'a device file (character device)',
  '4': 'a device file (block device)',
  '6': 'a FIFO',
  S: 'a GNU sparse file',
  D: 'a GNU incremental dump directory',
  M: 'a part of a multi-volume archive',
  N: 'an old GNU long-name record',
  V: 'a volume label',
};
const WHAT = 'a release holds regular files, directories and links only';
const REBUILD = 'build the tarball again from a plain directory (tar -czf release.tar.gz -C dist .)';

/**
 * Headers that change the next member (GNU long names, pax records) are kept in memory until it
 * comes: a record larger than this is refused rather than buffered (a release's names are short).
 */
export const META_LIMIT = 1 << 20;

interface Overrides {
  path?: string;
  linkpath?: string;
  size?: number;
}

/**
 * Walks tar headers as the bytes come, reading them as GNU tar will when it extracts: header
 * checksums must hold (tar skips a bad header and looks for the next, so anything past one is
 * unchecked), pax records (per member and global) override the ustar name, link and size, and
 * GNU long names apply to the next member. Whatever ship cannot read exactly is refused.
 */
class MemberReader {
  members = 0;
  ended = false;
  private buffer = Buffer.alloc(0);
  /** Offset in the tar stream of buffer[0], to say where a bad header is. */
  private offset = 0;
  /** Bytes of member data still to skip, and, for a metadata member, to keep. */
  private skip = 0;
  private meta: { type: string; data: Buffer[]; left: number } | undefined;
  private global: Overrides = {};
  private local: Overrides = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private last: string | undefined;
  private zeroBlocks = 0;

  atBoundary(): boolean {
    return this.skip === 0 && this.meta === undefined && this.buffer.length === 0;
  }

  push(chunk: Buffer): string | undefined {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (!this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buffer.length);
        if (n === 0) return undefined;
        if (this.meta && this.meta.left > 0) {
          const keep = Math.min(this.meta.left, n);
          this.meta.data.push(Buffer.from(this.buffer.subarray(0, keep)));
          this.meta.left -= keep;
        }
        this.consume(n);
        this.skip -= n;
        if (this.skip === 0 && this.meta) {
          const problem = this.endMeta();
          if (problem !== undefined) return problem;
        }
        continue;
      }
      if (this.buffer.length < BLOCK) return undefined;
      const at = this.offset;
      const header = this.buffer.subarray(0, BLOCK);
      this.consume(BLOCK);
      if (header.every((b) => b === 0)) {
        if (++this.zeroBlocks === 2) this.ended = true;
        continue;
      }
      this.zeroBlocks = 0;
      const problem = this.member(header, at);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  private consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
    this.offset += n;
  }

  private where(at: number): string {
    return `the header at byte ${at}${this.last === undefined ? '' : ` (after member ${JSON.stringify(this.last)})`}`;
  }

  private member(header: Buffer, at: number): string | undefined {
    if (!checksumHolds(header)) return `${this.where(at)} has a bad checksum (the tarball is damaged or was made to mislead); ${REBUILD}`;
    const type = String.fromCharCode(header[156]!);
    const ustarSize = number(header.subarray(124, 136));
    if (ustarSize === undefined) return `${this.where(at)} has a size field that is not a number; ${REBUILD}`;
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      const kind = type === 'x' || type === 'g' ? 'pax' : 'GNU long-name';
      if (ustarSize > META_LIMIT)
        return `${this.where(at)} is a ${kind} record of ${ustarSize} bytes; ship reads those up to ${META_LIMIT} bytes (${REBUILD})`;
      this.skip = Math.ceil(ustarSize / BLOCK) * BLOCK;
      this.meta = { type, data: [], left: ustarSize };
      return this.skip === 0 ? this.endMeta() : undefined;
    }
    // The prefix field is a prefix only in POSIX ustar headers: old GNU ones keep times there.
    const ustar = header.subarray(257, 263).toString('latin1') === 'ustar\0';
    const prefix = ustar ? text(header.subarray(345, 500)) : '';
    const plain = text(header.subarray(0, 100));
    const name = this.local.path ?? this.longName ?? this.global.path ?? (prefix ? `${prefix}/${plain}` : plain);
    const link = this.local.linkpath ?? this.longLink ?? this.global.linkpath ?? text(header.subarray(157, 257));
    const size = this.local.size ?? this.global.size ?? ustarSize;
    this.local = {};
    this.longName = this.longLink = undefined;
    this.last = name;
    this.members++;
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
    const shown = `member ${JSON.stringify(name)}`;
    const kind = REFUSED[type];
    if (kind) return `${shown} is ${kind}; ${WHAT}`;
    if (!['0', '\0', '7', '5', '2', '1'].includes(type))
      return `${shown} is of tar type "${type}", which ship does not read; ${WHAT} (${REBUILD})`;
    // Tar writes no data for these; a size would make ship and tar disagree on where the next header is.
    if (['5', '2', '1'].includes(type) && size !== 0)
      return `${shown} is a directory or link that claims ${size} bytes of data; ${REBUILD}`;
    const nameProblem = pathProblem(name);
    if (nameProblem) return `${shown} ${nameProblem}`;
    if (type === '2') {
      if (link.startsWith('/')) return `${shown} is a symbolic link to an absolute path (${link}); links must stay inside the release`;
      if (escapes(posix.join(posix.dirname(name), link)))
        return `${shown} is a symbolic link that leads out of the release (".." in ${link})`;
    }
    if (type === '1') {
      const linkProblem = pathProblem(link);
      if (linkProblem) return `${shown} is a hard link whose target ${linkProblem}`;
    }
    return undefined;
  }

  private endMeta(): string | undefined {
    const { type, data } = this.meta!;
    this.meta = undefined;
    const body = Buffer.concat(data);
    if (type === 'L') this.longName = text(body);
    else if (type === 'K') this.longLink = text(body);
    else {
      const records = paxRecords(body);
      const after = this.last === undefined ? 'before the first member' : `after member ${JSON.stringify(this.last)}`;
      if (typeof records === 'string') return `a pax header ${after} ${records}; ${REBUILD}`;
      const into = type === 'g' ? this.global : this.local;
      Object.assign(into, records);
    }
    return undefined;
  }
}

function pathProblem(name: string): string | undefined {
  if (name === '') return 'has an empty name';
  if (name.startsWith('/')) return 'has an absolute path';
  if (name.split('/').includes('..')) return 'has ".." in its path';
  return undefined;
}

function escapes(joined: string): boolean {
  const normal = posix.normalize(joined);
  return normal === '..' || normal.startsWith('../') || normal.startsWith('/');
}

/** A NUL-terminated header field. */
function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

/**
 * A numeric field: octal digits (space or NUL padded), or base-256 when the high bit is set (GNU,
 * for files over 8 GB); undefined when it is neither, or negative.
 */
function number(field: Buffer): number | undefined {
  if (field[0] === 0x80) {
    let n = 0;
    for (const byte of field.subarray(1)) n = n * 256 + byte;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (field[0]! & 0x80) return undefined;
  const digits = text(field).trim();
  if (!/^[0-7]*$/.test(digits)) return undefined;
  return parseInt(digits || '0', 8);
}

/** The header's checksum: the sum of its bytes with the checksum field read as spaces (tar accepts signed bytes too). */
function checksumHolds(header: Buffer): boolean {
  const stored = number(header.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** pax keywords that change how tar lays a member out in ways ship does not follow. */
const UNREAD_PAX = /^GNU\.sparse\./;

/**
 * pax records, `<length> <key>=<value>\n` repeated: the ones that decide what lands where (path,
 * linkpath, size), or why they cannot be read. A record ship cannot parse is refused, never
 * skipped: tar might read it otherwise.
 */
function paxRecords(body: Buffer): Overrides | string {
  const out: Overrides = {};
  let at = 0;
  while (at < body.length) {
    if (body[at] === 0 && body.subarray(at).every((b) => b === 0)) break; // padding
    const space = body.indexOf(0x20, at);
    const digits = space < 0 ? '' : body.subarray(at, space).toString('latin1');
    const length = /^[1-9][0-9]*$/.test(digits) ? Number(digits) : NaN;
    if (!Number.isSafeInteger(length) || at + length > body.length || body[at + length - 1] !== 0x0a) return 'holds a malformed record';
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) return 'holds a malformed record';
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (UNREAD_PAX.test(key)) return `holds "${key}", which ship does not read (a sparse file)`;
    // An empty value means "drop the global one" to tar; nothing ship builds writes one.
    if (['path', 'linkpath', 'size'].includes(key) && value === '') return `holds an empty "${key}"`;
    if (key === 'path') out.path = value;
    else if (key === 'linkpath') out.linkpath = value;
    else if (key === 'size') {
      if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value)))
        return `has a size that is not a number (${JSON.stringify(value)})`;
      out.size = Number(value);
    }
    at += length;
  }
  return out;
}
