/**
 * Scheduled jobs (hosts.ts `timers`) on real hosts: what `ship setup` writes (and its --dry-run
 * plan), a `once` timer on exactly one host, `ship timers` and `ship status`, a failing job's
 * exit code and journal, a deploy while a job runs (the switch waits for the job; the job never
 * sees `current` move), and removal of the timers hosts.ts no longer has.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { onHost, project, REPO, SHIP, ship, writeHosts } from './support.js';

// Names of its own, so this file leaves the hosts as other test files expect them.
const APP = 'timerapp';
const PATH = `/srv/${APP}`;
const PORT = 4471;
const HOSTS = ['h1', 'h2'];
const UNITS = '/etc/systemd/system';

/** The job that holds: records where `current` points, waits for `shared/go` (at most 120 s), records again. */
const HOLD_JOB = [
  'log=../../shared/hold.log',
  'echo "start $(readlink ../../current) $(pwd -P)" >> "$log"',
  'i=0; while [ ! -e ../../shared/go ] && [ "$i" -lt 1200 ]; do sleep 0.1; i=$((i+1)); done',
  'echo "end $(readlink ../../current)" >> "$log"',
].join('\n');

type Timers = Record<string, { run: string[]; on: string; once?: boolean }>;

const TIMERS: Timers = {
  stamp: { run: ['sh', '-c', 'echo "stamp $(hostname) $MSG" > ../../shared/stamp; echo stamped'], on: 'hourly', once: true },
  tick: { run: ['sh', '-c', 'echo tick >> ../../shared/ticks; echo "ticked on $(hostname)"'], on: '*-*-* *:00/15' },
  broken: { run: ['sh', '-c', 'echo broken-job-output >&2; exit 3'], on: 'daily' },
  hold: { run: ['sh', 'hold.sh'], on: 'daily', once: true },
};

function config(timers: Timers, hosts = HOSTS) {
  return {
    app: APP,
    build: { run: ['sh', 'build.sh'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(PORT), MSG: 'from-env 100%' } },
    stages: {
      prod: { hosts, path: PATH, timers, health: { url: `http://127.0.0.1:${PORT}/health`, timeout: 20 } },
    },
  };
}

let dir: string;
const run = (args: string[], env: Record<string, string> = {}) => ship(args, { cwd: dir, env, timeoutMs: 200_000 });
const exists = async (host: string, path: string) => (await onHost(host, `test -e ${path} && echo yes || echo no`)).trim() === 'yes';

