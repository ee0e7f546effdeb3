/**
 * What the benchmarks share: a test lab that is always torn down (normal end, failure, Ctrl-C,
 * or the time budget running out), medians, and the optional JSON result for bench/run.mjs.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { startLab, stopLab, type Lab } from '../test/hosts/lab.js';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const SHIP = join(REPO, 'bin/ship');

export const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** --lab N, --runs N, --json FILE and the script's own numeric options. */
export function options<K extends string>(defaults: Record<K, number>): Record<K, number> & { json?: string } {
  const names = ['json', ...Object.keys(defaults)];
  const values = parseArgs({ options: Object.fromEntries(names.map((k) => [k, { type: 'string' as const }])) }).values as Record<
    string,
    string | undefined
  >;
  const out: Record<string, number | string | undefined> = { json: values.json };
  for (const [k, v] of Object.entries(defaults)) {
    out[k] = values[k] === undefined ? (v as number) : Number(values[k]);
    if (!Number.isInteger(out[k]) || (out[k] as number) < 1) throw new Error(`--${k} expects a whole number >= 1, not ${values[k]}`);
  }
  return out as Record<K, number> & { json?: string };
}

/**
 * Boot lab `id` with `hosts`, run `body` with it and a scratch directory, then tear both down.
 * The whole run, boot included, is bounded by `budgetMs`; past it the lab is stopped and the
 * process exits 124 (execa's children are killed with it).
 */
