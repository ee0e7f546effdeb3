/**
 * What the reliability suite's files share:
 * - `App`: a project deploying the suite's test app (./app) to lab hosts, set up with the real
 *   `ship setup` (unit from the built-in template, env file uploaded), each file with its own
 *   name, deploy path, unit and port so files do not disturb each other;
 * - `hostState`: everything a test asserts about a host (current, completeness of the release,
 *   leftovers, lock, what the app answers) read in one SSH round trip;
 * - a record of every output ship printed, checked at the end of each file for the env file's
 *   values (`expectNoSecretsPrinted`), so the whole suite doubles as a secrecy sweep.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { Lab } from '../../hosts/lab.js';
import { onHost, project, REPO, removalsSettled, SHIP } from '../support.js';

export const APP_SOURCE = join(REPO, 'test/e2e/reliability/app');

const tag = randomBytes(4).toString('hex');
/** Values of the env file every reliability project uploads: distinctive, so a grep finds them. */
export const SECRETS = [`tok-rel-${tag}-7f3a9c`, `p@ss w0rd "q" $(id) ${tag}`, `sk_live_${tag}_c0ffee`];
export const ENV_FILE = [
  '# secrets of the reliability test app: never printed by ship',
  `API_TOKEN=${SECRETS[0]}`,
  `DB_PASSWORD='${SECRETS[1]}'`,
  `export SIGNING_KEY=${SECRETS[2]}`,
  '',
].join('\n');

export interface Captured {
  args: string[];
  stdout: string;
  stderr: string;
}

/** Every ship output of this test file (each file runs in its own module context). */
export const printed: Captured[] = [];

export interface ShipRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** The run outlived the harness's timeout and was stopped by it (SIGTERM): it never ended by itself. */
  timedOut: boolean;
}

export interface AppSpec {
  /** Names the app, the unit and the deploy path /srv/<name>. */
  name: string;
  port: number;
  hosts: string[];
  healthTimeout?: number;
  keep?: number;
  /** Extra fields for stages.prod. */
  stage?: Record<string, unknown>;
  /** Extra fields for service. */
  service?: Record<string, unknown>;
  /** Extra top-level fields of hosts.ts (e.g. ssh). */
  top?: Record<string, unknown>;
  /** Extra project files (e.g. recipes/deploy.ts). */
  files?: Record<string, string>;
  /** A lab the test file booted itself (default: the shared one). */
  lab?: Lab;
}

export function appConfig(spec: AppSpec): Record<string, unknown> {
  return {
    app: spec.name,
    build: { run: ['sh', 'build.sh'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(spec.port) }, envFile: '.env.prod', ...spec.service },
    stages: {
      prod: {
        hosts: spec.hosts,
        path: `/srv/${spec.name}`,
        unit: spec.name,
        keep: spec.keep ?? 2,
        shared: ['.env'],
        health: { url: `http://127.0.0.1:${spec.port}/health`, timeout: spec.healthTimeout ?? 5 },
        ...spec.stage,
      },
    },
    ...spec.top,
  };
}

/** A project of the test app on some lab hosts. */
export class App {
  private constructor(
    readonly spec: AppSpec,
    readonly dir: string,
  ) {}

  static async create(spec: AppSpec): Promise<App> {
    const dir = await project(appConfig(spec), { '.env.prod': ENV_FILE, ...spec.files }, spec.lab);
    for (const file of ['server.js', 'build.sh']) await copyFile(join(APP_SOURCE, file), join(dir, file));
    // Where ship's temporary release tarballs go, so leftovers of killed runs can be counted.
    await mkdir(join(dir, '.tmp'));
    return new App(spec, dir);
  }

  /** Another checkout of the same project (same app, hosts and path): someone else deploying. */
  clone(): Promise<App> {
    return App.create(this.spec);
  }

  get name(): string {
    return this.spec.name;
  }

  get path(): string {
    return `/srv/${this.spec.name}`;
  }

  get hosts(): string[] {
    return this.spec.hosts;
  }

