/**
 * Where a release's content comes from, the one seam the runner calls: the working tree as it
 * is (build.run in the project), a git ref built in a temporary worktree (`--ref`), or a tarball
 * built elsewhere (`--artifact`). Whichever it is, `build()` returns the stage with `build.dir`
 * pointing at the release content, which is then packed and uploaded exactly as always, and
 * `dispose()` removes every temporary file, after a failure or Ctrl-C too.
 *
 * Temporary directories come from local/temp-dir.ts, which removes those of a ship that was
 * killed with -9; `git worktree prune` then forgets their worktrees.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { displayPath } from '../output/display-path.js';
import type { Stage } from '../config/types.js';
import { ConfigError, ShipError } from '../errors.js';
import type { Output } from '../output/output.js';
import { formatBytes } from '../output/units.js';
import { makeTempDir } from '../local/temp-dir.js';
import { artifactProblem } from './artifact.js';
import { extractedProblem } from './extracted-tree.js';
import { describeRelease, localIdentity, runBuild, type ReleaseInfo } from './build.js';

/**
 * What the run deploys: the working tree (nothing), `--ref`, `--artifact`, or a release already
 * on the hosts (`ship rollback`: `existing` is the id named, '' for the previous good one).
 */
export type SourceOption = { ref: string } | { artifact: string } | { existing: string } | undefined;

export interface ReleaseSource {
  /** Who deploys what: for --ref the ref's commit, for --artifact no commit. */
  readonly release: ReleaseInfo;
  /** Produce the release content; the stage returned has `build.dir` pointing at it. */
  build(output: Output, signal: AbortSignal): Promise<Stage>;
  /** Remove what build() made. Safe to call at any time, any number of times. */
  dispose(): Promise<void>;
}

/** How many dirty files a refusal names; the rest are counted. */
const DIRTY_SHOWN = 5;

/**
 * Resolve the source early (an unknown ref is refused before any host is touched); the build
 * itself waits for build().
 */
export async function openSource(stage: Stage, option: SourceOption): Promise<ReleaseSource> {
  if (option && 'ref' in option) return refSource(stage, option.ref);
  if (option && 'artifact' in option) return artifactSource(stage, option.artifact);
  if (option && 'existing' in option) return existingSource(option.existing);
  const release = await describeRelease(stage);
  return {
    release,
    async build(output, signal) {
      if (stage.requireClean) await refuseDirty(stage);
      output.step('local', `build: ${stage.build?.run.join(' ') ?? '(none)'}`);
      await runBuild(stage, output, signal);
      return stage;
    },
    dispose: async () => {},
  };
}

/**
 * A run that builds nothing: its release is one the hosts have. No git is asked and no new id is
 * made; `release.id` is the release named ('' when the recipe picks it, as rollback does).
 */
function existingSource(id: string): ReleaseSource {
  return {
    release: { id, ...localIdentity() },
    build: async () => {
      throw new ConfigError(
        'this run deploys a release the hosts already have, so its recipe cannot build one (local.buildRelease())',
        'build and upload a new release with ship deploy <stage>',
      );
    },
    dispose: async () => {},
  };
}

async function git(args: string[], cwd: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const result = await execa('git', args, { cwd, reject: false, stdin: 'ignore' });
  // Only the end is trimmed: `git status --porcelain` lines start with a status column that may be a space.
  return { ok: result.exitCode === 0, stdout: result.stdout.trimEnd(), stderr: result.stderr.trim() };
}

/** requireClean: a deploy of the working tree must be a deploy of a commit. */
async function refuseDirty(stage: Stage): Promise<void> {
  const status = await git(['status', '--porcelain', '--untracked-files=all'], stage.configDir);
  const where = `${displayPath(stage.configFile)} sets requireClean`;
  if (!status.ok)
    throw new ConfigError(
      `${where}, but ${stage.configDir} is not a git checkout (${status.stderr.split('\n')[0]})`,
      'deploy from a git checkout, or with --artifact',
    );
  const dirty = status.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3));
  if (dirty.length === 0) return;
  const named = dirty.slice(0, DIRTY_SHOWN).join(', ') + (dirty.length > DIRTY_SHOWN ? ` and ${dirty.length - DIRTY_SHOWN} more` : '');
  throw new ConfigError(
    `the working tree has uncommitted changes and ${where}: ${named}`,
    'commit or stash them, or deploy a commit: ship deploy <stage> --ref HEAD',
  );
}

