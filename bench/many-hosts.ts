/**
 * Issue 10's "50 hosts must work": `ship setup` and two `ship deploy`s of the test app to 50
 * hosts, health-checked, then every host checked. Not a race against a baseline, so not part of
 * `npm run bench`: it shows that bounded handshakes (8 at a time, under sshd's MaxStartups of
 * 10) and one connection per host hold at that size, and prints how long each command took.
 *
 *   npm run build && npx jiti bench/many-hosts.ts [--hosts 50] [--lab 9]
 *
 * Needs root (boots lab 9 with the hosts; on 2 cores booting 50 takes a few minutes); traffic
 * goes only to the lab's addresses.
 */
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { fixed, fixtureProject, log, options, SHIP, withLab } from './lib.js';

const opt = options({ hosts: 50, lab: 9 });
const HOSTS = Array.from({ length: opt.hosts }, (_, i) => `m${i + 1}`);
const PATH = '/srv/bench-many';
const PORT = 4801;

await withLab(opt.lab, HOSTS, 1_500_000, async (lab, tmp) => {
  const onHost = (host: string, script: string) => execa('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', host, script]);
  for (let i = 0; i < HOSTS.length; i += 10) {
    await Promise.all(HOSTS.slice(i, i + 10).map((h) => onHost(h, `sudo mkdir -p ${PATH} && sudo chown deploy: ${PATH}`)));
  }
  const dir = await fixtureProject(tmp, {
    app: 'bench-many',
    ssh: { config: lab.sshConfig },
    build: { run: ['sh', 'build.sh'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(PORT) } },
    stages: { prod: { hosts: HOSTS, path: PATH, keep: 2, health: { url: `http://127.0.0.1:${PORT}/health`, timeout: 60 } } },
  });
  const ship = async (args: string[], version: string): Promise<void> => {
    const start = performance.now();
    const r = await execa('node', [SHIP, ...args], { cwd: dir, env: { SHIP_NO_COLOR: '1', APP_VERSION: version }, stdin: 'ignore', timeout: 600_000, reject: false });
    log(`ship ${args.join(' ')}: exit ${r.exitCode}, ${fixed((performance.now() - start) / 1000)} s`);
    if (r.exitCode !== 0) throw new Error(`ship ${args.join(' ')} failed:\n${r.stderr}`);
  };
  await ship(['setup', 'prod'], 'setup');
  for (const version of ['v1', 'v2']) {
    await ship(['deploy', 'prod'], version);
    const wrong: string[] = [];
    for (let i = 0; i < HOSTS.length; i += 10) {
      await Promise.all(HOSTS.slice(i, i + 10).map(async (h) => {
        const r = await onHost(h, `systemctl is-active --quiet bench-many && cat ${PATH}/current/VERSION`).catch(() => undefined);
        if (r?.stdout.trim() !== version) wrong.push(h);
      }));
    }
    if (wrong.length > 0) throw new Error(`${version}: not running on ${wrong.join(', ')}`);
    log(`${version}: active and current on all ${HOSTS.length} hosts`);
  }
});
