/**
 * Fleets, on a lab of its own with ten hosts (f1 to f10), booted here so the rest of the suite
 * keeps its small lab: rolling batches and their fleet-wide undo, roles with two units, a
 * run-once migration, hooks, `--ref`, `--artifact`, `requireClean` and `ship status`.
 *
 * Everything asserted is a property of the hosts afterwards (which release is current, what
 * answers, whether a unit was restarted: its InvocationID, which systemd renews on every start),
 * never how long something took.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, stopLab, type Lab } from '../hosts/lab.js';
import { LAB_ID } from '../hosts/global-setup.js';
import { SHIP, writeHosts } from './support.js';
import { App, appConfig, expectNoSecretsPrinted, printed, SECRETS, type AppSpec, type HostState } from './reliability/support.js';

// A lab of its own, numbered from the run's, so two runs (CI is lab 1) never share one.
const FLEET_LAB = LAB_ID + 100;
const HOSTS = Array.from({ length: 10 }, (_, i) => `f${i + 1}`);
const RELEASE_ID = /release (\d{8}T\d{6}Z-[0-9a-f]{6}):/;
let fleet: Lab;
const apps: App[] = [];

beforeAll(async () => {
  // No skip: a lab that cannot boot fails this file and says why.
  fleet = await startLab({ id: FLEET_LAB, hosts: HOSTS, log: (line) => process.stderr.write(`fleet lab: ${line}\n`) });
}, 300_000);

afterAll(async () => {
  try {
    if (apps.length > 0) await expectNoSecretsPrinted(apps);
  } finally {
    if (process.env.SHIP_KEEP_LAB !== '1') await stopLab(FLEET_LAB);
  }
}, 120_000);

async function newApp(spec: Omit<AppSpec, 'lab'>): Promise<App> {
  const app = await App.create({ ...spec, lab: fleet });
  apps.push(app);
  return app;
}

/** recipes/<name>.ts in the app's project, importing recipe from ship-deploy. */
async function writeRecipe(app: App, name: string, lines: string[]): Promise<void> {
  await mkdir(join(app.dir, 'recipes'), { recursive: true });
  await writeFile(join(app.dir, 'recipes', `${name}.ts`), ["import { recipe } from 'ship-deploy';", ...lines, ''].join('\n'));
}

/** Each host's InvocationID of `unit`: a new one means systemd started the unit again. */
async function invocations(app: App, unit: string, hosts = app.hosts): Promise<Map<string, string>> {
  const ids = await Promise.all(
    hosts.map(async (h) => [h, (await app.onHost(h, `systemctl show -p InvocationID --value ${unit}`)).trim()] as const),
  );
  return new Map(ids);
}

