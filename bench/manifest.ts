/**
 * Issue 19: the local side of a redeploy of an unchanged tree. What `local.buildRelease()` does
 * once the build has run (src/recipe/runner.ts): check build.dir (buildDir), walk it into a
 * manifest with the hash cache (scanBuild), the manifest's text (serializeManifest), and the
 * cache written back (saveCache, which writes nothing when nothing changed).
 *
 *   npm run build && npx jiti bench/manifest.ts [--files 15000] [--runs 10] [--fresh 5] [--json FILE]
 *
 * The tree is bench/tree.ts's (seed 1, 45 MB) in a temporary directory, with a hash cache of its
 * own (XDG_CACHE_HOME in the same directory). Once the tree is older than the cache's racy window
 * (RACY_NS, 2 s: files changed just before a scan are hashed again next time), one cold scan fills
 * the cache; then `--runs` warm
 * scans in this process (the median is printed), and `--fresh` times the same in a new Node
 * process each, as `ship deploy` pays it: the figure is from the modules loaded to the manifest
 * ready, and the whole process (start-up and imports included) is printed beside it. Every warm
 * manifest must be byte for byte the cold one, with every file's hash from the cache. No lab, no
 * root, no network.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import { execa } from 'execa';
import type { Stage } from '../dist/config/types.js';
import { buildDir } from '../dist/release/build.js';
import { RACY_NS } from '../dist/release/hash-cache.js';
import { serializeManifest } from '../dist/release/manifest.js';
import { scanBuild } from '../dist/release/scan.js';
import { fixed, log, median, options, REPO, writeResult } from './lib.js';
import { makeTree } from './tree.js';

const opt = options({ files: 15_000, runs: 10, fresh: 5 });

/** The measured path, as source for a fresh process too: it prints {ms, manifest sha256}. */
const CHILD = `
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
const { buildDir } = await import(${JSON.stringify(join(REPO, 'dist/release/build.js'))});
const { serializeManifest } = await import(${JSON.stringify(join(REPO, 'dist/release/manifest.js'))});
const { scanBuild } = await import(${JSON.stringify(join(REPO, 'dist/release/scan.js'))});
const started = performance.now();
const scan = await scanBuild(await buildDir({ build: { dir: process.argv[1] } }), { hashNow: true });
const text = serializeManifest(scan.manifest);
await scan.saveCache();
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, cached: scan.cached, sha256: createHash('sha256').update(text).digest('hex') }));
`;

async function localSide(dir: string): Promise<{ ms: number; text: string; cached: number }> {
  const started = performance.now();
  const scan = await scanBuild(await buildDir({ build: { dir } } as Stage), { hashNow: true });
  const text = serializeManifest(scan.manifest);
  await scan.saveCache();
  return { ms: performance.now() - started, text, cached: scan.cached };
}

const tmp = await mkdtemp(join(tmpdir(), 'ship-bench-manifest-'));
try {
  await chmod(tmp, 0o700);
  const cache = join(tmp, 'cache');
  await mkdir(cache, { mode: 0o700 });
  process.env.XDG_CACHE_HOME = cache;
  const tree = join(tmp, 'tree');
  let started = performance.now();
  const made = makeTree(tree, { files: opt.files, seed: 1 });
  log(
    `tree: ${made.files} files, ${made.links} links, ${made.dirs} directories, ${fixed(made.bytes / 1048576, 1)} MB in ${fixed((performance.now() - started) / 1000, 1)} s`,
  );

  // A redeploy of an unchanged tree is what is measured, not of one the build wrote a moment ago.
  await setTimeout(Number(RACY_NS / 1_000_000n) + 100);
  const cold = await localSide(tree);
  log(`cold scan (every file read and hashed, the cache filled): ${fixed(cold.ms / 1000)} s`);
  const warm: number[] = [];
  for (let i = 0; i < opt.runs; i++) {
    const run = await localSide(tree);
    if (run.text !== cold.text) throw new Error(`warm scan ${i + 1} made a manifest different from the cold one`);
    if (run.cached !== made.files) throw new Error(`warm scan ${i + 1} took ${run.cached} of ${made.files} hashes from the cache`);
    warm.push(run.ms);
  }
  log(`warm scans in this process: ${warm.map((ms) => fixed(ms / 1000, 3)).join(' ')} s`);

  const want = createHash('sha256').update(cold.text).digest('hex');
  const fresh: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < opt.fresh; i++) {
    started = performance.now();
    const child = await execa(process.execPath, ['--input-type=module', '-e', CHILD, tree], { env: { XDG_CACHE_HOME: cache } });
    whole.push(performance.now() - started);
    const got = JSON.parse(child.stdout) as { ms: number; cached: number; sha256: string };
    if (got.sha256 !== want) throw new Error(`the fresh process's manifest ${i + 1} differs from the cold one`);
    if (got.cached !== made.files) throw new Error(`fresh process ${i + 1} took ${got.cached} of ${made.files} hashes from the cache`);
    fresh.push(got.ms);
  }
  log(
    `warm scans in a fresh process: ${fresh.map((ms) => fixed(ms / 1000, 3)).join(' ')} s (whole process ${whole.map((ms) => fixed(ms / 1000, 2)).join(' ')} s)`,
  );

  const result = {
    files: made.files,
    mb: made.bytes / 1048576,
    coldS: cold.ms / 1000,
    warmS: median(warm) / 1000,
    freshS: median(fresh) / 1000,
    freshProcessS: median(whole) / 1000,
  };
  process.stdout.write(
    `manifest of an unchanged ${result.files}-file tree (${fixed(result.mb, 0)} MB), hash cache warm: ${fixed(result.warmS, 3)} s in this process, ${fixed(result.freshS, 3)} s in a fresh one (whole process ${fixed(result.freshProcessS, 2)} s; cold ${fixed(result.coldS, 2)} s)   (target <= 0.3 s)\n`,
  );
  await writeResult(opt.json, result);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
