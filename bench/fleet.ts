/**
 * Issue 11: `ship deploy` to 20 hosts in rolling batches of 5 (`--batch 5`), against the same
 * deploy to all 20 at once. What batches cost: phase 1 (upload, verify, extract) runs on all
 * hosts at once either way; phase 2 (switch, restart, health check) runs 4 times one after the
 * other instead of once. What they buy is not timed here: at most 5 hosts restart at any moment,
 * and a release that fails stops after its first batch.
 *
 *   npm run build && npx jiti bench/fleet.ts [--hosts 20] [--batch 5] [--runs 3] [--lab 10] [--json FILE]
 *
 * The app is test/e2e/fixtures/app with a health URL, set up with the real `ship setup`. Each
 * deploy is timed as a whole process; one untimed warm-up, then `--runs` rounds alternating the
 * two; medians. Needs root (boots test lab 10 with the hosts); traffic goes only to the lab.
 */
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { fixed, fixtureProject, log, median, options, SHIP, withLab, writeResult } from './lib.js';

const opt = options({ hosts: 20, batch: 5, runs: 3, lab: 10 });
const HOSTS = Array.from({ length: opt.hosts }, (_, i) => `b${i + 1}`);
const PATH = '/srv/bench-fleet';
const PORT = 4701;

const result = await withLab(opt.lab, HOSTS, 1_500_000, async (lab, tmp) => {
  const onHost = (host: string, script: string) => execa('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', host, script]);
  await Promise.all(HOSTS.map((h) => onHost(h, `sudo mkdir -p ${PATH} && sudo chown deploy: ${PATH}`)));
  const dir = await fixtureProject(tmp, {
    app: 'bench-fleet',
    ssh: { config: lab.sshConfig },
    build: { run: ['sh', 'build.sh'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(PORT) } },
    stages: { prod: { hosts: HOSTS, path: PATH, keep: 2, health: { url: `http://127.0.0.1:${PORT}/health`, timeout: 30 } } },
  });
  const ship = (args: string[], version: string) =>
    execa('node', [SHIP, ...args], { cwd: dir, env: { SHIP_NO_COLOR: '1', APP_VERSION: version }, stdin: 'ignore', timeout: 300_000 });
  await ship(['setup', 'prod'], 'setup');

  const sides = { all: [] as string[], batched: ['--batch', String(opt.batch)] };
  const times = { all: [] as number[], batched: [] as number[] };
  let n = 0;
  for (let run = 0; run <= opt.runs; run++) {
    for (const side of ['all', 'batched'] as const) {
      const version = `v${++n}`;
      const start = performance.now();
      const r = await ship(['deploy', 'prod', ...sides[side]], version);
      const ms = performance.now() - start;
      if (side === 'batched' && !r.stdout.includes(`batch ${Math.ceil(opt.hosts / opt.batch)}/${Math.ceil(opt.hosts / opt.batch)}:`))
        throw new Error('the batched deploy printed no batches');
      if (run > 0) times[side].push(ms);
      log(
        `${run === 0 ? 'warm-up' : `run ${run}/${opt.runs}`}: ${side === 'all' ? 'all at once' : `batches of ${opt.batch}`} ${fixed(ms / 1000)} s`,
      );
      // Every host really runs what was deployed.
      await Promise.all(
        HOSTS.map((h) => onHost(h, `systemctl is-active --quiet bench-fleet && grep -qx ${version} ${PATH}/current/VERSION`)),
      );
    }
  }
  return {
    hosts: opt.hosts,
    batch: opt.batch,
    runs: opt.runs,
    allS: median(times.all) / 1000,
    batchedS: median(times.batched) / 1000,
    ratio: median(times.batched) / median(times.all),
    times,
  };
});

process.stdout.write(
  [
    `fleet deploy (median of ${result.runs} runs, ${result.hosts} hosts, health-checked)`,
    `  all at once ${fixed(result.allS)} s, batches of ${result.batch} ${fixed(result.batchedS)} s, ratio batched/all ${fixed(result.ratio)}`,
    '',
  ].join('\n'),
);
await writeResult(opt.json, result);
