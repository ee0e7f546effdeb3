/**
 * Issue 10: `ship deploy` against bench/deploy-openssh.sh, the same deploy written by hand with
 * OpenSSH, on real test hosts, in one run:
 *
 * - cold: a 50 MB release of random bytes (it does not compress) to 3 hosts, every run a first
 *   deploy onto freshly prepared hosts (no release, no `current`, the unit stopped; ship's local
 *   hash cache emptied). ship with `health.confirm: 0` and with the default second look (1.5 s),
 *   against the script. Both sides poll the health URL until the first 2xx.
 * - redeploy: right after a cold `confirm: 0` deploy, one 10 KB file of the 50 MB changed and
 *   deployed again, against that cold deploy.
 * - small: a 1 MB release to 1 host, `confirm: 0`.
 * - scale: the 1 MB release to 1, 3, 10 and 20 hosts, `confirm: 0`, cold; the script alongside.
 * - `ship --version` against `node -e 0` (the floor for any Node program).
 *
 *   npm run build && npx jiti bench/deploy.ts [--mb 50] [--runs 3] [--lab 7] [--json FILE]
 *
 * The release is a ready directory (build.run is `true`), the same bytes for both sides. Each
 * deploy is timed as a whole process, from spawn to exit; one untimed warm-up round, then
 * `--runs` rounds alternating the sides; medians. Every deploy is checked: each host's `current`
 * holds what was deployed and the unit is active. Needs root (boots lab 7 with 20 hosts);
 * traffic goes only to the lab's addresses.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { benchSides, fixed, log, median, options, REPO, SHIP, withLab, writeResult } from './lib.js';

const opt = options({ mb: 50, runs: 3, lab: 7 });
const SCALE = [1, 3, 10, 20];
const HOSTS = Array.from({ length: Math.max(...SCALE) }, (_, i) => `h${i + 1}`);
const COLD_HOSTS = HOSTS.slice(0, 3);
const KEEP = 2;

type Sample = Record<string, number[]>;

const result = await withLab(opt.lab, HOSTS, 1_500_000, async (lab, tmp) => {
  const sides = await benchSides(lab, tmp, HOSTS, {
    keep: KEEP,
    ports: { ship: 4301, script: 4302 },
    stages: {
      cold0: COLD_HOSTS,
      cold: { hosts: COLD_HOSTS },
      ...Object.fromEntries(SCALE.map((n) => [`s${n}`, HOSTS.slice(0, n)])),
    },
  });
  /** A project whose dist/ is the release: the test app and `mb` MB of random bytes. */
  const project = async (name: string, mb: number): Promise<string> => {
    const dir = join(tmp, name);
    await mkdir(join(dir, 'dist'), { recursive: true });
    await execa('cp', [join(REPO, 'test/e2e/fixtures/app/server.js'), join(dir, 'dist/server.js')]);
    await writeFile(join(dir, 'dist/padding.bin'), randomBytes(mb * 1048576));
    await writeFile(join(dir, 'dist/changed.bin'), randomBytes(10 * 1024));
    await sides.writeHosts(dir);
    return dir;
  };
  const big = await project('big', opt.mb);
  const small = await project('small', 1);
  /** Hosts as a first deploy finds them, and no local hash cache. */
  const wipe = async (hosts: string[]): Promise<void> => {
    await sides.wipe(hosts);
    await rm(join(sides.cache, 'ship/hashes'), { recursive: true, force: true });
  };
  const ship = sides.ship;
  const script = sides.script;
  await sides.setup(big, `s${HOSTS.length}`);

  const times: Sample = {};
  const record = (name: string, run: number, ms: number): void => {
    if (run > 0) (times[name] ??= []).push(ms);
    log(`${run === 0 ? 'warm-up' : `run ${run}/${opt.runs}`}: ${name} ${fixed(ms / 1000)} s`);
  };
  for (let run = 0; run <= opt.runs; run++) {
    await wipe(COLD_HOSTS);
    record('cold script', run, await script(big, COLD_HOSTS));
    await wipe(COLD_HOSTS);
    record('cold ship confirm 0', run, await ship(big, 'cold0', COLD_HOSTS));
    await writeFile(join(big, 'dist/changed.bin'), randomBytes(10 * 1024));
    record('redeploy ship confirm 0', run, await ship(big, 'cold0', COLD_HOSTS, /^h1 \| .*(upload|copied|release)/));
    await wipe(COLD_HOSTS);
    record('cold ship default confirm', run, await ship(big, 'cold', COLD_HOSTS));
    for (const n of SCALE) {
      const hosts = HOSTS.slice(0, n);
      await wipe(hosts);
      record(`scale ${n} script`, run, await script(small, hosts));
      await wipe(hosts);
      record(`scale ${n} ship`, run, await ship(small, `s${n}`, hosts));
    }
  }
  const m = (name: string): number => median(times[name]!) / 1000;

  const floor: number[] = [];
  const version_: number[] = [];
  for (let i = 0; i <= 20; i++) {
    let start = performance.now();
    await execa('node', ['-e', '0']);
    if (i > 0) floor.push(performance.now() - start);
    start = performance.now();
    await execa('node', [SHIP, '--version']);
    if (i > 0) version_.push(performance.now() - start);
  }

  return {
    mb: opt.mb,
    runs: opt.runs,
    hosts: COLD_HOSTS.length,
    cold: { scriptS: m('cold script'), shipConfirm0S: m('cold ship confirm 0'), shipDefaultS: m('cold ship default confirm') },
    redeployS: m('redeploy ship confirm 0'),
    smallS: m('scale 1 ship'),
    scale: SCALE.map((n) => ({ hosts: n, shipS: m(`scale ${n} ship`), scriptS: m(`scale ${n} script`) })),
    versionS: median(version_) / 1000,
    nodeS: median(floor) / 1000,
    times,
  };
});

