/**
 * One ACME account per CA directory, kept on the machine that runs ship (see paths.ts): an
 * ECDSA P-256 key (0600) and the account URL, reused on every run. The key is made the first
 * time a directory is used; registration itself happens in order.ts, which saves the URL.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import acme from 'acme-client';
import { writePrivate } from './files.js';
import { accountDir, privateDir, stateDir } from './paths.js';

export interface Account {
  directoryUrl: string;
  dir: string;
  keyPem: string;
  /** Known once the CA has registered the key. */
  url?: string;
}

interface AccountFile {
  directoryUrl: string;
  url: string;
  email: string;
}

export async function loadAccount(directoryUrl: string, root = stateDir()): Promise<Account> {
  const dir = await privateDir(accountDir(directoryUrl, root));
  const keyFile = join(dir, 'account.key');
  let keyPem = await readFile(keyFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (keyPem === undefined) {
    keyPem = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
    await writePrivate(keyFile, keyPem);
  }
  const info = await readFile(join(dir, 'account.json'), 'utf8')
    .then((t) => JSON.parse(t) as Partial<AccountFile>)
    .catch(() => ({}) as Partial<AccountFile>);
  return { directoryUrl, dir, keyPem, ...(info.directoryUrl === directoryUrl && info.url ? { url: info.url } : {}) };
}

export async function saveAccountUrl(account: Account, url: string, email: string): Promise<void> {
  const data: AccountFile = { directoryUrl: account.directoryUrl, url, email };
  await writePrivate(join(account.dir, 'account.json'), `${JSON.stringify(data, null, 2)}\n`);
  account.url = url;
}