  /** Run the real CLI in this project; the output is recorded for the secrecy sweep. */
  async ship(args: string[], env: Record<string, string> = {}, timeoutMs = 110_000): Promise<ShipRun> {
    const started = Date.now();
    const result = await execa('node', [SHIP, ...args], {
      cwd: this.dir,
      reject: false,
      env: { SHIP_NO_COLOR: '1', TMPDIR: join(this.dir, '.tmp'), ...env },
      timeout: timeoutMs,
      stdin: 'ignore',
    });
    printed.push({ args, stdout: result.stdout, stderr: result.stderr });
    return {
      code: result.exitCode ?? -1,
      stdout: result.stdout,
      stderr: result.stderr,
      ms: Date.now() - started,
      timedOut: result.timedOut,
    };
  }

  deploy(version: string, env: Record<string, string> = {}, extra: string[] = []): Promise<ShipRun> {
    return this.ship(['deploy', 'prod', ...extra], { APP_VERSION: version, ...env });
  }

  /** Fresh deploy path on every host, then `ship setup` (unit, directories, env file). */
  async setup(): Promise<void> {
    await this.remove();
    await Promise.all(this.hosts.map((h) => this.onHost(h, `sudo mkdir -p ${this.path} && sudo chown deploy: ${this.path}`)));
    const r = await this.ship(['setup', 'prod']);
    expect(r.code, r.stderr).toBe(0);
  }

  /** Stop and remove the unit and the deploy path everywhere this app may have been. */
  async remove(): Promise<void> {
    const everywhere = this.spec.lab ? this.spec.lab.hosts.filter((h) => !h.hidden).map((h) => h.name) : ['h1', 'h2', 'h3'];
    await Promise.all(
      everywhere.map((h) =>
        this.onHost(
          h,
          [
            `sudo systemctl disable --now ${this.name}.service 2>/dev/null`,
            `sudo rm -f /etc/systemd/system/${this.name}.service`,
            'sudo systemctl daemon-reload',
            `mountpoint -q ${this.path} && sudo umount ${this.path}`,
            `sudo rm -rf ${this.path}`,
          ].join('; '),
          { reject: false },
        ),
      ),
    );
  }

  /** A shell script on one of this app's lab hosts, as deploy. */
  onHost(host: string, script: string, options: { reject?: boolean } = {}): Promise<string> {
    return onHost(host, script, { ...options, lab: this.spec.lab });
  }

  state(host: string, options: StateOptions = {}): Promise<HostState> {
    return hostState(host, this.path, this.spec.port, { ...options, lab: this.spec.lab });
  }

  states(): Promise<HostState[]> {
    return Promise.all(this.hosts.map((h) => this.state(h)));
  }

  /** Temporary directories ship left in this project's TMPDIR (a killed ship cannot clean up). */
  async leakedTempDirs(): Promise<string[]> {
    return (await readdir(join(this.dir, '.tmp'))).filter((n) => n.startsWith('ship-tmp-'));
  }
}

export interface HostState {
  host: string;
  /** Release id `current` points at ('' for none), as written in the link. */
  current: string;
  /** Every file of the current release matches the SHA256SUMS its build wrote. */
  complete: boolean;
  /** VERSION of the current release. */
  version: string;
  /** Directories in releases/, including .partial-* ones. */
  releases: string[];
  /** .partial-* and .removing-* directories and .ship/upload-* files: what an interrupted deploy leaves. */
  leftovers: string[];
  /** The lock's info, 'held' for a lock dir without info, '' when free. */
  lock: string;
  /** What the app answers on / right now, or ERR. */
  answer: string;
  /** The release log, one parsed JSON object per line. */
  log: Array<Record<string, unknown>>;
  /** With `restart`: what the app answers after the unit was restarted (as a reboot would). */
  restarted?: string;
}

/**
 * Shell function for the host side: GET / from the app through bash's /dev/tcp, printing the
 * body's last line, or ERR. Keeps every check to one SSH round trip without curl on the host.
 */
export const ANSWER_FN = `answer() { timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$1"' && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && tail -n 1 <&3' 2>/dev/null || echo ERR; }`;

