/**
 * Ctrl-C (SIGINT) and SIGTERM sent to ship's process group, as a terminal or a service manager
 * does, at every phase of a deploy, a rollback and a setup on two hosts. ship gets to clean up,
 * so what must hold is stronger than after kill -9: exit 130, and on every host the release that
 * was current before the run is current again, running and healthy; no lock, no .partial-*, no
 * upload, no temporary file; the release log records the run as interrupted.
 *
 * The moment of each signal is chosen by watching ship's progress lines plus a random delay; the
 * test asserts every phase was hit (by the step named in each host's last progress line).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onHost, SHIP } from '../support.js';
import {
  App,
  appConfig,
  expectNoSecretsPrinted,
  hostState,
  interrupted,
  printed,
  prng,
  stepOf,
  sleep,
  type AppSpec,
  type HostState,
  type Interrupted,
  type Plan,
} from './support.js';

const SEED = Number(process.env.SHIP_RELIABILITY_SEED ?? Date.now() % 1_000_000);
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Signal = (typeof SIGNALS)[number];

const random = prng(SEED);

/** Steps after which a host holds something of this run that undo must log and remove. */
const UPLOADED = new Set(['stage', 'upload', 'verify', 'link', 'between phases', 'once', 'switch', 'restart', 'health', 'cleanup']);

const HOSTS = ['h2', 'h3'];
// Every release starts slowly, so the health check (deploy, rollback, and undo's own) takes a while.
const START = { APP_START_DELAY: '1500' };
const spec: AppSpec = { name: 'relint', port: 4331, hosts: HOSTS, healthTimeout: 20, keep: 3 };
let app: App;
const rows: string[] = [];

/** The app set up, with two releases deployed (so there is one to go back to). */
async function deployedTwice(of: AppSpec): Promise<App> {
  const created = await App.create(of);
  await created.setup();
  for (const v of ['v0', 'v1']) {
    const r = await created.deploy(v, START);
    expect(r.code, r.stderr).toBe(0);
  }
  return created;
}

beforeAll(async () => {
  app = await deployedTwice(spec);
});

afterAll(async () => {
  if (rows.length > 0) console.log(`interruptions (seed ${SEED}):\n${rows.join('\n')}`);
  await expectNoSecretsPrinted([app]);
  await app.remove();
});

interface Trial {
  plan: Plan;
  signal: Signal;
  delay: number;
  attempt: number;
}

/**
 * Interrupt `kind` runs until every plan was hit twice (once with each signal; the first round
 * right at the trigger, the second after a random delay). `once` starts one run and checks it;
 * it returns the run, or undefined when the run finished before the signal (not counted).
 * Returns how often each step was hit, per host.
 */
