/**
 * The steps of `ship setup` against a host that answers its read-only questions from a table:
 * what each step asks, what it then changes (only what differs), what it records for undo, the
 * summary line, and the errors that name the host, the field and the fix.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Stage } from '../../../src/config/types.js';
import * as setup from '../../../src/host/setup-steps.js';
import * as timerSteps from '../../../src/host/timer-steps.js';
import { resolveTimers } from '../../../src/config/timers.js';
import { Output } from '../../../src/output/output.js';
import { testStage } from '../support/stage.js';
import { TableHost, type Answer } from '../support/table-host.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let configDir: string;
let stage: Stage;
let printed: string;
let output: Output;

beforeEach(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'ship-setup-'));
  stage = testStage({ configFile: join(configDir, 'hosts.ts'), configDir, service: { exec: 'node server.js', user: 'deploy', env: {} } });
  printed = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (printed += d.toString()));
  output = new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink });
});

function host(answers: Record<string, Answer>, dryRun = false): TableHost {
  return new TableHost({ stage, output, dryRun }, answers);
}

const DIRS = ['/srv/app', '/srv/app/releases', '/srv/app/shared', '/srv/app/.ship'];

describe('createDirectories', () => {
  it('creates only the directories that are missing or owned by someone else, owned by service.user', async () => {
    const h = host({
      'read-directory-state.sh':
        'group deploy\ndir deploy:deploy /srv/app\nmissing - /srv/app/releases\ndir root:root /srv/app/shared\ndir deploy:deploy /srv/app/.ship\nlogin admin\n',
    });
    await setup.createDirectories(h);
    const create = h.ran.find((r) => r.command.argv[0] === 'install')!.command;
    expect(create.argv).toEqual([
      'install',
      '-d',
      '-m',
      '0755',
      '-o',
      'deploy',
      '-g',
      'deploy',
      '--',
      '/srv/app/releases',
      '/srv/app/shared',
    ]);
    expect(setup.setupSummary(h)).toBe('created releases/ shared/');
  });

  it('asks about every directory and changes nothing when all are right', async () => {
    const h = host({ 'read-directory-state.sh': `group deploy\n${DIRS.map((d) => `dir deploy:deploy ${d}`).join('\n')}\nlogin deploy\n` });
    await setup.createDirectories(h);
    expect(h.ran[0]!.command.argv.slice(-4)).toEqual(DIRS);
    expect(h.changes).toEqual([]);
    expect(h.reasons).toEqual(['the directories are there, owned by deploy:deploy']);
    expect(setup.setupSummary(h)).toBe('nothing changed');
  });

  it('a service.user that does not exist: names it and says how to create it', async () => {
    const h = host({ 'read-directory-state.sh': 'no-user\n' });
    const error = await setup.createDirectories(h).catch((e: unknown) => e as Error & { hint?: string });
    expect(error?.message).toBe('web1: service.user "deploy" does not exist on this host');
    expect(error?.hint).toBe('create it: ship exec prod --host web1 -- sudo useradd --create-home deploy');
  });

  it('a stage without service: names hosts.ts and what to add', async () => {
    delete stage.service;
    await expect(setup.createDirectories(host({}))).rejects.toThrow(/stage "prod" has no service in .*hosts\.ts/);
  });
});

describe('installUnit', () => {
  const base = { 'find-tool.sh': '/usr/bin/node\n', 'read-unit-owner.sh': 'missing\n', 'read-file-state.sh': 'missing\n' };

  it('writes the rendered unit through stdin with the program found on the host, and records a daemon-reload for undo', async () => {
    const h = host(base);
    await setup.installUnit(h, 'app.service');
    const install = h.ran.find((r) => r.command.script === 'install-file.sh')!;
    expect(install.command.argv.slice(-4)).toEqual([
      '/etc/systemd/system/app.service',
      '644',
      String(String(install.options.stdin).length),
      'root:root',
    ]);
    expect(String(install.options.stdin)).toContain('ExecStart=/usr/bin/node server.js');
    expect(h.applied.newestFirst()).toEqual([
      { kind: 'command', label: 'reload systemd', command: { argv: ['systemctl', 'daemon-reload'], sudo: true } },
    ]);
    expect(setup.setupSummary(h)).toBe('wrote app.service');
  });

  it('leaves a unit alone that has the same content, mode and owner', async () => {
    const first = host(base);
    await setup.installUnit(first, 'app.service');
    const content = String(first.ran.find((r) => r.command.script === 'install-file.sh')!.options.stdin);
    const h = host({ ...base, 'read-unit-owner.sh': 'ship\n', 'read-file-state.sh': `644 root:root\n${sha(content)}\n` });
    await setup.installUnit(h, 'app.service');
    expect(h.changes).toEqual([]);
    expect(h.reasons).toEqual(['app.service is up to date']);
  });

  it('refuses to overwrite a unit file ship did not write, and says how to get out', async () => {
    const h = host({ ...base, 'read-unit-owner.sh': 'other /etc/systemd/system/app.service\n' });
    await expect(setup.installUnit(h, 'app.service')).rejects.toThrow(
      'web1: /etc/systemd/system/app.service exists and was not written by ship setup; writing it would overwrite it',
    );
    expect(h.changes).toEqual([]);
  });

  it("refuses to shadow a distro's unit of that name elsewhere", async () => {
    const h = host({ ...base, 'read-unit-owner.sh': 'other /lib/systemd/system/app.service\n' });
    await expect(setup.installUnit(h, 'app.service')).rejects.toThrow(/writing \/etc\/systemd\/system\/app\.service would shadow it/);
  });

  it('a program that is not on the host: names it and how to fix service.exec', async () => {
    const h = host({ ...base, 'find-tool.sh': '' });
    await expect(setup.installUnit(h, 'app.service')).rejects.toThrow(/service\.exec: "node" is not installed here/);
    expect(h.changes).toEqual([]);
  });

  it('looks the program up once per host, however many units use it', async () => {
    const h = host(base);
    await setup.installUnit(h, 'app.service');
    await setup.installUnit(h, 'app.service');
    expect(h.ran.filter((r) => r.command.script === 'find-tool.sh')).toHaveLength(1);
  });
});

describe('removeUnit', () => {
  it('does nothing for a unit that is not there', async () => {
    const h = host({ 'read-file-origin.sh': 'missing\n' });
    await setup.removeUnit(h, 'app.socket');
    expect(h.changes).toEqual([]);
    expect(h.applied.newestFirst()).toEqual([]);
    expect(h.reasons).toEqual(['/etc/systemd/system/app.socket is not there']);
  });

  it('leaves a file ship did not write alone, and says so', async () => {
    const h = host({ 'read-file-origin.sh': 'other\n' });
    await setup.removeUnit(h, 'app.socket');
    expect(h.changes).toEqual([]);
    expect(printed).toContain('/etc/systemd/system/app.socket was not written by ship setup; leaving it alone');
  });

  it("disables and removes ship's unit, and stops it only after systemd has reloaded (enableUnits)", async () => {
    const h = host({ 'read-file-origin.sh': 'ship\n', 'systemctl is-active': 'inactive\n' });
    await setup.removeUnit(h, 'app.socket');
    expect(h.changes).toEqual(['systemctl disable -- app.socket', 'rm -f -- /etc/systemd/system/app.socket']);
    await setup.enableUnits(h);
    expect(h.changes.slice(2)).toEqual(['systemctl daemon-reload', 'systemctl stop -- app.socket']);
    expect(setup.setupSummary(h)).toBe('removed app.socket, reloaded systemd');
  });
});

describe('enableUnits', () => {
  const base = { 'find-tool.sh': '/usr/bin/node\n', 'read-unit-owner.sh': 'missing\n', 'read-file-state.sh': 'missing\n' };

  it('reloads after a unit changed, enables what is not enabled, and tells that a running service keeps its old settings', async () => {
    const h = host({ ...base, 'systemctl is-enabled': 'disabled\n', 'systemctl is-active': 'active\n' });
    await setup.installUnit(h, 'app.service');
    await setup.enableUnits(h);
    expect(h.changes.slice(1)).toEqual(['systemctl daemon-reload', 'systemctl enable -- app.service']);
    expect(printed).toContain('app.service is running with its old settings; they apply at its next restart (ship deploy prod)');
    expect(setup.setupSummary(h)).toBe('wrote app.service, reloaded systemd, enabled app.service');
  });

  it('neither reloads nor enables when nothing changed and the unit is enabled', async () => {
    const h = host({ ...base, 'systemctl is-enabled': 'enabled\n' });
    await setup.enableUnits(h);
    expect(h.changes).toEqual([]);
    expect(h.reasons).toEqual(['no unit changed, and every one is on at boot']);
  });

  it('a dry run says what it would do', async () => {
    const h = host({ ...base, 'systemctl is-enabled': 'disabled\n' }, true);
    await setup.installUnit(h, 'app.service');
    await setup.enableUnits(h);
    expect(setup.setupSummary(h)).toBe('would write app.service, reload systemd, enable app.service');
  });
});

describe('uploadEnvFile', () => {
  const SECRET = 'correct-horse-battery-staple';

  it('without service.envFile: nothing to do', async () => {
    const h = host({});
    await setup.uploadEnvFile(h);
    expect(h.ran).toEqual([]);
    expect(h.reasons).toEqual(['no service.envFile in hosts.ts']);
  });

  it('writes shared/.env as service.user through stdin, mode 600; the value is in no command line and no status', async () => {
    const envFile = join(configDir, 'prod.env');
    await writeFile(envFile, `API_KEY=${SECRET}\nPORT=4000\n`);
    stage.service = { ...stage.service!, envFile };
    const h = host({ 'read-directory-state.sh': 'group deploy\nlogin admin\n', 'read-file-state.sh': 'missing\n' });
    await setup.uploadEnvFile(h);
    const install = h.ran.find((r) => r.command.script === 'install-file.sh')!;
    expect(install.command.sudoUser).toBe('deploy');
    expect(install.command.argv.slice(-3)).toEqual(['/srv/app/shared/.env', '600', String((install.options.stdin as Buffer).length)]);
    expect(String(install.options.stdin)).toContain(SECRET);
    expect(install.options.stdinLabel).toBe('(env file: 2 variables)');
    for (const { command } of h.ran) expect(command.argv.join(' ')).not.toContain(SECRET);
    expect(h.statuses.join('\n')).not.toContain(SECRET);
    expect(setup.setupSummary(h)).toBe('wrote shared/.env');
  });

  it('when the SSH user is service.user, writes without sudo', async () => {
    const envFile = join(configDir, 'prod.env');
    await writeFile(envFile, `API_KEY=${SECRET}\n`);
    stage.service = { ...stage.service!, envFile };
    const h = host({ 'read-directory-state.sh': 'group deploy\nlogin deploy\n', 'read-file-state.sh': 'missing\n' });
    await setup.uploadEnvFile(h);
    const install = h.ran.find((r) => r.command.script === 'install-file.sh')!;
    expect(install.command.sudoUser).toBeUndefined();
  });
});

describe('findTemplate', () => {
  it("takes the project's template first, else ship's, and refuses a path as a name", async () => {
    expect(setup.findTemplate(configDir, 'app.service')).toMatch(/recipes[/\\]templates[/\\]app\.service$/);
    expect(() => setup.findTemplate(configDir, '../x')).toThrow(/invalid template name/);
    expect(() => setup.findTemplate(configDir, 'nope.service')).toThrow(/no template "nope.service"/);
  });
});

describe('installTimers and startTimers', () => {
  const withTimers = (hosts: string[]) => {
    const base = { ...stage, hosts };
    return {
      ...base,
      timers: resolveTimers(base, {
        stage: { backup: { run: ['bin/backup', '$HOME'], on: 'daily', once: true }, purge: { run: ['bin/purge'], on: '*-*-* *:00/15' } },
        roles: {},
      }),
    };
  };

  it('checks each calendar on the host, installs the wrapper and both units of each timer; a once timer on the first host only', async () => {
    stage = withTimers(['web1', 'web2']);
    const h = host({
      'read-directory-state.sh': 'group deploy\nlogin deploy\n',
      'read-file-state.sh': 'missing\n',
      'systemctl is-active': 'inactive\n',
    });
    await timerSteps.installTimers(h);
    const calendars = h.ran.filter((r) => r.command.argv[0] === 'systemd-analyze').map((r) => r.command.argv.at(-1));
    expect(calendars).toEqual(['daily', '*-*-* *:00/15']);
    const written = h.ran.filter((r) => r.command.script === 'install-file.sh').map((r) => r.command.argv[4]);
    expect(written).toEqual([
      '/srv/app/.ship/run-job.sh',
      '/etc/systemd/system/app-backup.service',
      '/etc/systemd/system/app-backup.timer',
      '/etc/systemd/system/app-purge.service',
      '/etc/systemd/system/app-purge.timer',
    ]);
    const service = h.ran
      .find((r) => r.command.script === 'install-file.sh' && r.command.argv[4] === '/etc/systemd/system/app-backup.service')!
      .options.stdin!.toString();
    expect(service).toContain('ExecStart=/bin/sh /srv/app/.ship/run-job.sh /srv/app bin/backup "$$HOME"\n');
    expect(service).toContain('User=deploy\n');
    expect(service).toContain('EnvironmentFile=-/srv/app/shared/.env\n');
    const timer = h.ran
      .find((r) => r.command.script === 'install-file.sh' && r.command.argv[4] === '/etc/systemd/system/app-backup.timer')!
      .options.stdin!.toString();
    expect(timer).toContain('OnCalendar=daily\nPersistent=true\nUnit=app-backup.service\n');
    expect(timer).toContain(' of /srv/app, written by ship setup');
    expect(setup.setupSummary(h)).toContain('wrote .ship/run-job.sh, wrote app-backup.service, wrote app-backup.timer');

    await timerSteps.startTimers(h);
    expect(h.changes.filter((c) => c.startsWith('systemctl start'))).toEqual([
      'systemctl start -- app-backup.timer',
      'systemctl start -- app-purge.timer',
    ]);
  });

  it('on a host that is not the first, a once timer is not written, and one ship wrote earlier is removed with its service', async () => {
    stage = withTimers(['web2', 'web1']);
    const h = host({
      'read-directory-state.sh': 'group deploy\nlogin deploy\n',
      'read-file-state.sh': 'missing\n',
      'list-timer-units.sh': 'app-backup.timer\napp-purge.timer\nbad name.timer\n',
      'read-file-origin.sh': 'ship\n',
    });
    await timerSteps.installTimers(h);
    const written = h.ran.filter((r) => r.command.script === 'install-file.sh').map((r) => r.command.argv[4]);
    expect(written).not.toContain('/etc/systemd/system/app-backup.timer');
    expect(h.changes).toContain('systemctl disable -- app-backup.timer');
    expect(h.changes).toContain('rm -f -- /etc/systemd/system/app-backup.timer');
    expect(h.changes).toContain('rm -f -- /etc/systemd/system/app-backup.service');
    expect(h.changes.some((c) => c.includes('purge.timer') && c.startsWith('rm'))).toBe(false);
    expect(h.changes.some((c) => c.includes('bad name'))).toBe(false);
    expect(setup.setupSummary(h)).toContain('removed app-backup.timer, removed app-backup.service');
  });

  it('without timers: asks only which timers ship wrote, and says nothing is needed', async () => {
    const h = host({});
    await timerSteps.installTimers(h);
    expect(h.changes).toEqual([]);
    expect(h.reasons).toEqual(['no timers here, and none left by an earlier setup']);
  });

  it('a calendar systemd cannot read: names the host, the field and the expression, before anything is written', async () => {
    stage = withTimers(['web1']);
    const h = host({ 'systemd-analyze calendar': () => ({ code: 1, stderr: 'Failed to parse calendar specification: daily\n' }) });
    await expect(timerSteps.installTimers(h)).rejects.toThrow(
      /^web1: .*hosts\.ts: stages\.prod\.timers\.backup\.on: systemd cannot read "daily" as a calendar expression \(systemd-analyze calendar: Failed to parse/,
    );
    expect(h.changes).toEqual([]);
  });
});
