/**
 * `sudo: false` in hosts.ts: a host reached as root, where ship must not put `sudo` before
 * anything. Setup, a deploy and a failed deploy's undo all run with the SSH user's own rights.
 * Names of its own (app, path, port), so this file leaves the hosts as other files expect them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onHost, project, REPO, ship } from './support.js';

const APP = 'rootapp';
const PATH = `/srv/${APP}`;
const PORT = 4361;
const HOST = 'root@h3';

let dir: string;

const health = async () =>
  (
    await onHost(
      'h3',
      `node -e "require('http').get('http://127.0.0.1:${PORT}/health',r=>{let d='';r.on('data',c=>d+=c);r.on('end',()=>console.log(d.trim()))}).on('error',e=>console.log('ERR '+e.code))"`,
    )
  ).trim();

beforeAll(async () => {
  const example = join(REPO, 'examples/hello');
  const files: Record<string, string> = {};
  for (const name of ['server.js', 'build.js', 'package.json']) files[name] = await readFile(join(example, name), 'utf8');
  dir = await project(
    {
      app: APP,
      build: { run: ['npm', 'run', 'build'], dir: 'dist' },
      service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(PORT) } },
      stages: {
        prod: { hosts: [HOST], path: PATH, sudo: false, health: { url: `http://127.0.0.1:${PORT}/health`, timeout: 5 } },
      },
    },
    files,
  );
});

afterAll(async () => {
  await onHost(
    'h3',
    [
      `sudo systemctl disable --now ${APP}.service 2>/dev/null`,
      `sudo rm -f /etc/systemd/system/${APP}.service`,
      'sudo systemctl daemon-reload',
      `sudo rm -rf ${PATH}`,
    ].join('; '),
    { reject: false },
  );
});

describe('sudo: false, as root', () => {
  it('plans setup and deploy without a single sudo', async () => {
    for (const command of [
      ['setup', 'prod'],
      ['deploy', 'prod'],
    ]) {
      const plan = await ship([...command, '--dry-run', '--offline'], { cwd: dir });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('systemctl');
      expect(plan.stdout).not.toMatch(/\bsudo\b/);
    }
  });

  it('sets up, deploys and serves the release, as the SSH user', async () => {
    const setup = await ship(['setup', 'prod'], { cwd: dir });
    expect(setup.code, setup.stderr).toBe(0);
    expect(await onHost('h3', `stat -c %U ${PATH}/releases && test -f /etc/systemd/system/${APP}.service && echo unit`)).toBe(
      'deploy\nunit',
    );
    const deploy = await ship(['deploy', 'prod'], { cwd: dir, env: { APP_VERSION: '1.0.0' } });
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(await health()).toBe('1.0.0');
  });

  it('a deploy that fails its health check is undone: current back, the app serves the previous release', async () => {
    const before = (await onHost('h3', `readlink ${PATH}/current`)).trim();
    const bad = await ship(['deploy', 'prod'], { cwd: dir, env: { APP_VERSION: '2.0.0', APP_UNHEALTHY: '1' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('health check failed');
    expect((await onHost('h3', `readlink ${PATH}/current`)).trim()).toBe(before);
    expect(await health()).toBe('1.0.0');
    expect(await onHost('h3', `test -e ${PATH}/.ship/lock && echo locked || echo free`)).toBe('free');
  });
});