async function trials(kind: string, plans: Plan[], once: (t: Trial) => Promise<Interrupted | undefined>): Promise<Map<string, number>> {
  const steps = new Map<string, number>();
  let done = 0;
  for (let attempt = 0; done < plans.length * 2; attempt++) {
    if (attempt > plans.length * 2 + 8) throw new Error(`too many ${kind} runs finished before their signal`);
    const plan = plans[done % plans.length]!;
    const signal = SIGNALS[done % 2]!;
    const delay = done < plans.length ? 0 : Math.round(plan.delay[0] + random() * (plan.delay[1] - plan.delay[0]));
    const row = `${kind} ${String(done + 1).padStart(2)} ${signal.padEnd(7)} ${plan.aim.padEnd(11)} +${String(delay).padStart(4)} ms  `;
    const run = await once({ plan, signal, delay, attempt });
    if (!run) {
      rows.push(`${row}finished before the signal (not counted)`);
      continue;
    }
    for (const h of HOSTS) {
      const step = stepOf(run.last[h] ?? run.last.local);
      steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    rows.push(`${row}${landed(run)}`);
    done++;
  }
  console.log(`${kind} interruptions: steps hit (per host): ${[...steps].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  return steps;
}

const landed = (run: Interrupted) => HOSTS.map((h) => `${h}: ${stepOf(run.last[h] ?? run.last.local)}`).join(', ');
const counted = (run: Interrupted) => run.sent && run.code !== 0;
const describeTrial = (kind: string, t: Trial, run: Interrupted) =>
  `${kind}, ${t.signal} aimed at ${t.plan.aim} +${t.delay} ms (seed ${SEED}), landed in ${landed(run)}`;

/** Everything an interrupted run must leave, host by host, against the state before it. */
async function expectUndone(
  context: string,
  before: HostState[],
  run: Interrupted,
  signal: Signal,
  release: string | undefined,
  logged: (host: string) => boolean,
  target = app,
): Promise<void> {
  expect(run.code, `${context}\n${run.stderr}`).toBe(130);
  // The run says it was interrupted, by which signal: ship's handler ("SIGINT: stopping; cleaning
  // up"), or, when the build got the same signal and died before that handler ran, the build's
  // error ("build interrupted by SIGINT"). Which comes first is the machine's timing.
  expect(run.stderr, context).toMatch(new RegExp(`${signal}: stopping; cleaning up|build interrupted by ${signal}`));
  expect(run.stderr, context).not.toMatch(/cleanup failed|could not release|\n\s+at /);
  const after = await Promise.all(HOSTS.map((h) => hostState(h, target.path, target.spec.port, { waitSeconds: 5 })));
  after.forEach((s, i) => {
    const was = before[i]!;
    expect(s.current, `${context}: ${s.host} current`).toBe(was.current);
    expect(s.complete, `${context}: ${s.host} complete`).toBe(true);
    expect(s.answer, `${context}: ${s.host} answers`).toBe(was.version);
    expect(s.lock, `${context}: ${s.host} lock`).toBe('');
    expect(s.leftovers, `${context}: ${s.host} leftovers`).toEqual([]);
    if (release) expect(s.releases, `${context}: ${s.host} releases`).not.toContain(release);
    // The signal is handled a moment after it was sent, so a host may have gone one step further
    // than its last line said: whatever was logged ends with `interrupted`, never `failed`.
    const mine = s.log.slice(was.log.length);
    if (logged(s.host)) expect(mine.length, `${context}: ${s.host} release log`).toBeGreaterThan(0);
    if (mine.length > 0) expect(mine.at(-1), `${context}: ${s.host} release log`).toMatchObject({ result: 'interrupted' });
    expect(
      mine.filter((e) => e.result === 'failed'),
      `${context}: ${s.host} release log`,
    ).toEqual([]);
  });
  expect(await target.leakedTempDirs(), context).toEqual([]);
}

describe('SIGINT and SIGTERM during a deploy to two hosts', () => {
  const PLANS: Plan[] = [
    { aim: 'build', trigger: /^local \| build:/, delay: [0, 300], env: { APP_BUILD_SLEEP: '0.4' } },
    { aim: 'lock', trigger: /^h\d \| lock/, delay: [0, 30] },
    { aim: 'upload', trigger: /^h\d \| upload \d/, delay: [0, 150], env: { APP_PAD_MB: '6' } },
    { aim: 'stage', trigger: /^h\d \| upload: \d+ changed files/, delay: [0, 60], env: { APP_PAD_MB: '6', APP_PAD_SEED: 'interrupt' } },
    { aim: 'verify', trigger: /^h\d \| check against the manifest/, delay: [0, 60], env: { APP_PAD_MB: '6' } },
    { aim: 'switch', trigger: /^h\d \| switch current/, delay: [0, 40] },
    { aim: 'restart', trigger: /^h\d \| systemctl restart/, delay: [0, 100] },
    { aim: 'health', trigger: /^h\d \| health http/, delay: [0, 1500] },
    { aim: 'cleanup', trigger: /^h\d \| cleanup/, delay: [0, 20] },
  ];

  it('undoes every phase: previous release current and healthy, no lock or leftover, logged as interrupted', async () => {
    const steps = await trials('deploy', PLANS, async (t) => {
      const before = await app.states();
      const run = await interrupted(app, ['deploy', 'prod'], { APP_VERSION: `d${t.attempt}`, ...START }, t.plan, t.delay, t.signal);
      if (!counted(run)) return undefined;
      const release = /release (\d{8}T\d{6}Z-[0-9a-f]{6}):/.exec(run.stdout)?.[1];
      await expectUndone(
        describeTrial('deploy', t, run),
        before,
        run,
        t.signal,
        release,
        (h) => release !== undefined && UPLOADED.has(stepOf(run.last[h])),
      );
      return run;
    });
    for (const step of ['build', 'lock', 'stage', 'upload', 'verify', 'switch', 'restart', 'health']) {
      expect(steps.get(step) ?? 0, `no signal landed in ${step}`).toBeGreaterThan(0);
    }
  }, 900_000);

  it('a release that takes seconds to become healthy, Ctrl-C while ship waits: the old release serves, and still does later', async () => {
    const before = await app.states();
    const plan: Plan = { aim: 'health', trigger: /^h\d \| health http/, delay: [300, 300] };
    const run = await interrupted(app, ['deploy', 'prod'], { APP_VERSION: 'slow', APP_START_DELAY: '6000' }, plan, 300, 'SIGINT');
    expect(run.sent).toBe(true);
    const release = /release (\S+):/.exec(run.stdout)?.[1];
    await expectUndone('slow health', before, run, 'SIGINT', release, () => true);
    expect(run.stderr).toMatch(/rolled back to \S+; it is healthy/);
    // What the report saw: some seconds later the hosts served the new release. Not any more.
    await sleep(7000);
    for (const s of await app.states()) expect(s.answer).toBe(before[0]!.version);
  }, 120_000);

  it('a second Ctrl-C during the undo exits at once; the next deploy recovers (breaks the dead lock)', async () => {
    const child = execa('node', [SHIP, 'deploy', 'prod'], {
      cwd: app.dir,
      reject: false,
      stdin: 'ignore',
      detached: true,
      env: { SHIP_NO_COLOR: '1', TMPDIR: join(app.dir, '.tmp'), APP_VERSION: 'twice', ...START },
    });
    let stage = 0;
    const watch = (chunk: Buffer) => {
      const text = chunk.toString();
      if (stage === 0 && /\| health http/.test(text)) {
        stage = 1;
        process.kill(-child.pid!, 'SIGINT');
      } else if (stage === 1 && /SIGINT: stopping/.test(text)) {
        stage = 2;
        process.kill(-child.pid!, 'SIGINT');
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', watch);
    const r = await child;
    printed.push({ args: ['deploy', 'prod', '(SIGINT twice)'], stdout: String(r.stdout), stderr: String(r.stderr) });
    expect(stage).toBe(2);
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toContain('SIGINT again: exiting without cleanup');
    const next = await app.deploy('after-twice', START);
    expect(next.code, next.stderr).toBe(0);
    for (const s of await app.states()) {
      expect(s.answer).toBe('after-twice');
      expect(s.lock).toBe('');
      expect(s.leftovers).toEqual([]);
    }
  }, 120_000);
});

describe('SIGINT and SIGTERM during a rolling deploy with a migration (batches of 1, a pause between)', () => {
  // The phases batches add: the run-once step before any switch, the pause between batches, and
  // the second batch while the first is live on the new release (undo must reach back to it).
  const rolling: AppSpec = {
    name: 'relintroll',
    port: 4332,
    hosts: HOSTS,
    healthTimeout: 20,
    keep: 3,
    stage: { rollout: { batch: 1, pause: 1 }, migrate: ['sh', '-c', 'sleep 0.5; echo migrated'] },
  };
  let roll: App;
  const PLANS: Plan[] = [
    { aim: 'once', trigger: /^h\d \| run in releases\//, delay: [0, 400] },
    { aim: 'pause', trigger: /^pause 1 s before batch 2\/2/, delay: [0, 800] },
    { aim: 'batch 2', trigger: /^batch 2\/2/, delay: [0, 1500] },
  ];

  beforeAll(async () => {
    roll = await deployedTwice(rolling);
  });

  afterAll(async () => {
    await expectNoSecretsPrinted([roll]);
    await roll.remove();
  });

  it('undoes every host, the batch already live included: previous release current and healthy, logged as interrupted', async () => {
    const phases = new Map<string, number>();
    let done = 0;
    for (let attempt = 0; done < PLANS.length * 2; attempt++) {
      if (attempt > PLANS.length * 2 + 8) throw new Error('too many rolling deploys finished before their signal');
      const plan = PLANS[done % PLANS.length]!;
      const signal = SIGNALS[done % 2]!;
      const delay = done < PLANS.length ? 0 : Math.round(plan.delay[0] + random() * (plan.delay[1] - plan.delay[0]));
      const before = await roll.states();
      const run = await interrupted(roll, ['deploy', 'prod'], { APP_VERSION: `b${attempt}`, ...START }, plan, delay, signal);
      const row = `rolling ${String(done + 1).padStart(2)} ${signal.padEnd(7)} ${plan.aim.padEnd(11)} +${String(delay).padStart(4)} ms  `;
      if (!counted(run)) {
        rows.push(`${row}finished before the signal (not counted)`);
        continue;
      }
      // Where the run was: in the run-once step, in the pause, or in the second batch (the first one live).
      const lines = Object.keys(run.last);
      const phase = HOSTS.some((h) => stepOf(run.last[h]) === 'once')
        ? 'once'
        : lines.some((l) => l.startsWith('batch 2/2'))
          ? 'batch 2'
          : lines.some((l) => l.startsWith('pause '))
            ? 'pause'
            : stepOf(run.last[HOSTS[0]!] ?? run.last.local);
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
      rows.push(`${row}${phase}: ${landed(run)}`);
      const release = /release (\d{8}T\d{6}Z-[0-9a-f]{6}):/.exec(run.stdout)?.[1];
      const context = `rolling deploy, ${signal} aimed at ${plan.aim} +${delay} ms (seed ${SEED}), landed in ${phase} (${landed(run)})`;
      await expectUndone(context, before, run, signal, release, () => release !== undefined, roll);
      done++;
    }
    console.log(`rolling deploy interruptions: phases hit: ${[...phases].map(([s, n]) => `${s} ${n}`).join(', ')}`);
    for (const phase of ['once', 'pause', 'batch 2']) expect(phases.get(phase) ?? 0, `no signal landed in ${phase}`).toBeGreaterThan(0);
  }, 600_000);
});

describe('SIGINT and SIGTERM during a rollback', () => {
  const PLANS: Plan[] = [
    { aim: 'lock', trigger: /^h\d \| lock/, delay: [0, 30] },
    { aim: 'switch', trigger: /^h\d \| switch current/, delay: [0, 40] },
    { aim: 'restart', trigger: /^h\d \| systemctl restart/, delay: [0, 100] },
    { aim: 'health', trigger: /^h\d \| health http/, delay: [0, 1500] },
  ];

  it('puts back the release that was current before the rollback, healthy, and logs the rollback as interrupted', async () => {
    const steps = await trials('rollback', PLANS, async (t) => {
      const before = await app.states();
      const run = await interrupted(app, ['rollback', 'prod'], {}, t.plan, t.delay, t.signal);
      if (!counted(run)) {
        // It rolled back for real: go forward again so every trial starts alike.
        const forward = await app.deploy(`r${t.attempt}`, START);
        expect(forward.code, forward.stderr).toBe(0);
        return undefined;
      }
      // A host whose last line was "switch current" may not have switched yet: only later steps must be logged.
      await expectUndone(describeTrial('rollback', t, run), before, run, t.signal, undefined, (h) =>
        ['restart', 'health'].includes(stepOf(run.last[h])),
      );
      return run;
    });
    for (const step of ['lock', 'switch', 'restart', 'health'])
      expect(steps.get(step) ?? 0, `no signal landed in ${step}`).toBeGreaterThan(0);
  }, 600_000);
});

describe('SIGINT and SIGTERM during ship setup', () => {
  const PLANS: Plan[] = [
    { aim: 'directories', trigger: /^h\d \| directories/, delay: [0, 30] },
    { aim: 'lock', trigger: /^h\d \| lock/, delay: [0, 30] },
    { aim: 'unit', trigger: /^h\d \| unit /, delay: [0, 60] },
    { aim: 'env file', trigger: /^h\d \| env file/, delay: [0, 60] },
    { aim: 'enable', trigger: /^h\d \| (wrote|reloaded|shared\/\.env)/, delay: [0, 60] },
  ];

  /** hosts.ts with a service setting that differs per trial, so every setup writes the unit. */
  async function configure(generation: string): Promise<void> {
    const config = appConfig({ ...spec, service: { env: { PORT: String(spec.port), GENERATION: generation } } });
    const file = join(app.dir, 'hosts.ts');
    const text = await readFile(file, 'utf8');
    const ssh = /"ssh": (\{[^}]*\})/.exec(text)![1]!;
    await writeFile(
      file,
      `import { defineHosts } from 'ship-deploy';\n\nexport default defineHosts(${JSON.stringify({ ssh: JSON.parse(ssh), ...config }, null, 2)});\n`,
    );
  }

  it('every file is whole (old or new), systemd has loaded what is on disk, no lock or temp file, the app still serves', async () => {
    const steps = await trials('setup', PLANS, async (t) => {
      const before = await app.states();
      const old = `g${t.attempt}-old`;
      const fresh = `g${t.attempt}-new`;
      await configure(old);
      const prepared = await app.ship(['setup', 'prod']);
      expect(prepared.code, prepared.stderr).toBe(0);
      await configure(fresh);
      const run = await interrupted(app, ['setup', 'prod'], {}, t.plan, t.delay, t.signal);
      if (!counted(run)) return undefined;
      const context = describeTrial('setup', t, run);
      await expectUndone(context, before, run, t.signal, undefined, () => false);
      for (const h of HOSTS) {
        const unit = `/etc/systemd/system/${app.name}.service`;
        const out = await onHost(
          h,
          [
            `grep -o 'GENERATION=[^" ]*' ${unit}`,
            `tail -c 1 ${unit} | od -An -c | tr -d ' '`,
            `systemctl show -p NeedDaemonReload --value ${app.name}.service`,
            `ls -A /etc/systemd/system ${app.path}/shared | grep -c 'ship-' || true`,
            `sudo stat -c '%a %U' ${app.path}/shared/.env`,
          ].join('; echo "|"; '),
        );
        const [generation, lastChar, needReload, temps, envFile] = out.split('\n|\n').map((x) => x.trim());
        expect([`GENERATION=${old}`, `GENERATION=${fresh}`], `${context}: ${h} unit`).toContain(generation);
        expect(lastChar, `${context}: ${h} unit file ends whole`).toBe('\\n');
        expect(needReload, `${context}: ${h} systemd loaded the unit on disk`).toBe('no');
        expect(temps, `${context}: ${h} temporary files`).toBe('0');
        expect(envFile, `${context}: ${h} env file`).toBe('600 deploy');
      }
      return run;
    });
    for (const step of ['directories', 'lock', 'unit', 'env file'])
      expect(steps.get(step) ?? 0, `no signal landed in ${step}`).toBeGreaterThan(0);
    // And setup still finishes the job when run again.
    const again = await app.ship(['setup', 'prod']);
    expect(again.code, again.stderr).toBe(0);
  }, 900_000);
});
