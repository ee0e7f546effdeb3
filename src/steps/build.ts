/**
 * The local half of a deploy: run the build, pack its output directory into one gzipped
 * tarball in a temporary file, and hash it. Nothing is held in memory whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo, hostname } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import type { Stage } from '../config/types.js';
import { ConfigError, ShipError } from '../errors.js';
import { lineSplitter, type Output } from '../output/output.js';
import { currentProcess, provablyGone } from '../run/process-identity.js';

export interface Tarball {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ReleaseInfo {
  /** Sorts by time and is unique: 20261127T093512Z-3f9a1c. */
  id: string;
  /** Who deployed, from where, and the git commit if the project is a git checkout. */
  user: string;
  origin: string;
  commit?: string;
}

export function newReleaseId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function describeRelease(stage: Stage, id = newReleaseId()): Promise<ReleaseInfo> {
  const git = await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: stage.configDir, reject: false });
  const dirty = git.exitCode === 0 ? await execa('git', ['status', '--porcelain'], { cwd: stage.configDir, reject: false }) : undefined;
  const commit = git.exitCode === 0 ? `${git.stdout.trim()}${dirty?.stdout.trim() ? '+dirty' : ''}` : undefined;
  return { id, user: userInfo().username, origin: hostname(), ...(commit ? { commit } : {}) };
}

/** Run `build.run` in the project directory, streaming its output as `local | ...` lines. */
export async function runBuild(stage: Stage, output: Output, signal?: AbortSignal): Promise<void> {
  const build = stage.build;
  if (!build) throw new ConfigError(`stage "${stage.name}" has no build in ${stage.configFile}`, 'add build: { run: [...], dir: "dist" } to hosts.ts');
  const out = lineSplitter((line) => output.hostLine('local', 'stdout', line));
  const err = lineSplitter((line) => output.hostLine('local', 'stderr', line));
  const [program, ...args] = build.run;
  const child = execa(program!, args, { cwd: stage.configDir, env: build.env, reject: false, cancelSignal: signal, stdin: 'ignore' });
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => err.push(d.toString()));
  const result = await child;
  out.flush();
  err.flush();
  if (result.isCanceled) throw new ShipError('build interrupted', { exitCode: 130 });
  if (result.exitCode !== 0) {
    const why = result.failed && result.exitCode === undefined ? result.shortMessage : `exit ${result.exitCode}`;
    throw new ShipError(`build failed (${why}): ${build.run.join(' ')}`, { hint: `run it yourself in ${stage.configDir} to see why` });
  }
}

/** Pack build.dir (its contents, not the directory itself) into a tarball and hash it. */
export async function packRelease(stage: Stage, signal?: AbortSignal): Promise<Tarball> {
  const dir = stage.build!.dir;
  const entries = await readdir(dir).catch(() => undefined);
  if (entries === undefined) throw new ShipError(`build directory ${dir} does not exist after the build`, { hint: `check build.dir in ${stage.configFile}` });
  if (entries.length === 0) throw new ShipError(`build directory ${dir} is empty: nothing to deploy`, { hint: `check build.run and build.dir in ${stage.configFile}` });
  await removeAbandonedTarballs();
  const work = await mkdtemp(join(tmpdir(), tarballDirPrefix()));
  const path = join(work, 'release.tar.gz');
  try {
    // -C dir . : paths in the tarball are relative, so it extracts into releases/<id> directly.
    await execa('tar', ['-czf', path, '-C', dir, '.'], { cancelSignal: signal, env: { GZIP: '-6' } });
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    return { path, sha256: hash.digest('hex'), bytes: (await stat(path)).size };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `ship-release-<machine>-<pid>-<start>-`: who makes the directory, in a form another ship can
 * check later (see run/process-identity.ts). TMPDIR may be shared with other machines, containers
 * and pid namespaces, where the same pid is someone else.
 */
function tarballDirPrefix(): string {
  const me = currentProcess();
  return `ship-release-${me.machine}-${me.pid}-${me.start}-`;
}

const TARBALL_DIR = /^ship-release-([0-9a-f]+)-(\d+)-(\d+)-/;

/**
 * A ship killed with -9 cannot remove its tarball; the next build removes those, among the
 * directories this user owns, whose ship provably no longer runs: made on this machine, in this
 * pid namespace, since this boot, by a process that is gone. Anything else stays, including
 * directories named the old way (pid only), which prove nothing.
 */
async function removeAbandonedTarballs(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of entries) {
    const match = TARBALL_DIR.exec(name);
    if (!match || !provablyGone({ machine: match[1], pid: Number(match[2]), start: match[3] })) continue;
    const dir = join(tmpdir(), name);
    const info = await stat(dir).catch(() => undefined);
    if (info?.isDirectory() && info.uid === process.getuid?.()) await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

export async function removeTarball(tarball: Tarball | undefined): Promise<void> {
  if (tarball) await rm(join(tarball.path, '..'), { recursive: true, force: true });
}