/** Wait (on the host) until the app answers, at most `seconds`. */
export const WAIT_ANSWER_FN = `wait_answer() { i=0; while [ $i -lt $(($2 * 10)) ]; do a=$(answer "$1"); [ "$a" != ERR ] && { echo "$a"; return; }; sleep 0.1; i=$((i + 1)); done; echo ERR; }`;

export interface StateOptions {
  /** The lab the host is in (default: the shared one). */
  lab?: Lab;
  /** Wait up to this long for the app to answer. */
  waitSeconds?: number;
  /** Then restart this unit and record what the app answers (proves what current really runs). */
  restart?: string;
}

export async function hostState(host: string, path: string, port: number, options: StateOptions = {}): Promise<HostState> {
  const script = [
    ANSWER_FN,
    WAIT_ANSWER_FN,
    `cd ${path} || exit 1`,
    removalsSettled(path),
    'echo "current=$(readlink current 2>/dev/null)"',
    '(cd current 2>/dev/null && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) && echo complete=yes || echo complete=no',
    'echo "version=$(cat current/VERSION 2>/dev/null)"',
    'echo "releases=$(ls -A releases 2>/dev/null | grep -v "^\\.manifest-\\|^\\.checked-" | tr "\\n" " ")"',
    'echo "uploads=$(ls -A .ship 2>/dev/null | grep "^upload-" | tr "\\n" " ")"',
    'if [ -d .ship/lock ]; then echo "lock=$(cat .ship/lock/info 2>/dev/null || echo held)"; else echo lock=; fi',
    options.waitSeconds ? `echo "answer=$(wait_answer ${port} ${options.waitSeconds})"` : `echo "answer=$(answer ${port})"`,
    ...(options.restart ? [`sudo systemctl restart ${options.restart} && echo "restarted=$(wait_answer ${port} 5)"`] : []),
    'echo log:',
    'cat .ship/releases.log 2>/dev/null',
  ].join('\n');
  const out = await onHost(host, script, { lab: options.lab });
  const [head = '', logText = ''] = out.split('\nlog:\n');
  const fields = new Map(head.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const words = (key: string) => (fields.get(key) ?? '').split(' ').filter(Boolean);
  const releases = words('releases');
  return {
    host,
    current: (fields.get('current') ?? '').replace(/^releases\//, ''),
    complete: fields.get('complete') === 'yes',
    version: fields.get('version') ?? '',
    releases,
    leftovers: [...releases.filter((r) => r.startsWith('.partial-') || r.startsWith('.removing-')), ...words('uploads')],
    lock: fields.get('lock') ?? '',
    answer: fields.get('answer') ?? '',
    ...(fields.has('restarted') ? { restarted: fields.get('restarted') } : {}),
    log: logText
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return { unparsable: l };
        }
      }),
  };
}

/**
 * The forms in which a value can be read in printed text: as it is, and JSON-escaped (an app
 * that logs JSON, like the test app's environment dump, puts that form into the journal).
 */
export function readableForms(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1)])];
}

/** The text, plus every string inside each line that is JSON (what a --json reader decodes). */
function views(text: string): string[] {
  const found = [text];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v);
  };
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      collect(JSON.parse(line));
    } catch {
      // Not a JSON line: the text itself is checked already.
    }
  }
  return found;
}

/** Which of `values` can be read, in any of its forms, in `text` (plain or JSON lines). */
export function leakedValues(text: string, values: readonly string[]): string[] {
  const all = views(text);
  return values.filter((value) => readableForms(value).some((form) => all.some((view) => view.includes(form))));
}

/**
 * No value of the env file (SECRETS, plus `extra` values a test file added to its own env
 * file) in any form in anything ship printed in this file, nor in the hosts' release logs.
 */
