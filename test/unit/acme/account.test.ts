import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAccount, saveAccountUrl } from '../../../src/acme/account.js';
import { accountDir, stateDir } from '../../../src/acme/paths.js';

describe('ACME account store', () => {
  it('lives under $XDG_STATE_HOME/ship, else ~/.local/state/ship', () => {
    expect(stateDir({ XDG_STATE_HOME: '/var/lib/x' })).toBe('/var/lib/x/ship');
    expect(stateDir({ XDG_STATE_HOME: 'relative' })).toMatch(/\/\.local\/state\/ship$/);
    expect(accountDir('https://acme-v02.api.letsencrypt.org/directory', '/s')).toMatch(/^\/s\/acme\/[0-9a-f]{64}$/);
  });

  it('makes one ECDSA P-256 key per directory, 0600 in a 0700 directory, and reuses it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ship-state-'));
    const url = 'https://ca.example/dir';
    const first = await loadAccount(url, root);
    expect(createPrivateKey(first.keyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect((await stat(join(first.dir, 'account.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(first.dir)).mode & 0o777).toBe(0o700);
    expect(first.url).toBeUndefined();

    await saveAccountUrl(first, 'https://ca.example/acct/1', 'ops@example.com');
    const again = await loadAccount(url, root);
    expect(again.keyPem).toBe(first.keyPem);
    expect(again.url).toBe('https://ca.example/acct/1');
    expect(JSON.parse(await readFile(join(first.dir, 'account.json'), 'utf8'))).toEqual({
      directoryUrl: url,
      url: 'https://ca.example/acct/1',
      email: 'ops@example.com',
    });

    const other = await loadAccount('https://other.example/dir', root);
    expect(other.keyPem).not.toBe(first.keyPem);
  });
});
