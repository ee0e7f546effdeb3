/**
 * A certificate issued but not yet installed on every host (a host was down, nginx -t failed)
 * is kept on this machine until it is, so the next run installs the same pair instead of
 * ordering another: Let's Encrypt allows only 5 duplicate certificates a week, and a host that
 * fails twice a day from cron would use them up.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivate } from './files.js';
import type { IssuedPair } from './order.js';
import { privateDir, sha256, stateDir } from './paths.js';

export function pendingDir(configFile: string, stage: string, domains: readonly string[], root = stateDir()): string {
  return join(root, 'pending', `${stage}-${sha256(`${configFile}\0${stage}\0${domains.join(',')}`).slice(0, 16)}`);
}

export async function savePending(dir: string, pair: IssuedPair): Promise<void> {
  await privateDir(dir);
  await writePrivate(join(dir, 'privkey.pem'), pair.keyPem);
  await writePrivate(join(dir, 'fullchain.pem'), pair.certPem);
}

export async function loadPending(dir: string): Promise<IssuedPair | undefined> {
  try {
    return { keyPem: await readFile(join(dir, 'privkey.pem'), 'utf8'), certPem: await readFile(join(dir, 'fullchain.pem'), 'utf8') };
  } catch {
    return undefined;
  }
}

export async function clearPending(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