export async function expectNoSecretsPrinted(apps: App[], extra: readonly string[] = []): Promise<void> {
  expect(printed.length).toBeGreaterThan(0);
  const values = [...SECRETS, ...extra];
  const leaks: string[] = [];
  for (const run of printed) {
    for (const value of leakedValues(`${run.stdout}\n${run.stderr}`, values))
      leaks.push(`ship ${run.args.join(' ')} printed ${JSON.stringify(value)}`);
  }
  for (const app of apps) {
    for (const host of app.hosts) {
      const meta = await app.onHost(host, `cat ${app.path}/.ship/releases.log ${app.path}/.ship/lock/info 2>/dev/null`, { reject: false });
      for (const value of leakedValues(meta, values)) leaks.push(`${host}:${app.path}/.ship holds ${JSON.stringify(value)}`);
    }
  }
  expect(leaks).toEqual([]);
}

/** A person-readable error: no stack trace, no node internals. */
export function expectNoStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at .+[(:]\d+/);
  expect(stderr).not.toContain('node:internal');
  expect(stderr).not.toMatch(/unexpected:/);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded PRNG, so a failing sequence of fault moments can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Call `onLine` with each whole line of a child's output as it arrives. */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

/** The step a progress line names (deploy, rollback and setup lines alike). */
export function stepOf(line: string | undefined): string {
  if (!line) return 'start';
  if (/\| run in releases\//.test(line)) return 'once';
  if (/^pause \d/.test(line)) return 'pause';
  if (/build:|release \d/.test(line)) return 'build';
  if (/\| directories/.test(line)) return 'directories';
  if (/\| (lock|waiting for lock)/.test(line)) return 'lock';
  if (/upload: \d+ changed files/.test(line)) return 'stage';
  if (/upload/.test(line)) return 'upload';
  if (/check against the manifest|differ from the manifest|verified/.test(line)) return 'verify';
  if (/link shared/.test(line)) return 'link';
  if (/\| done/.test(line)) return 'between phases';
  if (/switch current/.test(line)) return 'switch';
  if (/systemctl restart/.test(line)) return 'restart';
  if (/health/.test(line)) return 'health';
  if (/cleanup/.test(line)) return 'cleanup';
  if (/unit |\.service|\.socket/.test(line)) return 'unit';
  if (/env file|shared\/\.env/.test(line)) return 'env file';
  if (/reloaded systemd|enabled|daemon-reload/.test(line)) return 'enable';
  return line.replace(/^\S+\s+\|\s+/, '');
}

export interface Plan {
  /** The step it aims at. */
  aim: string;
  trigger: RegExp;
  delay: [number, number];
  env?: Record<string, string>;
}

export interface Interrupted {
  code: number | null;
  /** True when the signal was sent before ship exited. */
  sent: boolean;
  /** Each host's last progress line when the signal was sent ('local' for the build). */
  last: Record<string, string | undefined>;
  stdout: string;
  stderr: string;
}

/** Run ship in its own process group; send `signal` to the group `delay` ms after `trigger`. */
export async function interrupted(
  app: App,
  args: string[],
  env: Record<string, string>,
  plan: Plan,
  delay: number,
  signal: NodeJS.Signals,
): Promise<Interrupted> {
  const child = execa('node', [SHIP, ...args], {
    cwd: app.dir,
    reject: false,
    stdin: 'ignore',
    detached: true,
    env: { SHIP_NO_COLOR: '1', TMPDIR: join(app.dir, '.tmp'), ...env, ...plan.env },
  });
  const last: Record<string, string | undefined> = {};
  let atSignal: Record<string, string | undefined> | undefined;
  let armed = false;
  let sent = false;
  eachLine(child.stdout!, (line) => {
    last[line.split(' | ')[0]!.trim()] = line;
    if (!armed && plan.trigger.test(line)) {
      armed = true;
      setTimeout(() => {
        if (child.exitCode !== null) return;
        atSignal = { ...last };
        sent = true;
        try {
          process.kill(-child.pid!, signal);
        } catch {
          sent = false; // already gone
        }
      }, delay);
    }
  });
  const result = await child;
  printed.push({ args: [...args, `(${signal})`], stdout: String(result.stdout), stderr: String(result.stderr) });
  return { code: result.exitCode ?? null, sent, last: atSignal ?? last, stdout: String(result.stdout), stderr: String(result.stderr) };
}
