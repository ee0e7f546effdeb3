/**
 * Hostile --artifact tarballs, built byte by byte: each hides something from a reader that does
 * not read headers exactly as GNU tar does (pax sizes and paths, bad checksums, types ship does
 * not parse, link chains, headers too large to buffer). Where it matters, the test shows that
 * GNU tar really sees what the check must catch.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactProblem } from '../../../src/release/artifact.js';
import { openSource } from '../../../src/release/source.js';
import type { Stage } from '../../../src/config/types.js';
import type { Output } from '../../../src/output/output.js';

interface Header {
  name: string;
  type?: string;
  size?: number;
  link?: string;
  /** Added to the correct checksum: anything but 0 makes the header bad. */
  checksumOff?: number;
}

/** One ustar header block, checksum computed as tar does. */
function header(h: Header): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name, 0, 'utf8');
  b.write('0000644\0', 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  b.write(`${(h.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('00000000000\0', 136, 'latin1');
  b.write(h.type ?? '0', 156, 'latin1');
  if (h.link) b.write(h.link, 157, 'utf8');
  b.write('ustar\x0000', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${(sum + (h.checksumOff ?? 0)).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** Data padded to whole blocks. */
function data(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

/** A pax extended header (`x`, or `g` for global) with its records. */
function pax(records: Record<string, string>, type = 'x'): Buffer {
  const body = Buffer.concat(
    Object.entries(records).map(([k, v]) => {
      const rest = ` ${k}=${v}\n`;
      let n = rest.length + 1;
      while (`${n}${rest}`.length !== n) n++;
      return Buffer.from(`${n}${rest}`);
    }),
  );
  return Buffer.concat([header({ name: 'PaxHeaders/x', type, size: body.length }), data(body)]);
}

const end = Buffer.alloc(1024);
/** What ship keeps in memory of one pax or long-name record (src/release/artifact.ts META_LIMIT). */
const META_LIMIT = 1 << 20;
let dir: string;
let count = 0;

async function write(...parts: Buffer[]): Promise<string> {
  const file = join(dir, `t${count++}.tar`);
  await writeFile(file, Buffer.concat([...parts, end]));
  return file;
}

async function tarList(file: string): Promise<string[]> {
  const r = await execa('tar', ['-tf', file], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}

/** A symlink header `evil -> /etc/passwd`: what every hiding trick below tries to slip through. */
const evil = header({ name: 'evil', type: '2', link: '/etc/passwd' });
const file = (name: string, text: string) => Buffer.concat([header({ name, size: text.length }), data(Buffer.from(text))]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ship-artifact-hostile-'));
});

describe('artifactProblem on hostile tarballs', () => {
  it('honours a pax size: a member hidden in what the ustar size calls data is still checked', async () => {
    // ustar says 1024 bytes of data, pax says 0: tar reads the next header right away.
    const t = await write(pax({ size: '0' }), header({ name: 'a', size: 1024 }), evil, Buffer.alloc(512), file('b', 'x'));
    expect(await tarList(t)).toContain('evil');
    expect(await artifactProblem(t)).toMatch(/member "evil" is a symbolic link to an absolute path \(\/etc\/passwd\)/);
  });

  it('honours global pax records (path), as tar does for every member after them', async () => {
    const t = await write(pax({ path: '../escape' }, 'g'), file('innocent', 'x'));
    expect(await artifactProblem(t)).toMatch(/member "\.\.\/escape" has "\.\." in its path/);
  });

  it('honours a pax linkpath over the ustar one', async () => {
    const t = await write(pax({ linkpath: '/etc/shadow' }), header({ name: 'l', type: '2', link: 'fine' }));
    expect(await tarList(t)).toContain('l');
    expect(await artifactProblem(t)).toMatch(/member "l" is a symbolic link to an absolute path \(\/etc\/shadow\)/);
  });

  it('refuses a header whose checksum is wrong (tar skips it and reads on from the next block)', async () => {
    const t = await write(header({ name: 'a', size: 1024, checksumOff: 1 }), evil, Buffer.alloc(512), file('b', 'x'));
    expect(await tarList(t)).toContain('evil');
    const problem = await artifactProblem(t);
    expect(problem).toMatch(/the header at byte 0 has a bad checksum/);
    expect(problem).toMatch(/build the tarball again/);
  });

  it('refuses a type ship does not parse, naming the member and what to do', async () => {
    const t = await write(file('ok', 'x'), header({ name: 'label', type: 'V' }));
    expect(await artifactProblem(t)).toBe('member "label" is a volume label; a release holds regular files, directories and links only');
    const odd = await write(header({ name: 'q', type: 'Q' }));
    expect(await artifactProblem(odd)).toMatch(/^member "q" is of tar type "Q", which ship does not read; .*build the tarball again/);
    const sparse = await write(pax({ 'GNU.sparse.name': 'x', 'GNU.sparse.major': '1' }), file('GNUSparseFile.0/x', 'x'));
    expect(await artifactProblem(sparse)).toMatch(/holds "GNU\.sparse\.name", which ship does not read/);
  });

  it('refuses a link that claims data (tar and ship would disagree on where the next header is)', async () => {
    const t = await write(header({ name: 'l', type: '2', link: 'x', size: 512 }), evil);
    expect(await artifactProblem(t)).toMatch(/member "l" is a directory or link that claims 512 bytes of data/);
  });

  it('refuses a pax or long-name record larger than it keeps in memory, before reading it', async () => {
    const big = header({ name: 'PaxHeaders/x', type: 'x', size: META_LIMIT + 1 });
    const t = await write(big, data(Buffer.alloc(META_LIMIT + 1, 0x41)), file('a', 'x'));
    expect(await artifactProblem(t)).toMatch(/the header at byte 0 is a pax record of 1048577 bytes; ship reads those up to 1048576 bytes/);
    const long = header({ name: '././@LongLink', type: 'L', size: META_LIMIT + 1 });
    const l = await write(long, data(Buffer.alloc(META_LIMIT + 1, 0x41)), file('a', 'x'));
    expect(await artifactProblem(l)).toMatch(/is a GNU long-name record of 1048577 bytes/);
  });

  it('still accepts a plain tarball built this way', async () => {
    expect(
      await artifactProblem(
        await write(file('a', 'x'), header({ name: 'd/', type: '5' }), header({ name: 'd/l', type: '2', link: '../a' })),
      ),
    ).toBeUndefined();
  });
});

describe('--artifact after extraction', () => {
  const stage = () => ({ name: 'prod', app: 't', configDir: dir, build: undefined }) as unknown as Stage;
  const output = { step: () => {} } as unknown as Output;
  /** Build the tarball as `ship deploy --artifact` does, look at what it extracted, then dispose. */
  async function build(t: string, look: (dir: string) => Promise<void> = async () => {}): Promise<void> {
    const source = await openSource(stage(), { artifact: t });
    try {
      await look((await source.build(output, new AbortController().signal)).build!.dir);
    } finally {
      await source.dispose();
    }
  }

  /** d/b -> .. (d's parent: the release root), then a -> `a`, and index.html holding "hello". */
  const chain = (a: string) =>
    write(
      header({ name: 'd/', type: '5' }),
      header({ name: 'd/b', type: '2', link: '..' }),
      header({ name: 'a', type: '2', link: a }),
      file('index.html', 'hello'),
    );

  it('refuses a chain of links that each look inside the release but together lead out', async () => {
    // a -> d/b/.. is the release root's parent.
    const t = await chain('d/b/..');
    expect(await artifactProblem(t)).toBeUndefined(); // each link alone stays inside
    await expect(build(t)).rejects.toThrow(
      /refused after extraction: member "a" is a symbolic link to d\/b\/\.\., which leads out of the release/,
    );
  });

  it('deploys a tarball whose links resolve inside, through other links', async () => {
    await build(await chain('d/b/index.html'), async (content) => expect(await readFile(join(content, 'a'), 'utf8')).toBe('hello'));
  });
});
