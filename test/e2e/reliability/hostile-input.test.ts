/**
 * Hostile input: names, paths, release names, shared entries, environment values and hosts
 * with spaces, quotes, $(...), backticks, ;, newlines and leading dashes. Each is either
 * refused by validation with one clear paragraph naming the field (exit 2, no stack trace), or
 * reaches the hosts as exactly the value written, never as shell syntax. Every hostile value
 * that could run something tries to create a marker file; none may exist afterwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onHost, project, ship } from '../support.js';
import { App, expectNoSecretsPrinted, expectNoStack } from './support.js';

const HOSTS = ['h1', 'h2'];
const MARK = `/tmp/pwned-${randomBytes(3).toString('hex')}`;
// Each of these runs `touch MARK` if any shell ever evaluates it.
const INJECTIONS = [
  `$(touch ${MARK})`,
  `\`touch ${MARK}\``,
  `x; touch ${MARK}`,
  `x\ntouch ${MARK}`,
  `x && touch ${MARK}`,
  `x | touch ${MARK}`,
];

async function expectNoMarker(): Promise<void> {
  expect(existsSync(MARK), `${MARK} was created on this machine`).toBe(false);
  for (const h of ['h1', 'h2', 'h3']) {
    expect(
      (await onHost(h, `ls ${MARK} 2>/dev/null; sudo ls /tmp/systemd-private-*/tmp/${MARK.slice(5)} 2>/dev/null; true`)).trim(),
      `${MARK} on ${h}`,
    ).toBe('');
  }
}

const base = {
  app: 'relhostile',
  build: { run: ['sh', 'build.sh'], dir: 'dist' },
  stages: { prod: { hosts: ['h1'], path: '/srv/relhostile' } },
};

/** Run a read-only command against a hosts.ts built from `config`; it must fail validation. */
async function refused(config: Record<string, unknown>): Promise<string> {
  const dir = await project(config);
  const r = await ship(['lock', 'status', 'prod'], { cwd: dir });
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expectNoStack(r.stderr);
  // One paragraph: no blank lines, starts with the error.
  expect(r.stderr.trim()).toMatch(/^error: hosts\.ts: /);
  expect(r.stderr.trim()).not.toMatch(/\n\s*\n/);
  return r.stderr;
}

/** The value as the error message quotes it (JSON, cut at 80 characters). */
const quoted = (value: string) => {
  const q = JSON.stringify(value);
  return q.length > 80 ? q.slice(0, 76) : q;
};

describe('refused by validation: one paragraph naming the field and the value', () => {
  it('app names', async () => {
    const values = ['hel lo', '$(id)', '`id`', 'a;b', 'a\nb', '-rf', "it's", 'Hello'];
    const errors = await Promise.all(values.map((app) => refused({ ...base, app })));
    errors.forEach((e, i) =>
      expect(e).toContain(
        `hosts.ts: app: expected lowercase letters, digits, - and _, starting with a letter or digit, at most 63 characters, got ${quoted(values[i]!)}`,
      ),
    );
  });

  it('deploy paths, units and hosts (one stage per value, all reported at once)', async () => {
    const paths = ['/srv/a b', '/srv/$(id)', '/srv/`id`', '/srv/a;b', '/srv/a\nb', '-rf', 'srv/rel', '/srv/../etc', "/srv/it's", '/'];
    const units = ['a b', '$(id)', '-rf', 'a;b', 'a\nb', '`id`'];
    const hosts = ['h 1', '$(id)', '`id`', 'h1;id', 'h1\nid', '-oProxyCommand=id', "h'1", 'deploy@h1 -p 2', ''];
    const stages: Record<string, unknown> = {};
    paths.forEach((path, i) => (stages[`p${i}`] = { hosts: ['h1'], path }));
    units.forEach((unit, i) => (stages[`u${i}`] = { hosts: ['h1'], path: '/srv/x', unit }));
    stages.hosts = { hosts, path: '/srv/x' };
    const e = await refused({ ...base, stages });
    paths.forEach((path, i) =>
      expect(e).toMatch(new RegExp(`^(?:error: )?hosts\\.ts: stages\\.p${i}\\.path: .*, got ${escape(quoted(path))}$`, 'm')),
    );
    units.forEach((unit, i) =>
      expect(e).toMatch(
        new RegExp(`^(?:error: )?hosts\\.ts: stages\\.u${i}\\.unit: expected a systemd unit name .*, got ${escape(quoted(unit))}$`, 'm'),
      ),
    );
    hosts.forEach((host, i) =>
      expect(e).toMatch(new RegExp(`^(?:error: )?hosts\\.ts: stages\\.hosts\\.hosts\\[${i}\\]: .*, got ${escape(quoted(host))}$`, 'm')),
    );
    // Say why, in the user's terms.
    expect(e).toContain('stages.hosts.hosts[5]: starts with "-", which ssh would read as an option');
    expect(e).toContain('stages.p1.path: contains "$"');
    expect(e).toContain('stages.p4.path: contains a newline');
  });

  it('shared entries, environment names and values, service user', async () => {
    const shared = ['$(id)', '`id`', 'a b', 'a;b', 'a\nb', '../etc', '/etc/passwd', "it's", 'a//b'];
    const e = await refused({
      ...base,
      service: { exec: 'node server.js', user: '$(id)', env: { 'A B': 'x', '$(id)': 'x', NEWLINE: `x\ntouch ${MARK}`, CR: 'x\ry' } },
      stages: { prod: { hosts: ['h1'], path: '/srv/x', shared } },
    });
    shared.forEach((entry, i) =>
      expect(e).toMatch(new RegExp(`^(?:error: )?hosts\\.ts: stages\\.prod\\.shared\\[${i}\\]: .*, got ${escape(quoted(entry))}$`, 'm')),
    );
    expect(e).toMatch(/^(?:error: )?hosts\.ts: service\.user: expected a unix user name .*, got "\$\(id\)"$/m);
    expect(e).toMatch(/^(?:error: )?hosts\.ts: service\.env\["A B"\]: not a valid variable name/m);
    expect(e).toMatch(/^(?:error: )?hosts\.ts: service\.env\["\$\(id\)"\]: not a valid variable name/m);
    expect(e).toMatch(/^(?:error: )?hosts\.ts: service\.env\.NEWLINE: contains a newline; it must fit on one line/m);
    expect(e).toMatch(/^(?:error: )?hosts\.ts: service\.env\.CR: contains a carriage return/m);
  });

  it('stage names, --host and recipe names on the command line', async () => {
    const dir = await project(base);
    const checks: Array<[string[], RegExp]> = [
      [['lock', 'status', '$(id)'], /error: .*no stage "\$\(id\)"|error: .*stage.*\$\(id\)/],
      [['lock', 'status', 'prod', '--host', `$(touch ${MARK})`], /--host \$\(touch .*\): not a host of stage "prod"/],
      [['run', 'prod', '../../etc/passwd'], /invalid recipe name "\.\.\/\.\.\/etc\/passwd"/],
      [['run', 'prod', `x;touch ${MARK}`], /invalid recipe name/],
    ];
    const results = await Promise.all(checks.map(([args]) => ship(args, { cwd: dir })));
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(checks[i]![1]);
      expectNoStack(r.stderr);
    });
  });
});

describe('accepted and handled safely on real hosts', () => {
  let app: App;
  // Values systemd must hand to the app exactly as written in hosts.ts.
  const env: Record<string, string> = {
    HOSTILE_QUOTES: `it's "quoted" and 'single'`,
    HOSTILE_SUBST: INJECTIONS[0]!,
    HOSTILE_BACKTICK: INJECTIONS[1]!,
    HOSTILE_SEMI: INJECTIONS[2]!,
    HOSTILE_AND: INJECTIONS[4]!,
    HOSTILE_SPACES: '  leading and trailing  ',
    HOSTILE_DASH: '-rf --help',
    HOSTILE_PERCENT: '100% %h %n %%',
    HOSTILE_BACKSLASH: 'C:\\path\\n\\x41\\',
    HOSTILE_DOLLAR: '$HOME ${PATH} $1',
    HOSTILE_TAB: 'a\tb',
    HOSTILE_UNICODE: 'ünïcödé ✓ 日本',
    HOSTILE_EMPTY: '',
    HOSTILE_CONTROL: 'bell\x07 escape\x1b[0m',
  };

  beforeAll(async () => {
    app = await App.create({
      name: 'relhostile',
      port: 4331,
      hosts: HOSTS,
      healthTimeout: 5,
      service: { env: { PORT: '4331', ...env } },
      // Leading dashes and odd but legal characters in shared entries.
      stage: { shared: ['.env', '-rf', '--help/', 'a+b@c.d', '-n/-x'] },
    });
    await app.setup();
  });

  afterAll(async () => {
    await expectNoSecretsPrinted([app]);
    await app.remove();
    await expectNoMarker();
  });

  it('environment values reach the app byte for byte through hosts.ts, the unit file and systemd', async () => {
    const r = await app.deploy('v1');
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) {
      const seen = JSON.parse(
        await onHost(h, `node -e "require('http').get('http://127.0.0.1:4331/env',r=>r.pipe(process.stdout))"`),
      ) as Record<string, string>;
      expect(seen).toEqual(env);
    }
    await expectNoMarker();
  });

  it('shared entries with leading dashes are linked as files and directories, nothing else', async () => {
    for (const h of HOSTS) {
      const links = await onHost(
        h,
        `cd ${app.path}/current && for e in ./-rf ./--help ./a+b@c.d ./-n/-x; do printf '%s -> %s\\n' "$e" "$(readlink -- "$e")"; done; ls -A ${app.path}/shared`,
      );
      expect(links.split('\n')).toEqual([
        `./-rf -> ${app.path}/shared/-rf`,
        `./--help -> ${app.path}/shared/--help`,
        `./a+b@c.d -> ${app.path}/shared/a+b@c.d`,
        `./-n/-x -> ${app.path}/shared/-n/-x`,
        '--help',
        '-n',
        '-rf',
        '.env',
        'a+b@c.d',
      ]);
    }
  });

  it('ship exec passes every argument as one word, exactly', async () => {
    const args = ['a b', "it's", 'say "hi"', '-n', '--', '', '*', '~', '$HOME', ...INJECTIONS];
    const r = await app.ship(['exec', 'prod', '--', 'printf', '[%s]\\n', ...args]);
    expect(r.code, r.stderr).toBe(0);
    const expected = args
      .map((a) => `[${a}]`)
      .join('\n')
      .split('\n');
    for (const h of HOSTS)
      expect(
        r.stdout
          .split('\n')
          .filter((l) => l.startsWith(`${h} | `))
          .map((l) => l.slice(5)),
      ).toEqual(expected);
    await expectNoMarker();
  });

  it('ship rollback with a hostile release name refuses it and changes nothing', async () => {
    const ok = await app.deploy('v2');
    expect(ok.code, ok.stderr).toBe(0);
    const before = await app.states();
    // A leading dash is an option to the command line: refused as such, or passed after --.
    const dashed = await app.ship(['rollback', 'prod', '-rf']);
    expect(dashed.code).toBe(2);
    expect(dashed.stderr).toContain("error: unknown option '-rf'");
    const names = ['$(id)', '../../../etc', '-rf', "a b'c", '.partial-x', INJECTIONS[1]!, INJECTIONS[3]!];
    for (const name of names) {
      const r = await app.ship(['rollback', 'prod', '--', name]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      // (A newline in the name continues the message on an indented line.)
      expect(r.stderr).toContain(`h1: no release ${name.split('\n')[0]}`);
      expect(r.stderr).toContain('next: list them with: ship releases prod');
      expectNoStack(r.stderr);
    }
    const after = await app.states();
    after.forEach((s, i) => {
      expect(s.current).toBe(before[i]!.current);
      expect(s.releases).toEqual(before[i]!.releases);
      expect(s.lock).toBe('');
      expect(s.answer).toBe('v2');
    });
    await expectNoMarker();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
