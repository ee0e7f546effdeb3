import { mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearStagePending, loadPending, pendingDir, savePending } from '../../../src/acme/pending.js';

const STAGING = 'https://staging.example/dir';
const PRODUCTION = 'https://production.example/dir';
const pair = (directoryUrl: string) => ({ keyPem: 'KEY', certPem: 'CERT', directoryUrl });

describe('pending pairs', () => {
  it("are kept per CA directory: after a switch the other CA's pair is not found", async () => {
    const root = await mkdtemp(join(tmpdir(), 'ship-pending-'));
    const at = (directoryUrl: string) => pendingDir('/p/hosts.ts', 'prod', ['a.example.com'], directoryUrl, root);
    await savePending(at(STAGING), pair(STAGING));
    expect(await loadPending(at(PRODUCTION))).toBeUndefined();
    expect(await loadPending(at(STAGING))).toEqual(pair(STAGING));
    expect((await stat(join(at(STAGING), 'privkey.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(at(STAGING))).mode & 0o777).toBe(0o700);

    // Once the stage has its certificate everywhere, no CA's pair is kept for it.
    await savePending(at(PRODUCTION), pair(PRODUCTION));
    await clearStagePending(at(PRODUCTION));
    expect(await loadPending(at(STAGING))).toBeUndefined();
    expect(await loadPending(at(PRODUCTION))).toBeUndefined();
  });

  it('keep the profile the pair was ordered with', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ship-pending-'));
    const dir = pendingDir('/p/hosts.ts', 'prod', ['a.example.com'], PRODUCTION, root);
    await savePending(dir, { ...pair(PRODUCTION), profile: 'shortlived' });
    expect(await loadPending(dir)).toEqual({ ...pair(PRODUCTION), profile: 'shortlived' });
    await savePending(dir, pair(PRODUCTION));
    expect(await loadPending(dir)).toEqual(pair(PRODUCTION));
  });

  it('ignores a pair kept without its directory, as older versions kept them', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ship-pending-'));
    const dir = pendingDir('/p/hosts.ts', 'prod', ['a.example.com'], PRODUCTION, root);
    // The old layout: the pair right in the stage's directory, and no record of its CA.
    await mkdir(dirname(dir), { recursive: true });
    await writeFile(join(dirname(dir), 'privkey.pem'), 'KEY');
    await writeFile(join(dirname(dir), 'fullchain.pem'), 'CERT');
    expect(await loadPending(dir)).toBeUndefined();
    await mkdir(dir);
    await writeFile(join(dir, 'privkey.pem'), 'KEY');
    await writeFile(join(dir, 'fullchain.pem'), 'CERT');
    expect(await loadPending(dir)).toBeUndefined();
  });
});
