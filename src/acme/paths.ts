/**
 * Where certificate state lives on the machine that runs ship (documented in the README):
 *
 *   $XDG_STATE_HOME/ship/            (default ~/.local/state/ship), mode 0700
 *     acme/<sha256(directory URL)>/  one ACME account per CA directory
 *       account.key                  the account's private key, 0600
 *       account.json                 { directoryUrl, url, email }
 *       ari/<certificate id>.json    cached renewal windows, honouring Retry-After
 *     certs-renew.lock               the renewal lock (lock.ts)
 *     pending/<stage id>/<CA id>/    a certificate issued but not yet on every host (key 0600)
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME?.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'ship');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function accountDir(directoryUrl: string, root = stateDir()): string {
  return join(root, 'acme', sha256(directoryUrl));
}

/** mkdir -p, then 0700 on the leaf: these directories hold private keys. */
export async function privateDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
  return path;
}
