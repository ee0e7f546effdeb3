/**
 * The whole upload (facts, stage, stream, check, repair, finalize) with the host side run for
 * real in a local sh, as the user these tests run as (root on the test machine, like a root SSH
 * login), into deploy paths that belong to another user: the service user, who may swap any
 * entry of them for a symlink. Only the SSH connection is left out; the e2e suite has it.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Gathering } from '../../../src/session/gathering.js';
import { parseManifest } from '../../../src/release/manifest.js';
import { scanBuild } from '../../../src/release/scan.js';
import { ReleaseUpload, type UploadTarget } from '../../../src/release/upload.js';
import { LocalShell } from '../support/local-shell.js';

const SERVICE_UID = 65534;
const work = mkdtempSync(join(tmpdir(), 'ship-upload-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
process.env.XDG_CACHE_HOME = join(work, 'cache');

let build: string;
let n = 0;
const newId = () => `20260101T0000${String(n++).padStart(2, '0')}Z-abc123`;

function deployPath(): string {
  const root = mkdtempSync(join(work, 'srv-'));
  for (const dir of ['', 'releases', 'shared', '.ship']) {
    mkdirSync(join(root, dir), { recursive: true });
    chownSync(join(root, dir), SERVICE_UID, SERVICE_UID);
  }
  return root;
}

function target(root: string, name = 'h1'): UploadTarget & { lines: string[]; reports: string[] } {
  const shell = new LocalShell(name);
  const lines: string[] = [];
  const reports: string[] = [];
  // Each receive's report as it came, to see what the host read.
  const run: UploadTarget['run'] = (c, o) => {
    if (!o?.onStdout || !c.argv.includes('receive-release.sh')) return shell.run(c, o);
    const at = reports.push('') - 1;
    const onStdout = o.onStdout;
    const tee = (t: string): void => {
      reports[at] += t;
      onStdout(t);
    };
    return shell.run(c, { ...o, onStdout: tee });
  };
  return { name, layout: { root }, run, progress: (t) => void lines.push(t), lines, reports, stallTimeout: 60 };
}

function writeBuild(files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(build, path, '..'), { recursive: true });
    writeFileSync(join(build, path), content);
  }
}

async function release(id = newId()): Promise<ReleaseUpload> {
  const upload = new ReleaseUpload(id, undefined);
  upload.setScan(await scanBuild(build, { hashNow: true }));
  return upload;
}

/** Put releases/<id> live, as switchCurrent would. */
function makeCurrent(root: string, id: string): void {
  rmSync(join(root, 'current'), { force: true });
  symlinkSync(`releases/${id}`, join(root, 'current'));
}

const mode = (path: string) => (lstatSync(path).mode & 0o7777).toString(8);

/** The paths the host hashed in its last receive report (`sha256sum -z` lines after `hashes`). */
function hashedBy(host: { reports: string[] }): string[] {
  const report = host.reports.at(-1) ?? '';
  const tokens = report.slice(report.lastIndexOf('\0hashes\0') + '\0hashes\0'.length).split('\0');
  return tokens
    .filter((t) => /^[0-9a-f]{64} {2}/.test(t))
    .map((t) => t.slice(66))
    .sort();
}

beforeEach(() => {
  build = mkdtempSync(join(work, 'build-'));
  writeBuild({ 'server.js': 'console.log(1)\n', 'lib/a.js': 'a\n', 'big.bin': Buffer.alloc(300_000, 3), VERSION: '1\n' });
  symlinkSync('server.js', join(build, 'main.js'));
});

