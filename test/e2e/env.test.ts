/**
 * ship env push and diff against real hosts: a new env file reaches every host without a
 * release, batch by batch with the health check; values that make the app unhealthy are put
 * back everywhere; envFile may be a command; and no value ever shows in what ship prints
 * (stdout, stderr, --json) or in the release log.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onHost, project, ship, writeHosts, type ShipResult, removeApp } from './support.js';

// Names of its own, so this file leaves the hosts as other test files expect them.
const APP = 'envtest';
const PATH = `/srv/${APP}`;
const PORT = 4481;
const HOSTS = ['h1', 'h2'];

const OLD = 'old-greeting-7c1f0e42';
const BAD = 'bad-greeting-91ab33cd';
const GOOD = 'good-greeting-5d2e8a17';
const FROM_COMMAND = 'cmd-greeting-0b9f6e21';
const SECRETS = [OLD, BAD, GOOD, FROM_COMMAND];

// Serves GREETING on /; unhealthy when HEALTH=bad, so a push of such values must be undone.
const SERVER = `const http = require('node:http');
const healthy = process.env.HEALTH !== 'bad';
http.createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(healthy ? 200 : 503); return res.end(healthy ? 'ok' : 'unhealthy'); }
  res.end(String(process.env.GREETING) + '\\n');
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const envText = (greeting: string, health = 'ok') => `# test secrets\nGREETING=${greeting}\nHEALTH=${health}\n`;

function config(envFile: string | string[]) {
  return {
    app: APP,
    build: { run: ['sh', '-c', 'mkdir -p dist && cp server.js dist/'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(PORT) }, envFile },
    stages: {
      prod: {
        hosts: HOSTS,
        path: PATH,
        unit: APP,
        rollout: { batch: 1 },
        health: { url: `http://127.0.0.1:${PORT}/health`, timeout: 5 },
      },
    },
  };
}

/** Every line any ship command printed in this file, for the secrecy check at the end. */
const printed: string[] = [];
let dir: string;

async function run(args: string[]): Promise<ShipResult> {
  const result = await ship(args, { cwd: dir });
  printed.push(`$ ship ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** What the app on a host answers on /. */
const answer = async (host: string) =>
  (
    await onHost(
      host,
      `node -e "require('http').get('http://127.0.0.1:${PORT}/',r=>r.pipe(process.stdout)).on('error',e=>console.log('ERR '+e.code))"`,
    )
  ).trim();
const hostFile = (host: string, name: string) => onHost(host, `cat ${PATH}/shared/${name} 2>/dev/null || echo missing`);
const invocation = (host: string) => onHost(host, `systemctl show -p InvocationID --value ${APP}.service`);

beforeAll(async () => {
  dir = await project(config('.env.prod'), { 'server.js': SERVER, '.env.prod': envText(OLD) });
  const setup = await run(['setup', 'prod']);
  expect(setup.code, setup.stderr).toBe(0);
  const deploy = await run(['deploy', 'prod']);
  expect(deploy.code, deploy.stderr).toBe(0);
  for (const h of HOSTS) expect(await answer(h)).toBe(OLD);
}, 300_000);

afterAll(() => removeApp(HOSTS, APP, PATH));

describe('ship env push', () => {
  it('puts the old values back on every host when the new ones make the app unhealthy', async () => {
    await writeFileIn('.env.prod', envText(BAD, 'bad'));
    const r = await run(['env', 'prod', 'push']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('health check failed');
    for (const h of HOSTS) {
      expect(await answer(h), h).toBe(OLD);
      expect(await hostFile(h, '.env'), h).toBe(envText(OLD).trimEnd());
      expect((await onHost(h, `systemctl is-active ${APP}.service`)).trim()).toBe('active');
    }
  }, 120_000);

  it('diff names the changed variable on every host, never its value', async () => {
    await writeFileIn('.env.prod', envText(GOOD));
    const r = await run(['env', 'prod', 'diff']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) expect(r.stdout).toContain(`${h} | changed GREETING`);
    expect(r.stdout).not.toContain('HEALTH');
    const json = await run(['env', 'prod', 'diff', '--json']);
    const events = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; changed?: string[] });
    expect(events.filter((e) => e.type === 'env-diff').map((e) => e.changed)).toEqual([['GREETING'], ['GREETING']]);
  }, 60_000);

  it('--dry-run plans the write and the restart and changes nothing', async () => {
    const before = await Promise.all(HOSTS.map(invocation));
    const r = await run(['env', 'prod', 'push', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('push env file');
    expect(r.stdout).toContain('install-file.sh');
    expect(r.stdout).toContain('(env file: 2 variables)');
    expect(r.stdout).toContain(`systemctl restart -- ${APP}`);
    for (const h of HOSTS) expect(await answer(h)).toBe(OLD);
    expect(await Promise.all(HOSTS.map(invocation))).toEqual(before);
  }, 60_000);

  it('with good values every host serves them, the file is 0600, and the old one is kept as .env.previous', async () => {
    const r = await run(['env', 'prod', 'push', '--json']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) {
      expect(await answer(h), h).toBe(GOOD);
      expect((await onHost(h, `stat -c '%a %U' ${PATH}/shared/.env`)).trim()).toBe('600 deploy');
      expect(await hostFile(h, '.env.previous'), h).toBe(envText(OLD).trimEnd());
    }
  }, 120_000);

  it('leaves a host that has the file already alone: a line saying so, no restart', async () => {
    const before = await Promise.all(HOSTS.map(invocation));
    const r = await run(['env', 'prod', 'push']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) expect(r.stdout).toContain(`${h} | shared/.env is already this env file`);
    expect(await Promise.all(HOSTS.map(invocation))).toEqual(before);
  }, 60_000);

  it('takes the env file from a command when envFile is argv', async () => {
    await writeFileIn('secret.env', envText(FROM_COMMAND));
    await writeHosts(dir, config(['cat', 'secret.env']));
    const r = await run(['env', 'prod', 'push']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) expect(await answer(h), h).toBe(FROM_COMMAND);
  }, 120_000);

  it('a failing envFile command is a clear error naming the stage, the program, its exit code and its stderr', async () => {
    await writeHosts(dir, config(['sh', '-c', 'echo "vault is sealed" >&2; exit 3']));
    const r = await run(['env', 'prod', 'push']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stage prod: service.envFile: the command sh failed (exit 3)');
    expect(r.stderr).toContain('vault is sealed');
    for (const h of HOSTS) expect(await answer(h), h).toBe(FROM_COMMAND);
  }, 60_000);

  it('no value appears in any output, nor in the release log', async () => {
    const logs = await Promise.all(HOSTS.map((h) => onHost(h, `cat ${PATH}/.ship/releases.log`)));
    for (const secret of SECRETS) {
      for (const text of printed) expect(text).not.toContain(secret);
      for (const log of logs) expect(log).not.toContain(secret);
    }
    expect(printed.length).toBeGreaterThan(6);
  });
});

const writeFileIn = (name: string, text: string) => writeFile(join(dir, name), text);
