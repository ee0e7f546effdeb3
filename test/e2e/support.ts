/**
 * What end-to-end tests share: the booted lab, running the real `ship` CLI as a child process,
 * looking at hosts with OpenSSH (not with ship's own transport), and throwaway projects.
 */
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { inject } from 'vitest';
import type { Lab } from '../hosts/lab.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHIP = join(REPO, 'bin/ship');

export function lab(): Lab {
  return inject('lab');
}

export interface ShipResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the real CLI. Not a terminal, so output is plain prefixed lines. */
export async function ship(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<ShipResult> {
  const started = Date.now();
  const result = await execa('node', [SHIP, ...args], {
    cwd: options.cwd,
    reject: false,
    env: { ...options.env, SHIP_NO_COLOR: '1' },
    timeout: options.timeoutMs ?? 110_000,
    stdin: 'ignore',
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

/**
 * Run a shell script on a lab host as deploy, through OpenSSH with the lab's own config (the
 * shared lab unless a test file booted its own and names it).
 */
/**
 * Shell that waits (at most 60 s) until no background removal of old releases under `path` runs
 * (remove-releases.sh starts `rm -rf -- <path>/releases/.removing-<id>` on its own, so a deploy
 * exits before it ends): run it before reading what releases/ holds.
 */
export function removalsSettled(path: string): string {
  return `for _ in $(seq 600); do pgrep -f -- "^rm -rf -- ${path}/releases/" >/dev/null || break; sleep 0.1; done`;
}

export async function onHost(host: string, script: string, options: { reject?: boolean; lab?: Lab } = {}): Promise<string> {
  const result = await execa('ssh', ['-F', (options.lab ?? lab()).sshConfig, '-o', 'BatchMode=yes', host, script], {
    reject: options.reject ?? true,
  });
  return result.stdout;
}

/** A project directory with a hosts.ts built from `config` plus any extra files. */
export async function project(config: Record<string, unknown>, files: Record<string, string> = {}, on?: Lab): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ship-e2e-'));
  await writeHosts(dir, config, on);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** (Re)writes `dir/hosts.ts` from `config`, as a user editing it would: same file, new content. */
export async function writeHosts(dir: string, config: Record<string, unknown>, on: Lab = lab()): Promise<void> {
  const withSsh = { ssh: { config: on.sshConfig, connectTimeout: 5 }, ...config };
  await writeFile(
    join(dir, 'hosts.ts'),
    `import { defineHosts } from 'ship-deploy';\n\nexport default defineHosts(${JSON.stringify(withSsh, null, 2)});\n`,
  );
}

export function address(host: string): string {
  const found = lab().hosts.find((h) => h.name === host);
  if (!found) throw new Error(`no lab host ${host}`);
  return found.address;
}

/** After a test file: stop and remove its app's unit and deploy path on these hosts (errors ignored: it may be gone). */
export async function removeApp(hosts: readonly string[], unit: string, path: string, extra: string[] = []): Promise<void> {
  const script = [
    `sudo systemctl disable --now ${unit}.service 2>/dev/null`,
    `sudo rm -f /etc/systemd/system/${unit}.service`,
    'sudo systemctl daemon-reload',
    `sudo rm -rf ${[path, ...extra].join(' ')}`,
  ].join('; ');
  await Promise.all(hosts.map((h) => onHost(h, script, { reject: false })));
}