async function refSource(stage: Stage, ref: string): Promise<ReleaseSource> {
  // A ref that starts with "-" would reach git as an option.
  if (ref === '' || ref.startsWith('-'))
    throw new ConfigError(`--ref ${JSON.stringify(ref)}: not a git ref`, 'name a commit, branch or tag, such as --ref v1.2.0');
  const top = await git(['rev-parse', '--show-toplevel'], stage.configDir);
  if (!top.ok)
    throw new ConfigError(
      `--ref ${ref}: ${stage.configDir} is not a git checkout`,
      'run ship from a git checkout, or deploy a tarball with --artifact',
    );
  const commit = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], stage.configDir);
  if (!commit.ok)
    throw new ConfigError(
      `--ref ${ref}: not a commit in ${top.stdout}`,
      'list them with git log --oneline, git tag or git branch -a (git fetch first for a remote one)',
    );
  const sha = commit.stdout.trim();
  const release = { ...(await describeRelease(stage)), commit: sha.slice(0, 12) };
  let work: string | undefined;
  let tree: string | undefined;
  return {
    release,
    async build(output, signal) {
      const build = requireBuild(stage);
      // hosts.ts may live in a subdirectory of the repository; the build runs in the same place of
      // the worktree. git names the top with links resolved, so the project's path is resolved too.
      const project = relative(top.stdout, await realpath(stage.configDir));
      const output_ = relative(stage.configDir, build.dir);
      if (output_.startsWith('..') || isAbsolute(output_)) {
        throw new ConfigError(
          `--ref: build.dir ${build.dir} is outside the repository ${top.stdout}, so a checkout cannot hold it`,
          `point build.dir at a directory inside the repository in ${displayPath(stage.configFile)}`,
        );
      }
      await git(['worktree', 'prune'], top.stdout);
      work = await makeTempDir('ref');
      tree = join(work, 'tree');
      output.step('local', `checkout ${ref} (${sha.slice(0, 12)}) into a temporary worktree`);
      // Without the repository's hooks: a post-checkout hook has no business in a deploy.
      const added = await git(['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--detach', '--quiet', tree, sha], top.stdout);
      if (!added.ok) throw new ShipError(`--ref ${ref}: git worktree add failed: ${added.stderr.split('\n').at(-1)}`);
      signal.throwIfAborted();
      const dir = join(tree, project);
      const built: Stage = { ...stage, configDir: dir, build: { ...build, dir: join(dir, output_) } };
      output.step('local', `build: ${build.run.join(' ')} (in the checkout of ${ref})`);
      await runBuild(built, output, signal);
      return built;
    },
    async dispose() {
      if (tree) await git(['worktree', 'remove', '--force', tree], top.stdout);
      if (work) await rm(work, { recursive: true, force: true });
      if (tree) await git(['worktree', 'prune'], top.stdout);
      tree = work = undefined;
    },
  };
}

async function artifactSource(stage: Stage, file: string): Promise<ReleaseSource> {
  const path = resolve(file);
  const shown = displayPath(path);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile())
    throw new ConfigError(
      `--artifact ${shown}: ${info ? 'not a file' : 'no such file'}`,
      'give the path of a .tar.gz whose contents are the release, such as: tar -czf release.tar.gz -C dist .',
    );
  const { commit: _local, ...release } = await describeRelease(stage);
  let work: string | undefined;
  return {
    release,
    async build(output, signal) {
      const problem = await artifactProblem(path);
      if (problem)
        throw new ConfigError(
          `--artifact ${shown}: refused: ${problem}`,
          'build it with the release content at its root: tar -czf release.tar.gz -C dist .',
        );
      const hash = createHash('sha256');
      await pipeline(createReadStream(path), hash);
      output.step('local', `artifact ${basename(path)}: ${formatBytes(info.size)}, sha256 ${hash.digest('hex')} (no build)`);
      work = await makeTempDir('artifact');
      const dir = join(work, 'content');
      await mkdir(dir);
      // Checked above; these options refuse the rest (owners and modes from another machine).
      await execa('tar', ['-xf', path, '-C', dir, '--no-same-owner', '--no-same-permissions', '--no-overwrite-dir'], {
        cancelSignal: signal,
        stdin: 'ignore',
      });
      // The headers were read above; what tar made of them is checked too, links by where they really lead.
      const extracted = await extractedProblem(dir);
      if (extracted)
        throw new ConfigError(
          `--artifact ${shown}: refused after extraction: ${extracted}`,
          'build it with the release content at its root and links that stay inside it: tar -czf release.tar.gz -C dist .',
        );
      return { ...stage, build: { run: [], env: {}, ...stage.build, dir } };
    },
    async dispose() {
      if (work) await rm(work, { recursive: true, force: true });
      work = undefined;
    },
  };
}

function requireBuild(stage: Stage): NonNullable<Stage['build']> {
  if (stage.build) return stage.build;
  throw new ConfigError(
    `stage "${stage.name}" has no build in ${displayPath(stage.configFile)}`,
    'add build: { run: [...], dir: "dist" } to hosts.ts, or deploy a tarball with --artifact',
  );
}