describe('a first upload', () => {
  it('puts exactly the build in releases/<id>, modes normalised, its manifest beside it, nothing left over', async () => {
    writeBuild({ suid: '#!/bin/sh\n', 'open/inside': 'x' });
    chmodSync(join(build, 'suid'), 0o4777);
    chmodSync(join(build, 'open'), 0o2777);
    const root = deployPath();
    const r = await release();
    await r.upload(target(root), undefined);
    const rel = join(root, 'releases', r.id);
    expect(readFileSync(join(rel, 'lib/a.js'), 'utf8')).toBe('a\n');
    expect(readFileSync(join(rel, 'big.bin')).equals(Buffer.alloc(300_000, 3))).toBe(true);
    expect(readlinkSync(join(rel, 'main.js'))).toBe('server.js');
    // Files read-only (they are hard links shared with later releases), directories not.
    expect(mode(join(rel, 'suid'))).toBe('555');
    expect(mode(join(rel, 'lib/a.js'))).toBe('444');
    expect(mode(join(rel, 'open'))).toBe('755');
    expect(mode(rel)).toBe('755');
    expect(parseManifest(readFileSync(join(root, 'releases', `.manifest-${r.id}`), 'utf8'))!.entries).toEqual(r.manifest.entries);
    expect(readdirSync(join(root, 'releases')).sort()).toEqual([`.checked-${r.id}`, `.manifest-${r.id}`, r.id].sort());
  });

  it('sends one stream to several hosts that need the same, and each gets the release', async () => {
    // More than every buffer on the way holds, and incompressible: a host left without a reader stalls all.
    writeBuild({ 'random.bin': randomBytes(6 * 1024 * 1024) });
    const roots = [deployPath(), deployPath(), deployPath()];
    const r = await release();
    const gathering = new Gathering(['h1', 'h2', 'h3']);
    await Promise.all(roots.map((root, i) => r.upload(target(root, `h${i + 1}`), gathering)));
    for (const root of roots) expect(readFileSync(join(root, 'releases', r.id, 'VERSION'), 'utf8')).toBe('1\n');
    expect(r.streams).toBe(1);
  });

  it('a recipe that uploads in two steps (web hosts, then workers): each step gets a stream of its own', async () => {
    const roots = [deployPath(), deployPath(), deployPath(), deployPath()];
    const r = await release();
    const web = new Gathering(['web1', 'web2']);
    await Promise.all([0, 1].map((i) => r.upload(target(roots[i]!, `web${i + 1}`), web)));
    const workers = new Gathering(['work1', 'work2']);
    await Promise.all([2, 3].map((i) => r.upload(target(roots[i]!, `work${i - 1}`), workers)));
    for (const root of roots) expect(readFileSync(join(root, 'releases', r.id, 'VERSION'), 'utf8')).toBe('1\n');
    expect(r.streams).toBe(2);
  });

  it('a host that stops reading the stream is dropped after ssh.stallTimeout; the others get the release', async () => {
    writeBuild({ 'random.bin': randomBytes(6 * 1024 * 1024) });
    const roots = [deployPath(), deployPath(), deployPath()];
    const r = await release();
    const gathering = new Gathering(['h1', 'h2', 'stuck']);
    const stuck = target(roots[2]!, 'stuck');
    stuck.stallTimeout = 1;
    const real = stuck.run;
    // Like a live sshd whose receiving process never reads: the command ends only when ship
    // stops its input (ssh-exec halts a command whose input failed).
    stuck.run = (c, o) =>
      o?.stdin instanceof Readable
        ? new Promise((_, reject) => (o.stdin as Readable).once('close', () => reject(new Error('input closed'))))
        : real(c, o);
    const results = await Promise.allSettled([
      r.upload(target(roots[0]!, 'h1'), gathering),
      r.upload(target(roots[1]!, 'h2'), gathering),
      r.upload(stuck, gathering),
    ]);
    expect(results.slice(0, 2).map((x) => x.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(results[2]!.status).toBe('rejected');
    const why = (results[2] as PromiseRejectedResult).reason as Error;
    expect(why.name).toBe('StallError');
    expect(why.message).toMatch(/^stuck: took none of the release stream for 1 s/);
    for (const root of roots.slice(0, 2)) expect(readFileSync(join(root, 'releases', r.id, 'random.bin')).length).toBe(6 * 1024 * 1024);
  });
});

describe('an incremental upload', () => {
  it('sends only what changed; the rest is linked from the previous release on the host, and not read again', async () => {
    const root = deployPath();
    const first = await release();
    await first.upload(target(root), undefined);
    makeCurrent(root, first.id);
    writeBuild({ VERSION: '2\n', 'lib/moved.js': 'a\n' });
    rmSync(join(build, 'lib/a.js'));
    const second = await release();
    const host = target(root);
    await second.upload(host, undefined);
    expect(host.lines[0]).toBe(`upload: 1 changed files, 3 kept from ${first.id}`);
    const rel = join(root, 'releases', second.id);
    expect(readFileSync(join(rel, 'VERSION'), 'utf8')).toBe('2\n');
    expect(readFileSync(join(rel, 'lib/moved.js'), 'utf8')).toBe('a\n');
    expect(existsSync(join(rel, 'lib/a.js'))).toBe(false);
    // A hard link, read-only: a write through one release would change both.
    expect(lstatSync(join(rel, 'big.bin')).ino).toBe(lstatSync(join(root, 'releases', first.id, 'big.bin')).ino);
    expect(lstatSync(join(rel, 'big.bin')).nlink).toBe(2);
    expect(mode(join(rel, 'big.bin'))).toBe('444');
    // Proven unchanged since the first release was checked (same inode, mtime, size), so not
    // hashed again: only the new file and the moved one were read.
    expect(hashedBy(host)).toEqual(['VERSION', 'lib/moved.js']);
  });

  it('a kept file written in place on the host since (mtime moved) is read again, found changed and sent', async () => {
    const root = deployPath();
    const first = await release();
    await first.upload(target(root), undefined);
    makeCurrent(root, first.id);
    const old = join(root, 'releases', first.id, 'big.bin');
    // As root or its owner would: make it writable, write, make it read-only again.
    chmodSync(old, 0o644);
    writeFileSync(old, Buffer.alloc(300_000, 4));
    chmodSync(old, 0o444);
    writeBuild({ VERSION: '2\n' });
    const second = await release();
    const host = target(root);
    await second.upload(host, undefined);
    expect(hashedBy(host)).toContain('big.bin');
    expect(host.lines.some((l) => /path\(s\) differ from the manifest \(big\.bin: changed \(content\)\)/.test(l))).toBe(true);
    const rel = join(root, 'releases', second.id);
    expect(readFileSync(join(rel, 'big.bin')).equals(Buffer.alloc(300_000, 3))).toBe(true);
    expect(lstatSync(join(rel, 'big.bin')).ino).not.toBe(lstatSync(old).ino);
  });

  it('a proof for a path ship did not ask to keep (a forged .checked line) is not trusted: that file is sent again', async () => {
    const root = deployPath();
    const first = await release();
    await first.upload(target(root), undefined);
    makeCurrent(root, first.id);
    // The next release moves lib/a.js's content to lib/moved.js: linked from lib/a.js, but not
    // kept at its path. A planted line claims lib/moved.js is proven (lib/a.js's inode and mtime).
    const rel1 = join(root, 'releases', first.id);
    execFileSync('sh', [
      '-c',
      'line=$(cd "$1" && find lib/a.js -printf "%i %T@ %s ") && { cat "$2"; printf "%slib/moved.js\\0" "$line"; } | LC_ALL=C sort -z > "$2.new" && mv "$2.new" "$2"',
      'sh',
      rel1,
      join(root, 'releases', `.checked-${first.id}`),
    ]);
    writeBuild({ 'lib/moved.js': 'a\n' });
    rmSync(join(build, 'lib/a.js'));
    const second = await release();
    const host = target(root);
    await second.upload(host, undefined);
    expect(host.reports[0]).toContain('\0proven\0');
    expect(host.lines.some((l) => /path\(s\) differ from the manifest \(lib\/moved\.js: changed \(content\)\)/.test(l))).toBe(true);
    expect(readFileSync(join(root, 'releases', second.id, 'lib/moved.js'), 'utf8')).toBe('a\n');
  });

  it('a previous release changed on the host (content, mode, a FIFO, a symlink to a secret) never reaches the new one', async () => {
    const root = deployPath();
    const first = await release();
    await first.upload(target(root), undefined);
    makeCurrent(root, first.id);
    const old = join(root, 'releases', first.id);
    writeFileSync(join(old, 'big.bin'), 'tampered');
    chmodSync(join(old, 'server.js'), 0o4777);
    rmSync(join(old, 'VERSION'));
    execFifo(join(old, 'VERSION'));
    rmSync(join(old, 'lib/a.js'));
    writeFileSync(join(work, 'secret'), 'root only\n');
    symlinkSync(join(work, 'secret'), join(old, 'lib/a.js'));
    const second = await release();
    const host = target(root);
    await second.upload(host, undefined);
    expect(host.lines.some((l) => /path\(s\) differ from the manifest/.test(l))).toBe(true);
    const rel = join(root, 'releases', second.id);
    expect(readFileSync(join(rel, 'big.bin')).equals(Buffer.alloc(300_000, 3))).toBe(true);
    expect(mode(join(rel, 'server.js'))).toBe('444');
    expect(readFileSync(join(rel, 'VERSION'), 'utf8')).toBe('1\n');
    expect(lstatSync(join(rel, 'lib/a.js')).isFile()).toBe(true);
    expect(readFileSync(join(rel, 'lib/a.js'), 'utf8')).toBe('a\n');
  });
});

describe('what the host had changes between the question and the upload', () => {
  it('another deploy undid its release meanwhile: the upload plans again and the release is whole', async () => {
    const root = deployPath();
    const first = await release();
    await first.upload(target(root), undefined);
    makeCurrent(root, first.id);
    const second = await release();
    const host = target(root);
    await second.factsOf(host); // asked while the build ran, before the lock was ours
    rmSync(join(root, 'current'));
    rmSync(join(root, 'releases', first.id), { recursive: true });
    await second.upload(host, undefined);
    expect(readFileSync(join(root, 'releases', second.id, 'lib/a.js'), 'utf8')).toBe('a\n');
    expect(host.lines.filter((l) => l.startsWith('upload'))[0]).toMatch(/kept from/);
    expect(host.lines).toContain('upload');
  });
});

describe('a service user acting against the upload', () => {
  it('releases/ swapped for a symlink: refused, nothing written where it points', async () => {
    const root = deployPath();
    const elsewhere = mkdtempSync(join(work, 'elsewhere-'));
    rmSync(join(root, 'releases'), { recursive: true });
    symlinkSync(elsewhere, join(root, 'releases'));
    const error = await (await release()).upload(target(root), undefined).catch((e: unknown) => e);
    expect(String(error)).toMatch(/refusing to use .*releases: not a directory of its own/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('the new release renamed away and replaced by a symlink before the rename: the link is never followed', async () => {
    const root = deployPath();
    const r = await release();
    const victim = mkdtempSync(join(work, 'victim-'));
    const host = target(root);
    // Between the stream and the check, the service user moves our directory and plants a link.
    const run = host.run;
    host.run = async (command, options) => {
      if (command.label === 'put the verified release in place') {
        renameSync(join(root, 'releases', `.partial-${r.id}`), join(root, 'releases', 'stolen'));
        symlinkSync(victim, join(root, 'releases', `.partial-${r.id}`));
      }
      return run(command, options);
    };
    const error = await r.upload(host, undefined).catch((e: unknown) => e);
    expect(String(error)).toMatch(/refusing to use/);
    expect(readdirSync(victim)).toEqual([]);
    expect(existsSync(join(root, 'releases', r.id))).toBe(false);
  });
});

describe('a previous release that is damaged or lies about itself', () => {
  /** A first release live on a new deploy path, and the path of that release. */
  async function live(): Promise<{ root: string; old: string; first: ReleaseUpload }> {
    const root = deployPath();
    const first = await release();
    await first.upload(target(root), undefined);
    makeCurrent(root, first.id);
    return { root, old: join(root, 'releases', first.id), first };
  }

  /** The new release holds exactly the build: same paths, types, modes, contents, targets. */
  async function expectExactly(root: string, r: ReleaseUpload): Promise<void> {
    const landed = await scanBuild(join(root, 'releases', r.id), { hashNow: true });
    expect(landed.manifest.entries).toEqual(r.manifest.entries);
  }

  it.each([
    ['a kept file removed', (old: string) => rmSync(join(old, 'lib/a.js'))],
    [
      'a kept file replaced by a directory',
      (old: string) => {
        rmSync(join(old, 'VERSION'));
        mkdirSync(join(old, 'VERSION/deep'), { recursive: true });
        writeFileSync(join(old, 'VERSION/deep/x'), 'x');
      },
    ],
    [
      'a directory replaced by a file',
      (old: string) => {
        rmSync(join(old, 'lib'), { recursive: true });
        writeFileSync(join(old, 'lib'), 'not a dir');
      },
    ],
    [
      'a directory replaced by a symlink to elsewhere',
      (old: string) => {
        const d = mkdtempSync(join(work, 'other-'));
        writeFileSync(join(d, 'a.js'), 'a\n');
        rmSync(join(old, 'lib'), { recursive: true });
        symlinkSync(d, join(old, 'lib'));
      },
    ],
    ['a file made unreadable', (old: string) => chmodSync(join(old, 'big.bin'), 0)],
    [
      'the link retargeted',
      (old: string) => {
        rmSync(join(old, 'main.js'));
        symlinkSync('/etc/passwd', join(old, 'main.js'));
      },
    ],
    ['the whole release removed (current points at nothing)', (old: string) => rmSync(old, { recursive: true })],
    [
      'the release replaced by a symlink to a copy elsewhere',
      (old: string) => {
        const d = mkdtempSync(join(work, 'copy-'));
        execFileSync('cp', ['-a', `${old}/.`, d]);
        rmSync(old, { recursive: true });
        symlinkSync(d, old);
      },
    ],
    ['its manifest removed', (old: string) => rmSync(join(old, '..', `.manifest-${old.split('/').pop()}`))],
    [
      'its manifest cut short',
      (old: string) => {
        const m = join(old, '..', `.manifest-${old.split('/').pop()}`);
        writeFileSync(m, readFileSync(m, 'utf8').slice(0, 100));
      },
    ],
  ])('%s: the deploy goes on and the new release is exactly the build', async (_what, damage) => {
    const { root, old } = await live();
    damage(old);
    writeBuild({ VERSION: '2\n' });
    const second = await release();
    await second.upload(target(root), undefined);
    await expectExactly(root, second);
    expect(readdirSync(join(root, 'releases')).filter((n) => n.startsWith('.partial'))).toEqual([]);
  });

  it('a rewritten manifest pairing a path with NUL never copies a file outside the release', async () => {
    const { root, first } = await live();
    const victim = mkdtempSync(join(work, 'victim-'));
    // Content only the planted entry claims to have: its "old path" is then paired for a copy.
    writeBuild({ 'new.txt': 'only in the new release\n' });
    const second = await release();
    const sha = second.manifest.entries.find((e) => e.path === 'new.txt')!.sha256!;
    const escape = `../../../../${victim.split('/').pop()}/pwned`;
    const manifest = join(root, 'releases', `.manifest-${first.id}`);
    const entries = JSON.parse(readFileSync(manifest, 'utf8')).entries as unknown[];
    entries.push({ path: `server.js\u0000${escape}`, type: 'file', mode: 0o644, size: 15, sha256: sha });
    writeFileSync(manifest, JSON.stringify({ version: 1, entries }));
    await second.upload(target(root), undefined);
    expect(readdirSync(victim)).toEqual([]);
    await expectExactly(root, second);
  });

  it('a manifest naming paths the release does not hold as files copies nothing from them', async () => {
    const { root, first, old } = await live();
    writeFileSync(join(work, 'outside'), 'outside\n');
    symlinkSync(work, join(old, 'up'));
    writeBuild({ 'up/outside': 'outside\n' });
    const second = await release();
    const manifest = join(root, 'releases', `.manifest-${first.id}`);
    const entries = JSON.parse(readFileSync(manifest, 'utf8')).entries as Array<{ path: string }>;
    // The same content "kept" at up/outside: a copy through the planted link would read outside the release.
    entries.push(second.manifest.entries.find((e) => e.path === 'up/outside')!);
    writeFileSync(manifest, JSON.stringify({ version: 1, entries: entries.sort((a, b) => (a.path < b.path ? -1 : 1)) }));
    const host = target(root);
    const run = host.run;
    const copied: string[] = [];
    host.run = async (command, options) => {
      if (command.label === 'prepare the new release') copied.push(String(options?.stdin ?? ''));
      return run(command, options);
    };
    await second.upload(host, undefined);
    await expectExactly(root, second);
    // It was asked for, and not copied through the link (the host's own listing decides): it was
    // missing after the stream, so sent again. A copy through the link would have matched at once.
    expect(copied.join('')).toContain('up/outside');
    expect(host.lines.some((l) => /^1 path\(s\) differ from the manifest \(up\/outside: missing\)/.test(l))).toBe(true);
  });
});

function execFifo(path: string): void {
  // mkfifo through the shell: node has no mkfifo.
  execFileSync('mkfifo', [path]);
}
