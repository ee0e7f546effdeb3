/**
 * Checks a release tarball built elsewhere (`ship deploy --artifact`) before anything of it is
 * extracted: every member must be a regular file, a directory or a link that stays inside the
 * release, with a relative name and no `..`. The headers are read here, in Node, rather than
 * from `tar -tv`, whose lines cannot be split reliably around names with spaces or " -> ".
 */
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

const TYPES: Record<string, string> = {
  '3': 'a device file (character device)', '4': 'a device file (block device)', '6': 'a FIFO',
};

/** Walks tar headers as the bytes come, applying GNU long names and pax paths to the next member. */
class MemberReader {
  members = 0;
  ended = false;
  private buffer = Buffer.alloc(0);
  /** Bytes of member data still to skip, and, for a metadata member, to keep. */
  private skip = 0;
  private meta: { type: string; data: Buffer[]; left: number } | undefined;
  private nextName: string | undefined;
  private nextLink: string | undefined;
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
          this.meta.data.push(this.buffer.subarray(0, keep));
          this.meta.left -= keep;
        }
        this.buffer = this.buffer.subarray(n);
        this.skip -= n;
        if (this.skip === 0 && this.meta) this.endMeta();
        continue;
      }
      if (this.buffer.length < BLOCK) return undefined;
      const header = this.buffer.subarray(0, BLOCK);
      this.buffer = this.buffer.subarray(BLOCK);
      if (header.every((b) => b === 0)) {
        if (++this.zeroBlocks === 2) this.ended = true;
        continue;
      }
      this.zeroBlocks = 0;
      const problem = this.member(header);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  private member(header: Buffer): string | undefined {
    const type = String.fromCharCode(header[156]!);
    const size = octal(header.subarray(124, 136));
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      this.meta = { type, data: [], left: size };
      if (this.skip === 0) this.endMeta();
      return undefined;
    }
    const prefix = text(header.subarray(345, 500));
    const name = this.nextName ?? (prefix ? `${prefix}/${text(header.subarray(0, 100))}` : text(header.subarray(0, 100)));
    const link = this.nextLink ?? text(header.subarray(157, 257));
    this.nextName = undefined;
    this.nextLink = undefined;
    this.members++;
    const shown = JSON.stringify(name);
    const kind = TYPES[type];
    if (kind) return `member ${shown} is ${kind}; a release holds regular files, directories and links only`;
    if (!['0', '\0', '7', '5', '2', '1'].includes(type)) return `member ${shown} is of tar type "${type}"; a release holds regular files, directories and links only`;
    const nameProblem = pathProblem(name);
    if (nameProblem) return `member ${shown} ${nameProblem}`;
    if (type === '2') {
      if (link.startsWith('/')) return `member ${shown} is a symbolic link to an absolute path (${link}); links must stay inside the release`;
      if (escapes(posix.join(posix.dirname(name), link))) return `member ${shown} is a symbolic link that leads out of the release (".." in ${link})`;
    }
    if (type === '1') {
      const linkProblem = pathProblem(link);
      if (linkProblem) return `member ${shown} is a hard link whose target ${linkProblem}`;
    }
    return undefined;
  }

  private endMeta(): void {
    const { type, data } = this.meta!;
    this.meta = undefined;
    const body = Buffer.concat(data);
    if (type === 'L') this.nextName = text(body);
    else if (type === 'K') this.nextLink = text(body);
    else if (type === 'x') {
      const records = paxRecords(body);
      if (records.path !== undefined) this.nextName = records.path;
      if (records.linkpath !== undefined) this.nextLink = records.linkpath;
    }
  }
}

function pathProblem(name: string): string | undefined {
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

/** A size field: octal digits, or base-256 when the high bit is set (GNU, for files over 8 GB). */
function octal(field: Buffer): number {
  if (field[0]! & 0x80) {
    let n = 0;
    for (const byte of field.subarray(1)) n = n * 256 + byte;
    return n;
  }
  return parseInt(text(field).trim() || '0', 8);
}

/** pax records: `<length> <key>=<value>\n`, repeated. */
function paxRecords(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number(body.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}
