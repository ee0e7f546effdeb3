/**
 * Issue 19: deploys of a tree of many small files (bench/tree.ts: 15,000 JS-like files, 45 MB,
 * gzip about 4x), ship against bench/deploy-openssh.sh on real test hosts, in one run:
 *
 * - cold: to 3 hosts, every run a first deploy onto freshly prepared hosts (no release, no
 *   `current`; ship's local hash cache kept, as on a developer's machine where the tree was
 *   scanned before). Both sides `confirm: 0`-equivalent (poll health until the first 2xx).
 * - redeploy: one file of the tree changed, on hosts that already hold `keep` releases, so the
 *   oldest release (15,000 files) is removed as part of it; against the script's full deploy (the
 *   cold figure: the script sends everything every time) and against ship's own cold deploy.
 * - scale: the tree cold to 1, 3 and 10 hosts, the script alongside.
 *
 *   npm run build && npx jiti bench/tree-deploy.ts [--files 15000] [--runs 2] [--lab 9] [--json FILE]
 *
 * One untimed warm-up round, then `--runs` rounds alternating the sides; medians. Every deploy is
 * checked (each host's `current` holds what was deployed and the unit is active). Needs root
 * (boots lab 9 with 10 hosts); traffic goes only to the lab's addresses.
 */
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchSides, fixed, log, median, options, REPO, withLab, writeResult } from './lib.js';
import { makeTree } from './tree.js';

const opt = options({ files: 15_000, runs: 2, lab: 9 });
const SCALE = [1, 3, 10];
const HOSTS = Array.from({ length: Math.max(...SCALE) }, (_, i) => `h${i + 1}`);
const COLD_HOSTS = HOSTS.slice(0, 3);
const KEEP = 2;

const result = await withLab(opt.lab, HOSTS, 1_800_000, async (lab, tmp) => {
  const sides = await benchSides(lab, tmp, HOSTS, {
    keep: KEEP,
    ports: { ship: 4303, script: 4304 },
    stages: Object.fromEntries(SCALE.map((n) => [`s${n}`, HOSTS.slice(0, n)])),
  });
  const dir = join(tmp, 'tree');
  const made = makeTree(join(dir, 'dist'), { files: opt.files, bytes: Math.round((opt.files / 15_000) * 45 * 1048576) });
  // The tree's own server.js and package.json are filler text: the app that answers the health
  // check, and a package.json Node can read, replace them.
  await copyFile(join(REPO, 'test/e2e/fixtures/app/server.js'), join(dir, 'dist/server.js'));
  await writeFile(join(dir, 'dist/package.json'), '{ "name": "app", "private": true }\n');
  await sides.writeHosts(dir);
  await sides.setup(dir, `s${HOSTS.length}`);
  log(`tree: ${made.files} files, ${made.links} links, ${made.dirs} directories, ${fixed(made.bytes / 1048576, 0)} MB`);

  const times: Record<string, number[]> = {};
  const record = (name: string, run: number, ms: number): void => {
    if (run > 0) (times[name] ??= []).push(ms);
    log(`${run === 0 ? 'warm-up' : `run ${run}/${opt.runs}`}: ${name} ${fixed(ms / 1000)} s`);
  };
  let edits = 0;
  const editOneFile = () => writeFile(join(dir, 'dist/node_modules/edited.js'), `module.exports = ${++edits};\n`);
  for (let run = 0; run <= opt.runs; run++) {
    for (const n of SCALE) {
      const hosts = HOSTS.slice(0, n);
      await sides.wipe(hosts);
      record(`cold ${n} script`, run, await sides.script(dir, hosts));
      await sides.wipe(hosts);
      record(`cold ${n} ship`, run, await sides.ship(dir, `s${n}`, hosts));
      if (n !== COLD_HOSTS.length) continue;
      // Up to `keep` releases first, so the timed redeploy also removes the oldest.
      await editOneFile();
      await sides.ship(dir, `s${n}`, hosts);
      await editOneFile();
      record('redeploy ship', run, await sides.ship(dir, `s${n}`, hosts, /^h1 \| .*(upload|kept|release|remov)/));
    }
  }
  await rm(dir, { recursive: true, force: true });
  const m = (name: string): number => median(times[name]!) / 1000;
  return {
    files: made.files,
    mb: made.bytes / 1048576,
    runs: opt.runs,
    hosts: COLD_HOSTS.length,
    cold: { shipS: m(`cold ${COLD_HOSTS.length} ship`), scriptS: m(`cold ${COLD_HOSTS.length} script`) },
    redeployS: m('redeploy ship'),
    scale: SCALE.map((n) => ({ hosts: n, shipS: m(`cold ${n} ship`), scriptS: m(`cold ${n} script`) })),
    times,
  };
});

const r = result;
const lines = [
  `tree deploy: ${r.files} files, ${fixed(r.mb, 0)} MB (medians of ${r.runs} runs; ratio below 1 means ship is faster)`,
  `  cold to ${r.hosts} hosts                  ship ${fixed(r.cold.shipS)} s   OpenSSH script ${fixed(r.cold.scriptS)} s   ratio ${fixed(r.cold.shipS / r.cold.scriptS)}   (target <= 0.8)`,
  `  redeploy, one file changed        ship ${fixed(r.redeployS)} s   script's full deploy ${fixed(r.cold.scriptS)} s   ratio ${fixed(r.redeployS / r.cold.scriptS)}   (target <= 0.2)`,
  `  redeploy / ship's own cold        ship ${fixed(r.redeployS)} s   ship cold ${fixed(r.cold.shipS)} s   ratio ${fixed(r.redeployS / r.cold.shipS)}   (target <= 0.25)`,
  ...r.scale.map(
    (s) =>
      `  cold to ${String(s.hosts).padStart(2)} hosts                 ship ${fixed(s.shipS)} s   OpenSSH script ${fixed(s.scriptS)} s   ratio ${fixed(s.shipS / s.scriptS)}`,
  ),
  `  1 -> ${r.scale.at(-1)!.hosts} hosts                        ship ${fixed(r.scale.at(-1)!.shipS / r.scale[0]!.shipS)}x   OpenSSH script ${fixed(r.scale.at(-1)!.scriptS / r.scale[0]!.scriptS)}x`,
  '',
];
process.stdout.write(lines.join('\n'));
await writeResult(opt.json, result);