/** Poll `check` on the host until it prints something, at most `seconds` (the deadline fails the test). */
async function until(host: string, check: string, what: string, seconds = 120): Promise<string> {
  for (let i = 0; i < seconds * 5; i++) {
    const out = (await onHost(host, check, { reject: false })).trim();
    if (out !== '') return out;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${host}: ${what} did not happen within ${seconds} s`);
}

beforeAll(async () => {
  const build = await readFile(join(REPO, 'test/e2e/fixtures/app/build.sh'), 'utf8');
  dir = await project(config(TIMERS), {
    'server.js': await readFile(join(REPO, 'test/e2e/fixtures/app/server.js'), 'utf8'),
    // The test app's build, plus the hold job in every release.
    'build.sh': `${build}\ncp hold.sh dist/hold.sh\n`,
    'hold.sh': `${HOLD_JOB}\n`,
  });
  await Promise.all(HOSTS.map((h) => onHost(h, `sudo rm -rf ${PATH}`, { reject: false })));
});

afterAll(async () => {
  await Promise.all(
    ['h1', 'h2'].map((h) =>
      onHost(
        h,
        [
          `for u in ${UNITS}/${APP}*.timer ${UNITS}/${APP}*.service; do [ -e "$u" ] && sudo systemctl disable --now "\${u##*/}" 2>/dev/null; done`,
          `sudo rm -f ${UNITS}/${APP}*.timer ${UNITS}/${APP}*.service`,
          'sudo systemctl daemon-reload',
          `sudo rm -rf ${PATH}`,
        ].join('; '),
        { reject: false },
      ),
    ),
  );
});

describe('timers', () => {
  it('setup --dry-run plans the timer files: each job on its hosts, a once job on the first host only', async () => {
    const r = await run(['setup', 'prod', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const h1 = r.stdout.split('\n').filter((l) => l.startsWith('h1 '));
    const h2 = r.stdout.split('\n').filter((l) => l.startsWith('h2 '));
    for (const name of ['stamp', 'tick', 'broken', 'hold']) {
      expect(h1.join('\n')).toMatch(
        new RegExp(`install-file\\.sh ${UNITS}/${APP}-${name}\\.timer .* < ${APP}-${name}\\.timer from \\S*recipes/templates/job\\.timer`),
      );
      expect(h1.join('\n')).toMatch(new RegExp(`< ${APP}-${name}\\.service from \\S*recipes/templates/job\\.service`));
    }
    expect(h2.join('\n')).toContain(`${APP}-tick.timer from`);
    expect(h2.join('\n')).not.toContain(`${APP}-stamp`);
    expect(h2.join('\n')).not.toContain(`${APP}-hold`);
    for (const h of HOSTS) expect(await exists(h, `${UNITS}/${APP}-tick.timer`)).toBe(false);
  });

  it('setup writes the units, starts the timers, and a second setup changes nothing', async () => {
    const r = await run(['setup', 'prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(await exists('h1', `${UNITS}/${APP}-stamp.timer`)).toBe(true);
    expect(await exists('h2', `${UNITS}/${APP}-stamp.timer`)).toBe(false);
    for (const h of HOSTS) {
      expect((await onHost(h, `systemctl is-active ${APP}-tick.timer`)).trim()).toBe('active');
      expect((await onHost(h, `systemctl is-enabled ${APP}-tick.timer`)).trim()).toBe('enabled');
      const unit = await onHost(h, `cat ${UNITS}/${APP}-tick.timer`);
      expect(unit).toContain('Persistent=true');
      expect(unit).toContain('OnCalendar=*-*-* *:00/15');
    }
    const again = await run(['setup', 'prod']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('h1: nothing changed');
    expect(again.stdout).toContain('h2: nothing changed');
  });

  it('a once timer runs on exactly one host, with the env, and shows in ship timers and ship status', async () => {
    const deployed = await run(['deploy', 'prod'], { APP_VERSION: 'v1' });
    expect(deployed.code, deployed.stderr).toBe(0);
    const r = await run(['timers', 'prod', 'run', 'stamp']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('h1 | stamped');
    expect(r.stdout).not.toContain('h2 |');
    expect((await onHost('h1', `cat ${PATH}/shared/stamp`)).trim()).toBe('stamp h1 from-env 100%');
    expect(await exists('h2', `${PATH}/shared/stamp`)).toBe(false);

    const tick = await run(['timers', 'prod', 'run', 'tick']);
    expect(tick.code, tick.stderr).toBe(0);
    for (const h of HOSTS) expect(tick.stdout).toContain(`${h} | ticked on ${h}`);

    const list = await run(['timers', 'prod', '--json']);
    const events = list.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.type === 'timer');
    const stamp = events.filter((e) => e.name === 'stamp');
    expect(stamp.map((e) => e.host)).toEqual(['h1']);
    expect(stamp[0]).toMatchObject({ result: 'ok', once: 'h1', on: 'hourly' });
    expect(stamp[0]!.lastRun).toEqual(expect.any(String));
    expect(stamp[0]!.nextRun).toEqual(expect.any(String));

    const status = await run(['status', 'prod']);
    expect(status.stdout).toMatch(/h1 {2}timer stamp {2}\[hourly\] {2}once \(on h1\) {2}last: ok at /);
    expect(status.stdout).not.toMatch(/h2 {2}timer stamp/);
    expect(status.stdout).toMatch(/h2 {2}timer tick {2}\[\*-\*-\* \*:00\/15\] {2}last: ok at .* next: \S/);
  });

  it('a failing job: exit 1 naming each host with its journal tail, and ship status says so', async () => {
    const r = await run(['timers', 'prod', 'run', 'broken']);
    expect(r.code).toBe(1);
    for (const h of HOSTS) {
      expect(r.stderr).toMatch(new RegExp(`failed: ${h}: timer broken failed \\(systemctl start ${APP}-broken.service exited \\d+\\)`));
    }
    expect(r.stderr).toContain('broken-job-output');
    const status = await run(['status', 'prod']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/h1 {2}timer broken .*last: failed \(exit-code, status 3\)/);
  });

  it('a deploy while a job runs: the switch waits for the job, and the job never sees current move', async () => {
    const before = (await onHost('h1', `readlink ${PATH}/current`)).trim();
    const job = run(['timers', 'prod', 'run', 'hold']);
    await until('h1', `grep '^start ' ${PATH}/shared/hold.log 2>/dev/null`, 'the hold job starting');
    const deploy = run(['deploy', 'prod'], { APP_VERSION: 'v2' });
    // The deploy is at h1's switch and waiting for the job: its flock is there, current unchanged.
    await until('h1', "pgrep -fx 'flock -x -w 300 8'", "the deploy's switch waiting for the job");
    expect((await onHost('h1', `readlink ${PATH}/current`)).trim()).toBe(before);
    await onHost('h1', `touch ${PATH}/shared/go`);
    const [jobResult, deployResult] = await Promise.all([job, deploy]);
    expect(jobResult.code, jobResult.stderr).toBe(0);
    expect(deployResult.code, deployResult.stderr).toBe(0);
    const log = (await onHost('h1', `cat ${PATH}/shared/hold.log`)).trim().split('\n');
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(new RegExp(`^start ${before} ${PATH}/${before}$`));
    expect(log[1]).toBe(`end ${before}`);
    const after = (await onHost('h1', `readlink ${PATH}/current`)).trim();
    expect(after).not.toBe(before);
    expect((await onHost('h1', `cat ${PATH}/current/VERSION`)).trim()).toBe('v2');
  });

  it('Ctrl-C stops waiting for a job (exit 130) and leaves the job running', async () => {
    await onHost('h1', `rm -f ${PATH}/shared/go ${PATH}/shared/hold.log`);
    const child = execa('node', [SHIP, 'timers', 'prod', 'run', 'hold'], {
      cwd: dir,
      reject: false,
      env: { SHIP_NO_COLOR: '1' },
      stdin: 'ignore',
      timeout: 200_000,
    });
    await until('h1', `grep '^start ' ${PATH}/shared/hold.log 2>/dev/null`, 'the hold job starting');
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toContain('stopped waiting for timer hold');
    expect((await onHost('h1', `systemctl is-active ${APP}-hold.service`, { reject: false })).trim()).toBe('activating');
    await onHost('h1', `touch ${PATH}/shared/go`);
    await until('h1', `grep '^end ' ${PATH}/shared/hold.log 2>/dev/null`, 'the hold job ending');
  });

  it('a calendar expression systemd cannot read stops setup, naming the timer', async () => {
    await writeHosts(dir, config({ ...TIMERS, tick: { ...TIMERS.tick!, on: 'every full moon' } }));
    const r = await run(['setup', 'prod']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('stages.prod.timers.tick.on: systemd cannot read "every full moon" as a calendar expression');
  });

  it('removing timers from hosts.ts removes their units at the next setup; a once timer moves with the host order', async () => {
    const { broken: _b, hold: _h, ...kept } = TIMERS;
    await writeHosts(dir, config(kept, ['h2', 'h1']));
    const r = await run(['setup', 'prod']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) {
      for (const name of ['broken', 'hold']) {
        expect(await exists(h, `${UNITS}/${APP}-${name}.timer`)).toBe(false);
        expect(await exists(h, `${UNITS}/${APP}-${name}.service`)).toBe(false);
      }
      expect((await onHost(h, `systemctl is-active ${APP}-tick.timer`)).trim()).toBe('active');
    }
    expect(await exists('h1', `${UNITS}/${APP}-stamp.timer`)).toBe(false);
    expect(await exists('h2', `${UNITS}/${APP}-stamp.timer`)).toBe(true);
    const states = (await onHost('h1', `systemctl is-active ${APP}-broken.timer ${APP}-stamp.timer ${APP}-hold.timer`, { reject: false }))
      .trim()
      .split('\n');
    expect(states).toHaveLength(3);
    for (const state of states) expect(state).not.toBe('active');
    expect(r.stdout).toMatch(/h1: .*removed timerapp-broken\.timer/);
  });
});