const r = result;
const scale20 = r.scale.at(-1)!;
const scale1 = r.scale[0]!;
const lines = [
  `deploy (medians of ${r.runs} runs; ratio below 1 means ship is faster)`,
  `  cold ${r.mb} MB to ${r.hosts} hosts, confirm 0     ship ${fixed(r.cold.shipConfirm0S)} s   OpenSSH script ${fixed(r.cold.scriptS)} s   ratio ${fixed(r.cold.shipConfirm0S / r.cold.scriptS)}   (target <= 0.8)`,
  `  cold ${r.mb} MB to ${r.hosts} hosts, default confirm  ship ${fixed(r.cold.shipDefaultS)} s   script + 1.5 s ${fixed(r.cold.scriptS + 1.5)} s   ratio ${fixed(r.cold.shipDefaultS / (r.cold.scriptS + 1.5))}   (target <= 1)`,
  `  redeploy, one 10 KB file changed   ship ${fixed(r.redeployS)} s   ship cold ${fixed(r.cold.shipConfirm0S)} s   ratio ${fixed(r.redeployS / r.cold.shipConfirm0S)}   (target <= 0.2)`,
  `  1 MB to 1 host, confirm 0          ship ${fixed(r.smallS)} s   OpenSSH script ${fixed(scale1.scriptS)} s   (target <= 1.0 s)`,
  ...r.scale.map(
    (s) =>
      `  1 MB to ${String(s.hosts).padStart(2)} hosts                  ship ${fixed(s.shipS)} s   OpenSSH script ${fixed(s.scriptS)} s   ratio ${fixed(s.shipS / s.scriptS)}`,
  ),
  `  1 -> ${scale20.hosts} hosts                        ship ${fixed(scale20.shipS / scale1.shipS)}x   OpenSSH script ${fixed(scale20.scriptS / scale1.scriptS)}x   (target <= 1.3x)`,
  `  ship --version                     ${fixed(r.versionS, 3)} s   node -e 0 ${fixed(r.nodeS, 3)} s   (target <= 0.12 s)`,
  '',
];
process.stdout.write(lines.join('\n'));
await writeResult(opt.json, result);
