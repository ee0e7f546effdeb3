/**
 * The upload's two remote halves (receive, verifyAndExtract) run for real in a local sh, as the
 * user these tests run as (root on the test machine, like a root SSH login), in a deploy path
 * that belongs to another user: the service user, who may swap any entry of it for a symlink.
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../../src/commands/command.js';
import { paths, release } from '../../../src/commands/release.js';
import { renderCommand } from '../../../src/commands/render.js';

const ID = '20260101T000000Z-abc123';
const SERVICE_UID = 65534;
const work = mkdtempSync(join(tmpdir(), 'ship-upload-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let root: string;
let victim: string;
let tarball: Buffer;
let sha256: string;

/** A build directory with modes no release should keep, packed like packRelease does. */
async function buildTarball(): Promise<Buffer> {
  const dir = mkdtempSync(join(work, 'build-'));
  const file = (name: string, mode: number) => {
    writeFileSync(join(dir, name), `${name}\n`);
    chmodSync(join(dir, name), mode);
  };
  file('server.js', 0o644);
  file('suid', 0o4755);
  file('sgid', 0o2755);
  file('everyone-writes', 0o666);
  file('group-writes', 0o664);
  mkdirSync(join(dir, 'open'));
  writeFileSync(join(dir, 'open', 'inside'), 'x');
  chmodSync(join(dir, 'open'), 0o2777);
  symlinkSync('server.js', join(dir, 'link'));
  chmodSync(dir, 0o700);
  const out = join(work, `release-${Math.random().toString(36).slice(2)}.tar.gz`);
  await execa('tar', ['-czf', out, '-C', dir, '.']);
  return readFileSync(out);
}

async function run(command: Command, stdin?: Buffer) {
  return execa('sh', ['-c', renderCommand(command)], { reject: false, ...(stdin ? { input: stdin } : {}) });
}

const layout = () => ({ root });
const mode = (path: string) => (lstatSync(path).mode & 0o7777).toString(8);

beforeEach(async () => {
  tarball ??= await buildTarball();
  sha256 = createHash('sha256').update(tarball).digest('hex');
  root = mkdtempSync(join(work, 'srv-'));
  for (const dir of ['', 'releases', 'shared', '.ship']) {
    mkdirSync(join(root, dir), { recursive: true });
    chownSync(join(root, dir), SERVICE_UID, SERVICE_UID);
  }
  // A file and a directory only root may change: what a swapped path would point root at.
  victim = mkdtempSync(join(work, 'victim-'));
  writeFileSync(join(victim, 'passwd'), 'root:x:0:0\n');
});

function victimUntouched(): void {
  expect(readdirSync(victim)).toEqual(['passwd']);
  expect(readFileSync(join(victim, 'passwd'), 'utf8')).toBe('root:x:0:0\n');
}

describe('receive and verifyAndExtract', () => {
  it('extract the release with no setuid/setgid bits and no group or world write, readable by the service', async () => {
    expect((await run(release.receive(layout(), ID), tarball)).exitCode).toBe(0);
    const r = await run(release.verifyAndExtract(layout(), ID, sha256));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const rel = paths.release(layout(), ID);
    expect(readdirSync(join(root, 'releases'))).toEqual([ID]);
    expect(mode(rel)).toBe('755');
    expect(Object.fromEntries(['server.js', 'suid', 'sgid', 'everyone-writes', 'group-writes', 'open', 'open/inside'].map((n) => [n, mode(join(rel, n))]))).toEqual({
      'server.js': '644', suid: '755', sgid: '755', 'everyone-writes': '644', 'group-writes': '644', open: '755', 'open/inside': '644',
    });
    expect(lstatSync(join(rel, 'link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(rel, 'suid'), 'utf8')).toBe('suid\n');
  });

  it('refuse a tampered upload: "checksum mismatch", nothing renamed into place, nothing left behind', async () => {
    expect((await run(release.receive(layout(), ID), tarball)).exitCode).toBe(0);
    const r = await run(release.verifyAndExtract(layout(), ID, 'f'.repeat(64)));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe(`checksum mismatch: expected ${'f'.repeat(64)}, got ${sha256}`);
    expect(readdirSync(join(root, 'releases'))).toEqual([]);
    expect(readdirSync(join(root, '.ship'))).toEqual([]);
  });

  it('never write through a symlink the service user planted where the upload or the release goes', async () => {
    // Every path the upload has ever used, pointed at root's files.
    symlinkSync(join(victim, 'passwd'), join(root, '.ship', `upload-${ID}.tar.gz`));
    symlinkSync(victim, join(root, 'releases', `.partial-${ID}`));
    // The links are the service user's, as if they had made them.
    for (const link of [join(root, '.ship', `upload-${ID}.tar.gz`), join(root, 'releases', `.partial-${ID}`)]) lchownSync(link, SERVICE_UID, SERVICE_UID);
    await run(release.receive(layout(), ID), tarball);
    await run(release.verifyAndExtract(layout(), ID, sha256));
    victimUntouched();
    // Whatever else happened, a release that landed is the one that was built.
    if (existsSync(paths.release(layout(), ID))) expect(readFileSync(join(paths.release(layout(), ID), 'server.js'), 'utf8')).toBe('server.js\n');
  });

  it('refuse a releases/ that the service user replaced with a symlink, writing nothing where it points', async () => {
    rmSync(join(root, 'releases'), { recursive: true });
    symlinkSync(victim, join(root, 'releases'));
    const r = await run(release.receive(layout(), ID), tarball);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('not a directory of its own');
    victimUntouched();
  });

  it('refuse to extract when the upload directory was swapped between the halves, for one the service user made', async () => {
    expect((await run(release.receive(layout(), ID), tarball)).exitCode).toBe(0);
    const partial = paths.partial(layout(), ID);
    // The service user moves ship's directory away and puts its own in its place: same name,
    // a tarball with the right bytes, and a chance to change them between hash and extract.
    renameSync(partial, `${partial}.moved`);
    mkdirSync(partial, { mode: 0o700 });
    writeFileSync(join(partial, 'release.tar.gz'), tarball);
    chownSync(partial, SERVICE_UID, SERVICE_UID);
    chownSync(join(partial, 'release.tar.gz'), SERVICE_UID, SERVICE_UID);
    const r = await run(release.verifyAndExtract(layout(), ID, sha256));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('not ours');
    expect(existsSync(paths.release(layout(), ID))).toBe(false);

    // A symlink to a private directory of root's, holding a tarball: refused just the same.
    rmSync(partial, { recursive: true });
    mkdirSync(join(victim, 'private'), { mode: 0o700 });
    writeFileSync(join(victim, 'private', 'release.tar.gz'), tarball);
    symlinkSync(join(victim, 'private'), partial);
    const s = await run(release.verifyAndExtract(layout(), ID, sha256));
    expect(s.exitCode).toBe(3);
    expect(readdirSync(join(victim, 'private'))).toEqual(['release.tar.gz']);
    expect(statSync(join(victim, 'private')).mode & 0o777).toBe(0o700);
  });
});
