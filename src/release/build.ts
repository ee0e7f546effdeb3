/**
 * The local half of a deploy before anything is sent: who and what this release is, and the
 * build. The release itself is streamed from build.dir (src/release/): there is no tarball
 * on disk, so a killed ship leaves nothing behind here.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { userInfo, hostname } from 'node:os';
import { execa } from 'execa';
import type { Stage } from '../config/types.js';
import { ConfigError, ShipError } from '../errors.js';
import { lineSplitter, type Output } from '../output/output.js';

export interface ReleaseInfo {
  /** Sorts by time and is unique: 20261127T093512Z-3f9a1c. */
  id: string;
  /** Who deployed, from where, and the git commit if the project is a git checkout. */
  user: string;
  origin: string;
  commit?: string;
}

/** A new id of the shape isReleaseId (remote/release-names.ts) accepts. */
export function newReleaseId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function describeRelease(stage: Stage, id = newReleaseId()): Promise<ReleaseInfo> {
  const git = await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: stage.configDir, reject: false });
  const dirty = git.exitCode === 0 ? await execa('git', ['status', '--porcelain'], { cwd: stage.configDir, reject: false }) : undefined;
  const commit = git.exitCode === 0 ? `${git.stdout.trim()}${dirty?.stdout.trim() ? '+dirty' : ''}` : undefined;
  return { id, ...localIdentity(), ...(commit ? { commit } : {}) };
}

/** Who runs ship, from where: recorded in locks and the release log. */
export function localIdentity(): { user: string; origin: string } {
  return { user: userInfo().username, origin: hostname() };
}

/** Run `build.run` in the project directory, streaming its output as `local | ...` lines. */
export async function runBuild(stage: Stage, output: Output, signal?: AbortSignal): Promise<void> {
  const build = stage.build;
  if (!build)
    throw new ConfigError(
      `stage "${stage.name}" has no build in ${stage.configFile}`,
      'add build: { run: [...], dir: "dist" } to hosts.ts',
    );
  const out = lineSplitter((line) => output.hostLine('local', 'stdout', line));
  const err = lineSplitter((line) => output.hostLine('local', 'stderr', line));
  const [program, ...args] = build.run;
  const child = execa(program!, args, { cwd: stage.configDir, env: build.env, reject: false, cancelSignal: signal, stdin: 'ignore' });
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => err.push(d.toString()));
  const result = await child;
  out.flush();
  err.flush();
  // Ctrl-C in a terminal (or SIGTERM to the process group) reaches the build too, and may end it
  // before ship's own handler has run: a build killed that way was interrupted, not broken.
  if (result.isCanceled || result.signal === 'SIGINT' || result.signal === 'SIGTERM')
    throw new ShipError(`build interrupted${result.signal ? ` by ${result.signal}` : ''}`, { exitCode: 130 });
  if (result.exitCode !== 0) {
    const why = result.failed && result.exitCode === undefined ? result.shortMessage : `exit ${result.exitCode}`;
    throw new ShipError(`build failed (${why}): ${build.run.join(' ')}`, { hint: `run it yourself in ${stage.configDir} to see why` });
  }
}

/** build.dir, checked to exist and hold something once the build ran. */
export async function buildDir(stage: Stage): Promise<string> {
  const dir = stage.build!.dir;
  const entries = await readdir(dir).catch(() => undefined);
  if (entries === undefined)
    throw new ShipError(`build directory ${dir} does not exist after the build`, { hint: `check build.dir in ${stage.configFile}` });
  if (entries.length === 0)
    throw new ShipError(`build directory ${dir} is empty: nothing to deploy`, {
      hint: `check build.run and build.dir in ${stage.configFile}`,
    });
  return dir;
}