/** When each host's unit last became active, in µs of the (one, shared) monotonic clock. */
async function activeSince(app: App, unit: string, hosts = app.hosts): Promise<Map<string, number>> {
  const times = await Promise.all(
    hosts.map(
      async (h) => [h, Number((await app.onHost(h, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`)).trim())] as const,
    ),
  );
  return new Map(times);
}

function expectAllOn(states: HostState[], release: string, version: string): void {
  for (const s of states) {
    expect(s.current, `${s.host} current`).toBe(release);
    expect(s.answer, `${s.host} answers`).toBe(version);
    expect(s.complete, `${s.host} complete`).toBe(true);
    expect(s.lock, `${s.host} lock`).toBe('');
    expect(s.leftovers, `${s.host} leftovers`).toEqual([]);
  }
}

describe('rolling deploys in batches of 2 to ten hosts', () => {
  let app: App;
  let good: HostState;

  beforeAll(async () => {
    app = await newApp({ name: 'fleetroll', port: 4401, hosts: HOSTS, stage: { rollout: { batch: 2 } } });
    await app.setup();
    const r = await app.deploy('v1');
    expect(r.code, r.stderr).toBe(0);
    good = await app.state('f1');
    expectAllOn(await app.states(), good.current, 'v1');
  });

  it('a release that fails only on the third host: every switched host is back on the old release and healthy, later batches were never restarted, exit 1', async () => {
    const before = await invocations(app, app.name);
    const r = await app.deploy('v2', { APP_FAIL_ON_HOST: 'f3' });
    expect(r.code, r.stderr).toBe(1);
    const id = RELEASE_ID.exec(r.stdout)![1]!;
    expect(r.stdout).toMatch(/^batch 1\/5: f1, f2$/m);
    expect(r.stdout).toMatch(/^batch 2\/5: f3, f4$/m);
    expect(r.stdout).not.toMatch(/^batch 3\/5/m);
    expect(r.stderr).toMatch(/f3: health check failed/);
    expect(r.stderr).toContain('version v2 refuses to start on f3 (FAIL_ON_HOST)');
    for (const h of ['f1', 'f2', 'f4']) expect(r.stderr).toMatch(new RegExp(`${h} +\\| rolled back to ${good.current}; it is healthy`));

    const after = await app.states();
    expectAllOn(after, good.current, 'v1');
    for (const s of after) expect(s.releases, `${s.host} releases`).not.toContain(id);
    const now = await invocations(app, app.name);
    // The first batch ran v2 (healthy), and was switched back when the second batch failed.
    for (const h of ['f1', 'f2']) {
      const mine = after
        .find((s) => s.host === h)!
        .log.filter((e) => e.release === id)
        .map((e) => e.result);
      expect(mine, `${h} release log`).toEqual(['ok', 'failed']);
      expect(now.get(h), `${h} restarted`).not.toBe(before.get(h));
    }
    // Later batches had the release (phase 1), never ran it: never restarted, logged failed only.
    for (const h of HOSTS.slice(4)) {
      expect(now.get(h), `${h} was restarted`).toBe(before.get(h));
      expect(
        after
          .find((s) => s.host === h)!
          .log.filter((e) => e.release === id)
          .map((e) => e.result),
        `${h} release log`,
      ).toEqual(['failed']);
    }
  });

  it('a good release: a canary, then batches of --batch 3, each healthy before the next starts', async () => {
    await writeHosts(app.dir, appConfig({ ...app.spec, stage: { rollout: { canary: 1, batch: 2, pause: 1 } } }), fleet);
    const r = await app.deploy('v3', {}, ['--batch', '3']);
    expect(r.code, r.stderr).toBe(0);
    const batches = [['f1'], ['f2', 'f3', 'f4'], ['f5', 'f6', 'f7'], ['f8', 'f9', 'f10']];
    batches.forEach((hosts, i) => expect(r.stdout).toContain(`batch ${i + 1}/4: ${hosts.join(', ')}`));
    expect(r.stdout).toMatch(/^pause 1 s before batch 2\/4$/m);
    const id = RELEASE_ID.exec(r.stdout)![1]!;
    expectAllOn(await app.states(), id, 'v3');
    // Every host of a batch was started after every host of the batch before it.
    const since = await activeSince(app, app.name);
    for (let i = 1; i < batches.length; i++) {
      const earlier = Math.max(...batches[i - 1]!.map((h) => since.get(h)!));
      for (const h of batches[i]!) expect(since.get(h)!, `${h} started before batch ${i} was done`).toBeGreaterThan(earlier);
    }
  });

  it('rollback goes back in the same batches', async () => {
    const r = await app.ship(['rollback', 'prod', '--batch', '5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('batch 1/3: f1');
    expect(r.stdout).toContain('batch 2/3: f2, f3, f4, f5, f6');
    expect(r.stdout).toContain('batch 3/3: f7, f8, f9, f10');
    expectAllOn(await app.states(), good.current, 'v1');
  });

  it('a recipes/deploy.ts copied before batches existed still deploys (all at once) and is pointed out', async () => {
    await writeRecipe(app, 'deploy', [
      "export default recipe('deploy', async ({ stage, local, hosts }) => {",
      '  const tarball = await local.buildRelease();',
      '  await hosts.each(async (host) => { await host.lock(); await host.upload(tarball); await host.linkShared(); });',
      "  await hosts.each(async (host) => { await host.switchCurrent(); await host.systemctl('restart', stage.unit); await host.healthcheck(); await host.logRelease('ok'); await host.cleanup(); await host.unlock(); });",
      '});',
    ]);
    const r = await app.deploy('old-recipe');
    await rm(join(app.dir, 'recipes'), { recursive: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^batch /m);
    expect(r.stderr).toMatch(/recipes\/deploy\.ts never calls hosts\.rollout\(\), so rollout \(or --batch\) did nothing/);
    for (const s of await app.states()) expect(s.answer).toBe('old-recipe');
  });

  it('refuses a batch that is not a number of hosts or a share', async () => {
    const r = await app.ship(['deploy', 'prod', '--batch', 'half']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batch');
    await writeHosts(app.dir, appConfig({ ...app.spec, stage: { rollout: { batch: '150%' } } }), fleet);
    const bad = await app.ship(['deploy', 'prod']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('stages.prod.rollout.batch');
  });
});

describe('roles: web hosts and worker hosts with units of their own', () => {
  let app: App;
  const WORKER_PORT = 4412;
  const roleHosts = ['f1', 'f2', 'f3', 'f4'];

  beforeAll(async () => {
    app = await newApp({
      name: 'fleetrole',
      port: 4411,
      hosts: roleHosts,
      stage: {
        hosts: ['f1', 'f2', { host: 'f3', roles: ['worker'] }, { host: 'f4', roles: ['app', 'worker'] }],
        roles: { worker: { unit: 'fleetrole-worker', service: { env: { PORT: String(WORKER_PORT) } } } },
      },
    });
    await Promise.all(
      roleHosts.map((h) =>
        app.onHost(
          h,
          'sudo systemctl disable --now fleetrole-worker.service 2>/dev/null; sudo rm -f /etc/systemd/system/fleetrole-worker.service',
          { reject: false },
        ),
      ),
    );
    await app.setup();
  });

  const units = async (h: string) => (await app.onHost(h, 'ls /etc/systemd/system | grep "^fleetrole" | sort | tr "\\n" " "')).trim();
  const answers = (h: string, port: number) =>
    app
      .onHost(
        h,
        `timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && tail -n 1 <&3' 2>/dev/null || echo ERR`,
      )
      .then((s) => s.trim());

  it("ship setup writes each role's unit on the hosts of that role only", async () => {
    expect(await units('f1')).toBe('fleetrole.service');
    expect(await units('f3')).toBe('fleetrole-worker.service');
    expect(await units('f4')).toBe('fleetrole-worker.service fleetrole.service');
    const workerUnit = await app.onHost('f3', 'cat /etc/systemd/system/fleetrole-worker.service');
    expect(workerUnit).toContain(`Environment="PORT=${WORKER_PORT}"`);
    expect(workerUnit).toContain('WorkingDirectory=/srv/fleetrole/current');
  });

  it('a deploy restarts every unit of every host; --role worker deploys to the worker hosts only', async () => {
    const r = await app.deploy('r1');
    expect(r.code, r.stderr).toBe(0);
    expect(await answers('f1', 4411)).toBe('r1');
    expect(await answers('f3', WORKER_PORT)).toBe('r1');
    expect(await answers('f3', 4411)).toBe('ERR');
    expect(await answers('f4', 4411)).toBe('r1');
    expect(await answers('f4', WORKER_PORT)).toBe('r1');

    const web = await invocations(app, 'fleetrole', ['f1', 'f2']);
    const before = await app.states();
    const w = await app.ship(['deploy', 'prod', '--role', 'worker'], { APP_VERSION: 'r2' });
    expect(w.code, w.stderr).toBe(0);
    expect(await answers('f3', WORKER_PORT)).toBe('r2');
    // f4 carries both roles and one `current`: both of its units run the new release.
    expect(await answers('f4', WORKER_PORT)).toBe('r2');
    expect(await answers('f4', 4411)).toBe('r2');
    // The web-only hosts were not touched.
    expect(await answers('f1', 4411)).toBe('r1');
    expect((await app.state('f1')).current).toBe(before[0]!.current);
    expect(await invocations(app, 'fleetrole', ['f1', 'f2'])).toEqual(web);

    const unknown = await app.ship(['deploy', 'prod', '--role', 'wrker']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--role wrker: not a role of stage "prod"[\s\S]*roles of prod: app, worker/);
  });

  it('a recipe selects hosts by role', async () => {
    await writeRecipe(app, 'mark', [
      "export default recipe('mark', async ({ stage, hosts }) => {",
      "  await hosts.withRole('worker').each(async (host) => {",
      "    await host.run(['touch', `${stage.path}/shared/worker-mark`]);",
      '  });',
      '});',
    ]);
    const r = await app.ship(['run', 'prod', 'mark']);
    expect(r.code, r.stderr).toBe(0);
    const marks = await Promise.all(roleHosts.map((h) => app.onHost(h, `test -e ${app.path}/shared/worker-mark && echo yes || echo no`)));
    expect(marks.map((m) => m.trim())).toEqual(['no', 'no', 'yes', 'yes']);
  });
});

describe('a run-once migration', () => {
  let app: App;
  const hosts = HOSTS.slice(0, 4);
  // Runs in releases/<id>: records where it ran, what `current` was then, and fails for "bad".
  const migrate = [
    'sh',
    '-c',
    'echo "$(hostname) $(pwd) $(readlink ../../current)" >> ../../shared/migrations.log; [ "$(cat VERSION)" != bad ]',
  ];

  beforeAll(async () => {
    app = await newApp({ name: 'fleetmig', port: 4421, hosts, stage: { migrate } });
    await app.setup();
  });

  const migrations = async () =>
    (await Promise.all(hosts.map((h) => app.onHost(h, `cat ${app.path}/shared/migrations.log 2>/dev/null || true`)))).flatMap((t) =>
      t.split('\n').filter(Boolean),
    );

  it("runs on exactly one host, in the new release's directory, before any host switched", async () => {
    const first = await app.deploy('m1');
    expect(first.code, first.stderr).toBe(0);
    const before = await app.states();
    const r = await app.deploy('m2');
    expect(r.code, r.stderr).toBe(0);
    const id = RELEASE_ID.exec(r.stdout)![1]!;
    const ran = (await migrations()).slice(1);
    expect(ran).toEqual([`f1 /srv/fleetmig/releases/${id} releases/${before[0]!.current}`]);
  });

  it('a failing migration leaves every host untouched: current, the running unit, no new release; exit 1', async () => {
    const before = await app.states();
    const started = await invocations(app, app.name);
    const count = (await migrations()).length;
    const r = await app.deploy('bad');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/f1: .*command failed/);
    const id = RELEASE_ID.exec(r.stdout)![1]!;
    expect(await migrations()).toHaveLength(count + 1);
    const after = await app.states();
    after.forEach((s, i) => {
      expect(s.current, s.host).toBe(before[i]!.current);
      expect(s.answer, s.host).toBe('m2');
      expect(s.lock, s.host).toBe('');
      expect(s.releases, s.host).not.toContain(id);
      expect(s.leftovers, s.host).toEqual([]);
    });
    expect(await invocations(app, app.name)).toEqual(started);
  });
});

describe('hooks run here, around a deploy', () => {
  let app: App;
  const hosts = ['f5', 'f6'];
  const record = (name: string) => ['sh', '-c', `env | grep ^SHIP_ | sort > hook-${name}.env; cat .env.prod`];
  const hooks = { before: record('before'), after: record('after'), failed: record('failed') };

  beforeAll(async () => {
    app = await newApp({ name: 'fleethook', port: 4431, hosts, stage: { hooks } });
    await gitCommit(app.dir);
    await app.setup();
  });

  const env = async (name: string) =>
    Object.fromEntries(
      (await readFile(join(app.dir, `hook-${name}.env`), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  const hookFiles = async () => (await readdir(app.dir)).filter((f) => f.startsWith('hook-')).sort();
  const clear = () => execa('sh', ['-c', 'rm -f hook-*.env'], { cwd: app.dir });

  it('before and after receive stage, release, commit, hosts and the result; their output is redacted', async () => {
    const r = await app.deploy('h1');
    expect(r.code, r.stderr).toBe(0);
    const id = RELEASE_ID.exec(r.stdout)![1]!;
    const commit = (await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: app.dir })).stdout.trim();
    expect(await hookFiles()).toEqual(['hook-after.env', 'hook-before.env']);
    expect(await env('before')).toMatchObject({
      SHIP_STAGE: 'prod',
      SHIP_RELEASE: id,
      SHIP_COMMIT: commit,
      SHIP_HOSTS: 'f5 f6',
      SHIP_RESULT: 'pending',
    });
    expect(await env('after')).toMatchObject({
      SHIP_STAGE: 'prod',
      SHIP_RELEASE: id,
      SHIP_COMMIT: commit,
      SHIP_HOSTS: 'f5 f6',
      SHIP_RESULT: 'ok',
    });
    // The hooks printed the env file: what reached the output is redacted.
    for (const secret of SECRETS) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    expect(r.stdout).toContain('local | API_TOKEN=***');
  });

  it('a failed deploy runs `failed` (SHIP_RESULT=failed), not `after`', async () => {
    await clear();
    const r = await app.deploy('h2', { APP_FAIL_START: '1' });
    expect(r.code).toBe(1);
    expect(await hookFiles()).toEqual(['hook-before.env', 'hook-failed.env']);
    expect(await env('failed')).toMatchObject({ SHIP_RESULT: 'failed', SHIP_RELEASE: RELEASE_ID.exec(r.stdout)![1]! });
  });

  it('a rollback runs them too: SHIP_COMMAND=rollback, the release named on the command line (none here), no commit', async () => {
    for (const v of ['h1b', 'h1c']) {
      const r = await app.deploy(v);
      expect(r.code, r.stderr).toBe(0);
    }
    await clear();
    const r = await app.ship(['rollback', 'prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(await hookFiles()).toEqual(['hook-after.env', 'hook-before.env']);
    expect(await env('after')).toMatchObject({
      SHIP_COMMAND: 'rollback',
      SHIP_RELEASE: '',
      SHIP_COMMIT: '',
      SHIP_RESULT: 'ok',
      SHIP_HOSTS: 'f5 f6',
    });
  });

  it('a failing `before` stops the deploy before any host changes; a failing `after` does not change the exit code', async () => {
    const before = await app.states();
    await writeHosts(app.dir, appConfig({ ...app.spec, stage: { hooks: { before: ['sh', '-c', 'exit 7'] } } }), fleet);
    const stopped = await app.deploy('h3');
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/hooks\.before failed \(exit 7\)/);
    const after = await app.states();
    after.forEach((s, i) => {
      expect(s.current).toBe(before[i]!.current);
      expect(s.releases).toEqual(before[i]!.releases);
      expect(s.log).toEqual(before[i]!.log);
    });
    await writeHosts(app.dir, appConfig({ ...app.spec, stage: { hooks: { after: ['sh', '-c', 'exit 5'] } } }), fleet);
    const fine = await app.deploy('h4');
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stderr).toMatch(/hooks\.after failed \(exit 5\)/);
    for (const s of await app.states()) expect(s.answer).toBe('h4');
  });
});

async function gitCommit(dir: string, message = 'x'): Promise<string> {
  const git = (...args: string[]) => execa('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir });
  if (!(await readdir(dir)).includes('.git')) {
    await git('init', '-q');
    await writeFile(join(dir, '.gitignore'), 'dist/\n.tmp/\nhook-*.env\n');
  }
  await git('add', '-A');
  await git('commit', '-q', '--allow-empty', '-m', message);
  return (await git('rev-parse', '--short=12', 'HEAD')).stdout.trim();
}

describe('what is deployed: --ref, --artifact, requireClean', () => {
  let app: App;
  const hosts = ['f7', 'f8'];
  const marker = (s: string) => `\nprintf '%s\\n' '${s}' > dist/MARK\n`;
  const mark = (h: string) => app.onHost(h, `cat ${app.path}/current/MARK 2>/dev/null || echo none`).then((s) => s.trim());

  beforeAll(async () => {
    app = await newApp({ name: 'fleetsrc', port: 4441, hosts });
    await app.setup();
  });

  it('--ref builds the committed tree in a temporary worktree: a dirty file is not deployed; the worktree is gone afterwards', async () => {
    const build = join(app.dir, 'build.sh');
    const original = await readFile(build, 'utf8');
    await writeFile(build, `${original}${marker('first')}`);
    const first = await gitCommit(app.dir, 'first');
    await writeFile(build, `${original}${marker('second')}`);
    const second = await gitCommit(app.dir, 'second');
    await writeFile(build, `${original}${marker('dirty')}`);

    const r = await app.deploy('ref1', {}, ['--ref', 'HEAD']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of hosts) expect(await mark(h)).toBe('second');
    const log = (await app.state('f7')).log.at(-1)!;
    expect(log).toMatchObject({ result: 'ok', commit: second });

    const older = await app.deploy('ref2', {}, ['--ref', first]);
    expect(older.code, older.stderr).toBe(0);
    for (const h of hosts) expect(await mark(h)).toBe('first');

    const worktrees = (await execa('git', ['worktree', 'list', '--porcelain'], { cwd: app.dir })).stdout;
    expect(worktrees.match(/^worktree /gm)).toHaveLength(1);
    expect(await app.leakedTempDirs()).toEqual([]);
    // The working tree was never touched.
    expect(await readFile(build, 'utf8')).toContain("'dirty'");

    const unknown = await app.deploy('ref3', {}, ['--ref', 'no-such-branch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--ref no-such-branch');
  });

  it('--ref interrupted during its build (Ctrl-C): exit 130, the temporary worktree is gone', async () => {
    const child = execa('node', [SHIP, 'deploy', 'prod', '--ref', 'HEAD'], {
      cwd: app.dir,
      reject: false,
      stdin: 'ignore',
      detached: true,
      env: { SHIP_NO_COLOR: '1', TMPDIR: join(app.dir, '.tmp'), APP_BUILD_SLEEP: '5' },
    });
    let sent = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!sent && /local \| build: .*in the checkout of HEAD/.test(chunk.toString())) {
        sent = true;
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    const r = await child;
    printed.push({ args: ['deploy', 'prod', '--ref', 'HEAD', '(SIGINT)'], stdout: String(r.stdout), stderr: String(r.stderr) });
    expect(sent).toBe(true);
    expect(r.exitCode, String(r.stderr)).toBe(130);
    const worktrees = (await execa('git', ['worktree', 'list', '--porcelain'], { cwd: app.dir })).stdout;
    expect(worktrees.match(/^worktree /gm)).toHaveLength(1);
    expect(await app.leakedTempDirs()).toEqual([]);
  });

  it('requireClean refuses a dirty working tree, naming the files; --ref is still allowed', async () => {
    await writeHosts(app.dir, appConfig({ ...app.spec, stage: { requireClean: true } }), fleet);
    const before = await app.states();
    const r = await app.deploy('clean1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('requireClean');
    expect(r.stderr).toContain('build.sh');
    const after = await app.states();
    after.forEach((s, i) => expect(s.log).toEqual(before[i]!.log));
    const ref = await app.deploy('clean2', {}, ['--ref', 'HEAD']);
    expect(ref.code, ref.stderr).toBe(0);
    await writeHosts(app.dir, appConfig(app.spec), fleet);
  });

  it('--artifact deploys a tarball built elsewhere, without running the build', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ship-artifact-'));
    const content = join(out, 'content');
    await mkdir(join(content, 'bin'), { recursive: true });
    await writeFile(join(content, 'server.js'), await readFile(join(app.dir, 'server.js')));
    await writeFile(join(content, 'VERSION'), 'from-ci\n');
    await writeFile(join(content, 'MARK'), 'artifact\n');
    const tarball = join(out, 'release.tar.gz');
    await execa('tar', ['-czf', tarball, '-C', content, '.']);
    await writeHosts(
      app.dir,
      appConfig({ ...app.spec, top: { build: { run: ['sh', '-c', 'touch BUILD_RAN; exit 1'], dir: 'dist' } } }),
      fleet,
    );

    const r = await app.ship(['deploy', 'prod', '--artifact', tarball]);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(app.dir)).includes('BUILD_RAN')).toBe(false);
    for (const s of await app.states()) expect(s.answer).toBe('from-ci');
    for (const h of hosts) expect(await mark(h)).toBe('artifact');
    expect(await app.leakedTempDirs()).toEqual([]);
    expect(r.stdout).toContain(
      createHash('sha256')
        .update(await readFile(tarball))
        .digest('hex')
        .slice(0, 12),
    );
  });

  it('--artifact refuses a tarball with an absolute path, a ".." or a device file, before any host changes', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ship-artifact-'));
    await writeFile(join(out, 'VERSION'), 'evil\n');
    await execa('mknod', [join(out, 'null'), 'c', '1', '3']);
    const cases: Array<[string, string[], RegExp]> = [
      ['absolute.tar.gz', ['-P', join(out, 'VERSION')], /absolute path/],
      ['dotdot.tar.gz', ['-P', '--transform', 's,^,../,', 'VERSION'], /"\.\."/],
      ['device.tar', ['null', 'VERSION'], /device/],
    ];
    const before = await app.states();
    for (const [name, members, why] of cases) {
      const file = join(out, name);
      await execa('tar', [name.endsWith('.gz') ? '-czf' : '-cf', file, '-C', out, ...members]);
      const r = await app.ship(['deploy', 'prod', '--artifact', file]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toMatch(why);
      expect(r.stderr, name).toContain(name);
    }
    const after = await app.states();
    after.forEach((s, i) => expect(s.log).toEqual(before[i]!.log));
  });
});

describe('ship status on hosts in several states', () => {
  let app: App;
  const hosts = ['f1', 'f2', 'f3', 'f9', 'f10'];
  let certExpiry: string;

  beforeAll(async () => {
    const certs = {
      domains: ['status.example.com'],
      email: 'ops@example.com',
      webroot: '/var/www/html',
      certPath: '/srv/fleetstat-cert/fullchain.pem',
      keyPath: '/srv/fleetstat-cert/privkey.pem',
    };
    app = await newApp({ name: 'fleetstat', port: 4451, hosts, stage: { certs } });
    await app.setup();
    const r = await app.deploy('s1');
    expect(r.code, r.stderr).toBe(0);
    // f2: the unit is stopped. f3: another deploy holds the lock. f10: set up, never deployed.
    await app.onHost('f2', 'sudo systemctl stop fleetstat');
    await app.onHost(
      'f3',
      `mkdir ${app.path}/.ship/lock && echo '{"user":"carol","origin":"ci-7","pid":4242,"command":"ship deploy prod","time":"2026-01-02T03:04:05Z"}' > ${app.path}/.ship/lock/info`,
    );
    await app.onHost('f10', `rm -f ${app.path}/current && sudo systemctl stop fleetstat`);
    // f1: a certificate valid for 30 more days.
    const dir = await mkdtemp(join(tmpdir(), 'ship-cert-'));
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=status.example.com',
      '-addext',
      'subjectAltName=DNS:status.example.com',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    certExpiry = new Date(
      (await execa('openssl', ['x509', '-noout', '-enddate', '-in', join(dir, 'cert.pem')])).stdout.replace('notAfter=', ''),
    )
      .toISOString()
      .slice(0, 10);
    const pem = await readFile(join(dir, 'cert.pem'), 'utf8');
    const key = await readFile(join(dir, 'key.pem'), 'utf8');
    await app.onHost(
      'f1',
      `sudo mkdir -p /srv/fleetstat-cert && printf '%s' '${pem}' | sudo tee /srv/fleetstat-cert/fullchain.pem >/dev/null && printf '%s' '${key}' | sudo tee /srv/fleetstat-cert/privkey.pem >/dev/null`,
    );
  });

  afterAll(async () => {
    await app.onHost('f3', `rm -rf ${app.path}/.ship/lock`, { reject: false });
    await app.onHost('f1', 'sudo rm -rf /srv/fleetstat-cert', { reject: false });
  });

  it('one row per host: release, commit, who and when, unit state, health, lock holder, certificate, free disk; exit 1 when a host needs attention', async () => {
    const r = await app.ship(['status', 'prod']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^HOST +RELEASE +COMMIT +DEPLOYED +BY +UNITS +HEALTH +LOCK +CERT +DISK FREE$/);
    const row = (h: string) => lines.find((l) => l.startsWith(`${h} `))!;
    const release = (await app.state('f1')).current;
    expect(row('f1')).toMatch(new RegExp(`^f1 +${release} .* root@\\S+ +active +HTTP 200 +free +${certExpiry} \\(\\d+ d\\) +\\d`));
    expect(row('f2')).toMatch(/ inactive +(connection refused|cannot connect)/);
    expect(row('f3')).toContain('carol@ci-7 pid 4242 (ship deploy prod)');
    expect(row('f10')).toMatch(/^f10 +\(none\)/);
    expect(row('f9')).toMatch(/active +HTTP 200 +free +missing/);
  });

  it('--json: one status event per host with the same facts as fields', async () => {
    const r = await app.ship(['status', 'prod', '--json']);
    expect(r.code).toBe(1);
    const events = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.type === 'status');
    expect(events.map((e) => e.host)).toEqual(hosts);
    const f1 = events[0]!;
    expect(f1).toMatchObject({
      host: 'f1',
      release: (await app.state('f1')).current,
      deployed: { user: 'root', result: 'ok' },
      units: [{ unit: 'fleetstat', state: 'active' }],
      health: [{ url: 'http://127.0.0.1:4451/health', answer: 'HTTP 200', ok: true }],
      lock: null,
      cert: { notAfter: expect.stringMatching(new RegExp(`^${certExpiry}`)) as unknown },
    });
    expect((f1.disk as { availableBytes: number }).availableBytes).toBeGreaterThan(0);
    expect(events[2]!.lock).toMatchObject({ user: 'carol', origin: 'ci-7', pid: 4242 });
    expect(events[4]).toMatchObject({ host: 'f10', release: null });
  });
});
