/**
 * A certificate issued but not yet installed on every host (a host was down, nginx -t failed)
 * is kept on this machine until it is, so the next run installs the same pair instead of
 * ordering another: Let's Encrypt allows only 5 duplicate certificates a week, and a host that
 * fails twice a day from cron would use them up.
 *
 * Kept per CA directory (`pending/<stage>-<hash>/<hash of directory URL>/`): after `directory`
 * changes, a pair from the old CA (a staging one) is never installed; it stays for the day the
 * directory is switched back, until the stage has a certificate on every host.
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writePrivate } from './files.js';
import type { IssuedPair } from './order.js';
import { privateDir, sha256, stateDir } from './paths.js';

export function pendingDir(configFile: string, stage: string, domains: readonly string[], directoryUrl: string, root = stateDir()): string {
  const forStage = `${stage}-${sha256(`${configFile}\0${stage}\0${domains.join(',')}`).slice(0, 16)}`;
  return join(root, 'pending', forStage, sha256(directoryUrl).slice(0, 16));
}

export async function savePending(dir: string, pair: IssuedPair): Promise<void> {
  await privateDir(dirname(dir));
  await privateDir(dir);
  await writePrivate(join(dir, 'privkey.pem'), pair.keyPem);
  await writePrivate(join(dir, 'fullchain.pem'), pair.certPem);
  await writePrivate(join(dir, 'directory'), `${pair.directoryUrl}\n`);
  await rm(join(dir, 'profile'), { force: true });
  if (pair.profile) await writePrivate(join(dir, 'profile'), `${pair.profile}\n`);
}

/** The pair kept in `dir`, if there is a whole one. */
export async function loadPending(dir: string): Promise<IssuedPair | undefined> {
  try {
    const read = (name: string) => readFile(join(dir, name), 'utf8');
    const profile = (await read('profile').catch(() => '')).trim();
    return {
      keyPem: await read('privkey.pem'),
      certPem: await read('fullchain.pem'),
      directoryUrl: (await read('directory')).trim(),
      ...(profile ? { profile } : {}),
    };
  } catch {
    return undefined;
  }
}

export async function clearPending(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Once every host has the stage's certificate: the pairs kept for it from every CA directory. */
export async function clearStagePending(dir: string): Promise<void> {
  await rm(dirname(dir), { recursive: true, force: true });
}
