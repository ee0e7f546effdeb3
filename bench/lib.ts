/**
 * What the benchmarks share: a test lab that is always torn down (normal end, failure, Ctrl-C,
 * or the time budget running out), medians, and the optional JSON result for bench/run.mjs.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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
