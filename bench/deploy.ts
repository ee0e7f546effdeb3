/**
 * Issue 3: `ship deploy` of a 50 MB release (random bytes, so gzip cannot shrink it) to 3 hosts,
 * against bench/deploy-openssh.sh doing the same steps by hand with OpenSSH + ControlMaster.
 *
 *   npm run build && npx jiti bench/deploy.ts [--mb 50] [--runs 3] [--lab 7] [--json FILE]
 *
 * Both run the same build (test/e2e/fixtures/app/build.sh with APP_PAD_MB), tar czf + sha256,
 * upload to the 3 hosts in parallel, verify the sha256 there, extract, switch `current`, restart
 * their own systemd unit, check `systemctl is-active` after 2 s (the stage has no `health`, so
 * ship does the same), and keep 2 releases. ship also takes and releases a lock, writes the
 * release log and reads the inventory before cleanup. Each deploy is timed as a whole process;
 * one untimed warm-up each, then `--runs` rounds alternating ship and the script; medians.
 * Needs root (boots test lab 7 with 3 hosts); traffic goes only to the lab's addresses.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { fixed, log, median, options, REPO, SHIP, withLab, writeResult } from './lib.js';

const opt = options({ mb: 50, runs: 3, lab: 7 });
const HOSTS = ['h1', 'h2', 'h3'];
const KEEP = 2;
const TARGETS = {
  ship: { path: '/srv/bench-ship', unit: 'bench-ship', port: 4301 },
  openssh: { path: '/srv/bench-openssh', unit: 'bench-openssh', port: 4302 },
};

const result = await withLab(opt.lab, HOSTS, 900_000, async (lab, tmp) => {
  const onHost = (host: string, script: string) => execa('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', host, script]);
  // The app, a deploy path owned by deploy and a unit for each side, on every host.
  for (const t of Object.values(TARGETS)) {
    const unit = ['[Service]', `WorkingDirectory=${t.path}/current`, 'ExecStart=/usr/bin/node server.js', 'User=deploy', `Environment=PORT=${t.port}`, ''].join('\\n');
    await Promise.all(HOSTS.map((h) => onHost(h, `sudo mkdir -p ${t.path} && sudo chown deploy: ${t.path} && printf '${unit}' | sudo tee /etc/systemd/system/${t.unit}.service >/dev/null && sudo systemctl daemon-reload`)));
  }
  const dir = join(tmp, 'app');
  await mkdir(dir);
  for (const f of ['server.js', 'build.sh']) await copyFile(join(REPO, 'test/e2e/fixtures/app', f), join(dir, f));
  await writeFile(join(dir, 'hosts.ts'), `import { defineHosts } from 'ship-deploy';\nexport default defineHosts(${JSON.stringify({
    app: 'bench-ship',
    ssh: { config: lab.sshConfig },
    build: { run: ['sh', 'build.sh'], dir: 'dist' },
    stages: { prod: { hosts: HOSTS, path: TARGETS.ship.path, unit: TARGETS.ship.unit, keep: KEEP } },
  }, null, 2)});\n`);

  const env = { APP_PAD_MB: String(opt.mb), SHIP_NO_COLOR: '1' };
  const sides = {
    ship: () => execa('node', [SHIP, 'deploy', 'prod'], { cwd: dir, env, stdin: 'ignore', timeout: 180_000 }),
    openssh: () => execa('bash', [join(REPO, 'bench/deploy-openssh.sh')], {
      cwd: dir, stdin: 'ignore', timeout: 180_000,
      env: { ...env, SSH_CONFIG: lab.sshConfig, HOSTS: HOSTS.join(' '), DEPLOY_PATH: TARGETS.openssh.path, UNIT: TARGETS.openssh.unit, KEEP: String(KEEP) },
    }),
  };
  const times = { ship: [] as number[], openssh: [] as number[] };
  for (let run = 0; run <= opt.runs; run++) {
    for (const side of ['ship', 'openssh'] as const) {
      const start = performance.now();
      await sides[side]();
      const ms = performance.now() - start;
      if (run > 0) times[side].push(ms);
      log(`${run === 0 ? 'warm-up' : `run ${run}/${opt.runs}`}: ${side} ${fixed(ms / 1000)} s`);
    }
  }
  // Both really deployed: every host runs the app from a current release.
  for (const t of Object.values(TARGETS)) {
    await Promise.all(HOSTS.map((h) => onHost(h, `systemctl is-active --quiet ${t.unit} && test -f ${t.path}/current/padding.bin`)));
  }
  return { mb: opt.mb, hosts: HOSTS.length, runs: opt.runs, shipS: median(times.ship) / 1000, opensshS: median(times.openssh) / 1000, ratio: median(times.ship) / median(times.openssh), times };
});

process.stdout.write([
  `deploy (median of ${result.runs} runs, ${result.mb} MB release, ${result.hosts} hosts)`,
  `  ship deploy ${fixed(result.shipS)} s, OpenSSH script ${fixed(result.opensshS)} s, ratio ship/openssh ${fixed(result.ratio)}`,
  '',
].join('\n'));
await writeResult(opt.json, result);
