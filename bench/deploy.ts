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
import { fixed, log, median, options, REPO, SHIP, withLab, writeResult } from './lib.js';

const opt = options({ mb: 50, runs: 3, lab: 7 });
const SCALE = [1, 3, 10, 20];
const HOSTS = Array.from({ length: Math.max(...SCALE) }, (_, i) => `h${i + 1}`);
const COLD_HOSTS = HOSTS.slice(0, 3);
const KEEP = 2;
const SHIP_SIDE = { app: 'bench-ship', path: '/srv/bench-ship', port: 4301 };
const SCRIPT_SIDE = { unit: 'bench-openssh', path: '/srv/bench-openssh', port: 4302 };

type Sample = Record<string, number[]>;

const result = await withLab(opt.lab, HOSTS, 1_500_000, async (lab, tmp) => {
  const onHost = (host: string, script: string) => execa('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', host, script]);
  const onHosts = (hosts: string[], script: string) => Promise.all(hosts.map((h) => onHost(h, script)));

  // The script's unit, written by hand as its author would; ship's comes from `ship setup`.
  const unit = [
    '[Service]',
    `WorkingDirectory=${SCRIPT_SIDE.path}/current`,
    'ExecStart=/usr/bin/node server.js',
    'User=deploy',
    `Environment=PORT=${SCRIPT_SIDE.port}`,
    '',
  ].join('\\n');
  await onHosts(
    HOSTS,
    [
      `sudo mkdir -p ${SHIP_SIDE.path} ${SCRIPT_SIDE.path} && sudo chown deploy: ${SHIP_SIDE.path} ${SCRIPT_SIDE.path}`,
      `printf '${unit}' | sudo tee /etc/systemd/system/${SCRIPT_SIDE.unit}.service >/dev/null && sudo systemctl daemon-reload`,
    ].join(' && '),
  );

  const health = (confirm?: number) => ({
    url: `http://127.0.0.1:${SHIP_SIDE.port}/health`,
    timeout: 30,
    ...(confirm === undefined ? {} : { confirm }),
  });
  const stage = (hosts: string[], confirm?: number) => ({ hosts, path: SHIP_SIDE.path, keep: KEEP, health: health(confirm) });
  const config = {
    app: SHIP_SIDE.app,
    ssh: { config: lab.sshConfig },
    build: { run: ['true'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(SHIP_SIDE.port) } },
    stages: {
      cold0: stage(COLD_HOSTS, 0),
      cold: stage(COLD_HOSTS),
      ...Object.fromEntries(SCALE.map((n) => [`s${n}`, stage(HOSTS.slice(0, n), 0)])),
    },
  };
  const cache = join(tmp, 'cache');
  /** A project whose dist/ is the release: the test app and `mb` MB of random bytes. */
  const project = async (name: string, mb: number): Promise<string> => {
    const dir = join(tmp, name);
    await mkdir(join(dir, 'dist'), { recursive: true });
    await execa('cp', [join(REPO, 'test/e2e/fixtures/app/server.js'), join(dir, 'dist/server.js')]);
    await writeFile(join(dir, 'dist/padding.bin'), randomBytes(mb * 1048576));
    await writeFile(join(dir, 'dist/changed.bin'), randomBytes(10 * 1024));
    await writeFile(
      join(dir, 'hosts.ts'),
      `import { defineHosts } from 'ship-deploy';\nexport default defineHosts(${JSON.stringify(config, null, 2)});\n`,
    );
    return dir;
  };
  const big = await project('big', opt.mb);
  const small = await project('small', 1);

  let version = 0;
  /** A new VERSION (100 bytes of the release change), so every deploy is a new release. */
  const bump = async (dir: string): Promise<string> => {
    const v = `v${++version}`;
    await writeFile(join(dir, 'dist/VERSION'), `${v}\n`);
    return v;
  };
  /** Hosts as a first deploy finds them: no release, no current, the unit stopped; no local hash cache. */
  const wipe = async (hosts: string[]): Promise<void> => {
    await onHosts(
      hosts,
      [
        `sudo systemctl stop ${SHIP_SIDE.app} ${SCRIPT_SIDE.unit}`,
        `sudo rm -rf ${SHIP_SIDE.path}/releases ${SHIP_SIDE.path}/current ${SCRIPT_SIDE.path}/releases ${SCRIPT_SIDE.path}/current ${SCRIPT_SIDE.path}/.ship`,
      ].join(' && '),
    );
    await rm(join(cache, 'ship/hashes'), { recursive: true, force: true });
  };
  const check = (hosts: string[], path: string, unitName: string, v: string) =>
    onHosts(hosts, `systemctl is-active --quiet ${unitName} && grep -qx ${v} ${path}/current/VERSION`);

  const ship = async (dir: string, stageName: string, hosts: string[], show?: RegExp): Promise<number> => {
    const v = await bump(dir);
    const start = performance.now();
    const run = await execa('node', [SHIP, 'deploy', stageName], {
      cwd: dir,
      env: { SHIP_NO_COLOR: '1', XDG_CACHE_HOME: cache },
      stdin: 'ignore',
      timeout: 300_000,
    });
    const ms = performance.now() - start;
    for (const line of run.stdout.split('\n')) if (show?.test(line)) log(`  ${line}`);
    await check(hosts, SHIP_SIDE.path, SHIP_SIDE.app, v);
    return ms;
  };
  const script = async (dir: string, hosts: string[]): Promise<number> => {
    const v = await bump(dir);
    const start = performance.now();
    await execa('bash', [join(REPO, 'bench/deploy-openssh.sh')], {
      cwd: dir,
      stdin: 'ignore',
      timeout: 300_000,
      env: {
        SSH_CONFIG: lab.sshConfig,
        HOSTS: hosts.join(' '),
        DEPLOY_PATH: SCRIPT_SIDE.path,
        UNIT: SCRIPT_SIDE.unit,
        PORT: String(SCRIPT_SIDE.port),
        KEEP: String(KEEP),
      },
    });
    const ms = performance.now() - start;
    await check(hosts, SCRIPT_SIDE.path, SCRIPT_SIDE.unit, v);
    return ms;
  };

  await execa('node', [SHIP, 'setup', `s${HOSTS.length}`], {
    cwd: big,
    env: { SHIP_NO_COLOR: '1', XDG_CACHE_HOME: cache },
    stdin: 'ignore',
  });

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
