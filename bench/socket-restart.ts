/**
 * Does a deploy drop requests? Deploys the example app (examples/hello) to 2 test hosts while
 * a bounded load loop sends HTTP requests to both without pause, once with systemd socket
 * activation (service.socket) and once without, and prints the failed requests of each.
 *
 *   npm run build && npx jiti bench/socket-restart.ts [--rounds 3] [--lab 8] [--keep]
 *
 * Needs root (it boots test lab 8 with test/hosts/lab.ts). Requests go only to the lab's
 * addresses, with at most 3 workers per host, 20 000 requests and 60 s per deploy.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { startLab, stopLab, type Lab } from '../test/hosts/lab.js';
import { loadUntil } from '../test/e2e/load.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, lab: { type: 'string', default: '8' }, keep: { type: 'boolean', default: false } },
});
const rounds = Math.min(10, Math.max(1, Number(values.rounds)));
const labId = Number(values.lab);
const HOSTS = ['h1', 'h2'];

interface Scenario {
  name: string;
  app: string;
  port: number;
  socket: boolean;
}
const scenarios: Scenario[] = [
  { name: 'with socket activation', app: 'bench-sock', port: 4100, socket: true },
  { name: 'without a socket unit', app: 'bench-plain', port: 4200, socket: false },
];

function hostsTs(lab: Lab, s: Scenario): string {
  const service = { exec: 'node server.js', user: 'deploy', env: { PORT: String(s.port) }, ...(s.socket ? { socket: s.port } : {}) };
  return `import { defineHosts } from 'ship-deploy';
export default defineHosts(${JSON.stringify(
    {
      app: s.app,
      ssh: { config: lab.sshConfig },
      build: { run: ['npm', 'run', 'build'], dir: 'dist' },
      service,
      stages: { bench: { hosts: HOSTS, path: `/srv/${s.app}`, health: { url: `http://127.0.0.1:${s.port}/health`, timeout: 30 } } },
    },
    null,
    2,
  )});
`;
}

async function ship(dir: string, config: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const r = await execa('node', [join(REPO, 'bin/ship'), '--config', config, ...args], { cwd: dir, reject: false, env, timeout: 120_000 });
  if (r.exitCode !== 0) throw new Error(`ship ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

log(`booting test lab ${labId} (${HOSTS.join(', ')})`);
const lab = await startLab({ id: labId, hosts: HOSTS, log });
const dir = await mkdtemp(join(tmpdir(), 'ship-bench-'));
const results: string[] = [];
try {
  for (const name of ['server.js', 'build.js', 'package.json']) await cp(join(REPO, 'examples/hello', name), join(dir, name));
  for (const s of scenarios) {
    const config = `${s.app}.hosts.ts`;
    await writeFile(join(dir, config), hostsTs(lab, s));
    log(`${s.name}: ship setup, first deploy`);
    await ship(dir, config, ['setup', 'bench']);
    await ship(dir, config, ['deploy', 'bench'], { APP_VERSION: '1' });
    const urls = lab.hosts.filter((h) => HOSTS.includes(h.name)).map((h) => `http://${h.address}:${s.port}/health`);
    let sent = 0;
    let failed = 0;
    const errors = new Set<string>();
    for (let round = 1; round <= rounds; round++) {
      const deploy = ship(dir, config, ['deploy', 'bench'], { APP_VERSION: String(round + 1) });
      const load = await loadUntil(deploy, { urls, workersPerUrl: 3, maxRequests: 20_000, maxMs: 60_000, requestTimeoutMs: 5_000 });
      await deploy;
      sent += load.sent;
      failed += load.failed;
      load.errors.forEach((e) => errors.add(e));
      log(
        `${s.name}: deploy ${round}/${rounds}: ${load.sent} requests, ${load.failed} failed${load.errors.length ? ` (${load.errors.join(', ')})` : ''}`,
      );
    }
    results.push(
      `${s.name.padEnd(24)} ${rounds} deploys on 2 hosts, ${sent} requests, ${failed} failed${errors.size ? ` (${[...errors].join(', ')})` : ''}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  if (!values.keep) await stopLab(labId);
}
process.stdout.write(`${results.join('\n')}\n`);
