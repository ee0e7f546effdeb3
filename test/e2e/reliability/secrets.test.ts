/**
 * Secrets never printed: the env file's values (and the SSH private key) must not appear in
 * stdout, stderr, --json, --dry-run, --verbose or the hosts' release log, whatever ship runs:
 * setup, deploys that succeed and fail, exec, logs, releases, rollback, lock status, doctor.
 * The app is made to print its whole environment when it fails to start, so the journal ship
 * shows after a failed deploy really holds the values, and `ship exec` really reads them.
 * (test/e2e/setup.test.ts checks setup's side: the file's mode and upload; ACME keys belong to
 * test/e2e/certs.test.ts.)
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, onHost } from '../support.js';
import { App, ENV_FILE, expectNoSecretsPrinted, printed, SECRETS } from './support.js';

const HOSTS = ['h1', 'h2'];
let app: App;

beforeAll(async () => {
  app = await App.create({ name: 'relsecret', port: 4341, hosts: HOSTS, healthTimeout: 4 });
  await app.setup();
});

afterAll(async () => {
  await app.remove();
});

/** The output had something to hide and hid it: the value is shown as ***. */
function expectRedacted(text: string): void {
  expect(text).toContain('***');
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('the env file\'s values in every command\'s output', () => {
  it('setup: --dry-run, --json, and an upload of a changed file', async () => {
    expect((await app.ship(['setup', 'prod', '--dry-run'])).code).toBe(0);
    expect((await app.ship(['setup', 'prod', '--json'])).code).toBe(0);
    await writeFile(join(app.dir, '.env.prod'), `${ENV_FILE}EXTRA=${SECRETS[0]}-rotated\n`);
    const changed = await app.ship(['setup', 'prod', '--verbose']);
    expect(changed.code, changed.stderr).toBe(0);
    await writeFile(join(app.dir, '.env.prod'), ENV_FILE);
    expect((await app.ship(['setup', 'prod'])).code).toBe(0);
    // The values are really on the hosts (mode 0600), only never printed.
    for (const h of HOSTS) {
      expect((await onHost(h, `stat -c %a ${app.path}/shared/.env`)).trim()).toBe('600');
      expect(await onHost(h, `cat ${app.path}/shared/.env`)).toContain(SECRETS[1]);
    }
  });

  it('deploys: plain, --json, --dry-run, --verbose', async () => {
    for (const extra of [[], ['--json'], ['--dry-run'], ['--verbose']]) {
      const r = await app.deploy('v1', {}, extra);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('a failed deploy shows the journal, where the app printed its environment: values redacted', async () => {
    const r = await app.deploy('v2', { APP_FAIL_START: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refuses to start (FAIL_START); its environment:');
    expectRedacted(r.stderr);
    const json = await app.deploy('v3', { APP_FAIL_START: '1' }, ['--json', '--verbose']);
    expect(json.code).toBe(1);
    expect(json.stdout).toContain('refuses to start (FAIL_START)');
    expectRedacted(json.stdout);
  });

  it('ship logs, plain and --json', async () => {
    const r = await app.ship(['logs', 'prod', '--lines', '40']);
    expect(r.code, r.stderr).toBe(0);
    expectRedacted(r.stdout);
    const json = await app.ship(['logs', 'prod', '--lines', '40', '--json']);
    expectRedacted(json.stdout);
  });

  it('ship exec that reads the env file or gets a value as an argument: shown as ***, passed for real', async () => {
    const cat = await app.ship(['exec', 'prod', '--', 'cat', `${app.path}/shared/.env`]);
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toContain('h1 | API_TOKEN=***');
    expectRedacted(cat.stdout);
    const hash = createHash('sha256').update(`${SECRETS[1]}\n`).digest('hex');
    const arg = await app.ship(['exec', 'prod', '--', 'sh', '-c', 'printf "%s\\n" "$1" | sha256sum', 'sh', SECRETS[1]!]);
    expect(arg.code, arg.stderr).toBe(0);
    expect(arg.stdout).toContain(`h1 | ${hash}  -`);
    const plan = await app.ship(['exec', 'prod', '--dry-run', '--', 'printf', '%s', SECRETS[2]!]);
    expect(plan.stdout).toContain('would run: printf %s ***');
    const json = await app.ship(['exec', 'prod', '--json', '--', 'cat', `${app.path}/shared/.env`]);
    expectRedacted(json.stdout);
    const failing = await app.ship(['exec', 'prod', '--', 'sh', '-c', 'cat "$1" >&2; exit 3', 'sh', `${app.path}/shared/.env`]);
    expect(failing.code).toBe(1);
    expectRedacted(failing.stderr);
  });

  it('releases, rollback, lock status, doctor', async () => {
    for (const args of [['releases', 'prod'], ['releases', 'prod', '--json'], ['rollback', 'prod', '--dry-run'], ['lock', 'status', 'prod'], ['doctor', 'prod'], ['doctor', 'prod', '--json']]) {
      const r = await app.ship(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBeLessThanOrEqual(1);
    }
  });

  it('no value, and no line of the SSH private key, appears in any output above or in the release logs', async () => {
    expect(printed.length).toBeGreaterThanOrEqual(20);
    await expectNoSecretsPrinted([app]);
    const keyLines = (await readFile(lab().key, 'utf8')).split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    const all = printed.map((p) => `${p.stdout}\n${p.stderr}`).join('\n');
    for (const line of keyLines) expect(all).not.toContain(line);
  });
});