export async function withLab<T>(id: number, hosts: string[], budgetMs: number, body: (lab: Lab, tmp: string) => Promise<T>): Promise<T> {
  if (!existsSync(join(REPO, 'dist/transport/ssh.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const tmp = await mkdtemp(join(tmpdir(), 'ship-bench-'));
  let stopping: Promise<void> | undefined;
  const teardown = (): Promise<void> => (stopping ??= Promise.all([stopLab(id), rm(tmp, { recursive: true, force: true })]).then(() => {}));
  const abort = (why: string, code: number) => (): void => {
    log(`${why}: stopping lab ${id}`);
    void teardown().finally(() => process.exit(code));
  };
  const watchdog = setTimeout(abort(`time budget of ${budgetMs / 1000}s used up`, 124), budgetMs);
  const onInt = abort('interrupted', 130);
  const onTerm = abort('terminated', 143);
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  try {
    log(`booting lab ${id} (${hosts.join(', ')})`);
    const lab = await startLab({ id, hosts, log: (l) => log(l) });
    return await body(lab, tmp);
  } finally {
    clearTimeout(watchdog);
    await teardown();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const fixed = (n: number, digits = 2): string => n.toFixed(digits);

/** Write the result for bench/run.mjs when --json FILE was given. */
export async function writeResult(file: string | undefined, result: object): Promise<void> {
  if (file) await writeFile(file, JSON.stringify(result, null, 2));
}

/** The test app (test/e2e/fixtures/app) in `<tmp>/app`, with a hosts.ts made of `config`; returns its directory. */
export async function fixtureProject(tmp: string, config: Record<string, unknown>): Promise<string> {
  const dir = join(tmp, 'app');
  await mkdir(dir);
  for (const f of ['server.js', 'build.sh']) await copyFile(join(REPO, 'test/e2e/fixtures/app', f), join(dir, f));
  await writeFile(
    join(dir, 'hosts.ts'),
    `import { defineHosts } from 'ship-deploy';\nexport default defineHosts(${JSON.stringify(config, null, 2)});\n`,
  );
  return dir;
}

export interface SidesOptions {
  keep: number;
  ports: { ship: number; script: number };
  /** ship's stages: name -> hosts (health `confirm: 0`), or `{ hosts }` for ship's default confirm. */
  stages: Record<string, string[] | { hosts: string[] }>;
}

/**
 * The two sides of a deploy benchmark on `hosts` of a lab: `ship deploy` of a project whose dist/
 * is the release (build.run is `true`), and bench/deploy-openssh.sh doing the same by hand, each
 * into a deploy path and unit of its own. Every deploy gets a new VERSION and is checked after.
 */
export async function benchSides(lab: Lab, tmp: string, hosts: string[], o: SidesOptions) {
  const ship = { app: 'bench-ship', path: '/srv/bench-ship', port: o.ports.ship };
  const script = { unit: 'bench-openssh', path: '/srv/bench-openssh', port: o.ports.script };
  const onHost = async (host: string, command: string): Promise<void> =>
    void (await execa('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', host, command]));
  const onHosts = async (some: string[], command: string): Promise<void> => void (await Promise.all(some.map((h) => onHost(h, command))));
  // The script's unit, written by hand as its author would; ship's comes from `ship setup`.
  const unit = [
    '[Service]',
    `WorkingDirectory=${script.path}/current`,
    'ExecStart=/usr/bin/node server.js',
    'User=deploy',
    `Environment=PORT=${script.port}`,
    '',
  ].join('\\n');
  await onHosts(
    hosts,
    [
      `sudo mkdir -p ${ship.path} ${script.path} && sudo chown deploy: ${ship.path} ${script.path}`,
      `printf '${unit}' | sudo tee /etc/systemd/system/${script.unit}.service >/dev/null && sudo systemctl daemon-reload`,
    ].join(' && '),
  );
  const stage = (s: string[] | { hosts: string[] }) => ({
    hosts: Array.isArray(s) ? s : s.hosts,
    path: ship.path,
    keep: o.keep,
    health: { url: `http://127.0.0.1:${ship.port}/health`, timeout: 30, ...(Array.isArray(s) ? { confirm: 0 } : {}) },
  });
  const config = {
    app: ship.app,
    ssh: { config: lab.sshConfig },
    build: { run: ['true'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(ship.port) } },
    stages: Object.fromEntries(Object.entries(o.stages).map(([name, s]) => [name, stage(s)])),
  };
  const cache = join(tmp, 'cache');
  const env = { SHIP_NO_COLOR: '1', XDG_CACHE_HOME: cache };
  let version = 0;
  /** A new VERSION (a few bytes of the release change), so every deploy is a new release. */
  const bump = async (dir: string): Promise<string> => {
    const v = `v${++version}`;
    await writeFile(join(dir, 'dist/VERSION'), `${v}\n`);
    return v;
  };
  const check = (some: string[], path: string, unitName: string, v: string) =>
    onHosts(some, `systemctl is-active --quiet ${unitName} && grep -qx ${v} ${path}/current/VERSION`);
  return {
    cache,
    onHosts,
    /** hosts.ts for the project in `dir`. */
    writeHosts: (dir: string) =>
      writeFile(
        join(dir, 'hosts.ts'),
        `import { defineHosts } from 'ship-deploy';\nexport default defineHosts(${JSON.stringify(config, null, 2)});\n`,
      ),
    setup: async (dir: string, stageName: string): Promise<void> =>
      void (await execa('node', [SHIP, 'setup', stageName], { cwd: dir, env, stdin: 'ignore' })),
    /** Hosts as a first deploy finds them: no release, no current, the unit stopped. */
    wipe: (some: string[]) =>
      onHosts(
        some,
        [
          `sudo systemctl stop ${ship.app} ${script.unit}`,
          `sudo rm -rf ${ship.path}/releases ${ship.path}/current ${script.path}/releases ${script.path}/current ${script.path}/.ship`,
        ].join(' && '),
      ),
    /** `ship deploy`, timed from spawn to exit (ms); lines matching `show` are logged. */
    async ship(dir: string, stageName: string, some: string[], show?: RegExp): Promise<number> {
      const v = await bump(dir);
      const start = performance.now();
      const run = await execa('node', [SHIP, 'deploy', stageName], { cwd: dir, env, stdin: 'ignore', timeout: 300_000 });
      const ms = performance.now() - start;
      for (const line of run.stdout.split('\n')) if (show?.test(line)) log(`  ${line}`);
      await check(some, ship.path, ship.app, v);
      return ms;
    },
    /** bench/deploy-openssh.sh, timed the same way. */
    async script(dir: string, some: string[]): Promise<number> {
      const v = await bump(dir);
      const start = performance.now();
      await execa('bash', [join(REPO, 'bench/deploy-openssh.sh')], {
        cwd: dir,
        stdin: 'ignore',
        timeout: 300_000,
        env: {
          SSH_CONFIG: lab.sshConfig,
          HOSTS: some.join(' '),
          DEPLOY_PATH: script.path,
          UNIT: script.unit,
          PORT: String(script.port),
          KEEP: String(o.keep),
        },
      });
      const ms = performance.now() - start;
      await check(some, script.path, script.unit, v);
      return ms;
    },
  };
}
