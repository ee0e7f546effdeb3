/**
 * Secrets never printed: the env file's values (and the SSH private key) must not appear in
 * stdout, stderr, --json, --dry-run, --verbose or the hosts' release log, whatever ship runs:
 * setup, deploys that succeed and fail, exec, logs, releases, rollback, lock status, doctor.
 * The app is made to print its whole environment when it fails to start (as JSON and as it is),
 * so the journal ship shows after a failed deploy really holds the values, and `ship exec`
 * really reads them. Some values hold `"`, `\`, `$` and quotes, so the text the app sees
 * (systemd unquoted it), the app's JSON and ship's --json each show them in another form:
 * every form must be hidden.
 * (test/e2e/setup.test.ts checks setup's side: the file's mode and upload; ACME keys belong to
 * test/e2e/certs.test.ts.)
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, onHost } from '../support.js';
import { App, ENV_FILE, expectNoSecretsPrinted, leakedValues, printed, SECRETS } from './support.js';

const HOSTS = ['h1', 'h2'];
const tag = randomBytes(3).toString('hex');
/** Lines of this file's env file whose value systemd unquotes, and the value the app gets. */
const HOSTILE = [
  { line: `QUOTED_TOKEN="dq-${tag} \\"quoted\\" and 'single' \\\\ end"`, value: `dq-${tag} "quoted" and 'single' \\ end` },
  { line: `BACKSLASH_KEY=bs-${tag}\\\\dir\\\\sub`, value: `bs-${tag}\\dir\\sub` },
  { line: `DOLLAR_KEY="\\$HOME \\\`id\\\` $(id) $$ ${tag}"`, value: `$HOME \`id\` $(id) $$ ${tag}` },
  { line: `QUOTE_HEAVY="\\"'\\"'${tag}'\\"'\\""`, value: `"'"'${tag}'"'"` },
];
/** Too short to redact: setup must say so, naming the variable only. */
const SHORT = 'PIN=42';
const ENV_TEXT = `${ENV_FILE}${HOSTILE.map((h) => h.line).join('\n')}\n${SHORT}\n`;
/** Every value, as the app sees it and as the file spells it. */
const VALUES = [...SECRETS, ...HOSTILE.flatMap((h) => [h.value, h.line.slice(h.line.indexOf('=') + 1)])];
/** A recipe whose command fails after printing the env file to stderr, which ship's error quotes. */
const LEAK_RECIPE = `import { recipe } from 'ship-deploy';

export default recipe('leak', async ({ stage, hosts }) => {
  await hosts.each(async (host) => {
    await host.run(['sh', '-c', 'cat "$1" >&2; exit 3', 'sh', \`\${stage.path}/shared/.env\`]);
  });
});
`;
let app: App;

beforeAll(async () => {
  app = await App.create({
    name: 'relsecret',
    port: 4341,
    hosts: HOSTS,
    healthTimeout: 4,
    files: { '.env.prod': ENV_TEXT, 'recipes/leak.ts': LEAK_RECIPE },
  });
  await app.setup();
});

afterAll(async () => {
  await app.remove();
});

/** The output had something to hide and hid it: the value is shown as ***, in every form. */
function expectRedacted(text: string): void {
  expect(text).toContain('***');
  expect(leakedValues(text, VALUES)).toEqual([]);
}

describe("the env file's values in every command's output", () => {
  it('setup: --dry-run, --json, and an upload of a changed file', async () => {
    expect((await app.ship(['setup', 'prod', '--dry-run'])).code).toBe(0);
    expect((await app.ship(['setup', 'prod', '--json'])).code).toBe(0);
    await writeFile(join(app.dir, '.env.prod'), `${ENV_TEXT}EXTRA=${SECRETS[0]}-rotated\n`);
    const changed = await app.ship(['setup', 'prod', '--verbose']);
    expect(changed.code, changed.stderr).toBe(0);
    await writeFile(join(app.dir, '.env.prod'), ENV_TEXT);
    expect((await app.ship(['setup', 'prod'])).code).toBe(0);
    // The values are really on the hosts (mode 0600), only never printed.
    for (const h of HOSTS) {
      expect((await onHost(h, `stat -c %a ${app.path}/shared/.env`)).trim()).toBe('600');
      expect(await onHost(h, `cat ${app.path}/shared/.env`)).toContain(SECRETS[1]);
    }
  });

  it('systemd hands the app the values this test expects (the forms it greps for are the real ones)', async () => {
    for (const { line, value } of HOSTILE) {
      const name = line.slice(0, line.indexOf('='));
      const seen = await onHost('h1', `sudo systemd-run --wait --pipe --quiet -p EnvironmentFile=${app.path}/shared/.env printenv ${name}`);
      expect(seen).toBe(value);
    }
  });

  it('setup warns once per variable whose value is too short to hide, naming only the variable', async () => {
    for (const extra of [[], ['--json']]) {
      const r = await app.ship(['setup', 'prod', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      // What a person reads: the lines, or in --json each event's text (its time may hold 42).
      const texts =
        extra.length === 0
          ? r.stderr.split('\n')
          : r.stdout.split('\n').map((l) => String((JSON.parse(l) as { text?: string }).text ?? ''));
      const warnings = texts.filter((l) => l.includes('PIN') && l.includes('shorter than 3 characters'));
      expect(warnings, `${r.stdout}\n${r.stderr}`).toHaveLength(1);
      expect(warnings[0]).not.toContain('42');
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
    expect(plan.stdout).toContain('   exec\nh1 |     printf %s ***');
    const json = await app.ship(['exec', 'prod', '--json', '--', 'cat', `${app.path}/shared/.env`]);
    expectRedacted(json.stdout);
    const failingJson = await app.ship([
      'exec',
      'prod',
      '--json',
      '--',
      'sh',
      '-c',
      'cat "$1" >&2; exit 3',
      'sh',
      `${app.path}/shared/.env`,
    ]);
    expect(failingJson.code).toBe(1);
    expectRedacted(failingJson.stdout);
  });

  it('a recipe whose command fails: the error quotes its stderr, redacted in plain and in --json', async () => {
    for (const extra of [[], ['--json']]) {
      const r = await app.ship(['run', 'prod', 'leak', ...extra]);
      expect(r.code).toBe(1);
      const text = `${r.stdout}\n${r.stderr}`;
      expect(text).toContain('QUOTE_HEAVY=***');
      expectRedacted(text);
    }
    const failing = await app.ship(['exec', 'prod', '--', 'sh', '-c', 'cat "$1" >&2; exit 3', 'sh', `${app.path}/shared/.env`]);
    expect(failing.code).toBe(1);
    expectRedacted(failing.stderr);
  });

  it('releases, rollback, lock status, doctor', async () => {
    for (const args of [
      ['releases', 'prod'],
      ['releases', 'prod', '--json'],
      ['rollback', 'prod', '--dry-run'],
      ['lock', 'status', 'prod'],
      ['doctor', 'prod'],
      ['doctor', 'prod', '--json'],
    ]) {
      const r = await app.ship(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBeLessThanOrEqual(1);
    }
  });

  it('no value, and no line of the SSH private key, appears in any output above or in the release logs', async () => {
    expect(printed.length).toBeGreaterThanOrEqual(20);
    await expectNoSecretsPrinted([app], VALUES);
    const keyLines = (await readFile(lab().key, 'utf8')).split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    const all = printed.map((p) => `${p.stdout}\n${p.stderr}`).join('\n');
    for (const line of keyLines) expect(all).not.toContain(line);
  });
});
