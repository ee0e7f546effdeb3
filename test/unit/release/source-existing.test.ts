/**
 * `ship rollback` deploys a release the hosts have: its source asks no git (a project that is
 * not a checkout, or one with a new commit, changes nothing in the rollback's record) and
 * cannot build.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../../src/release/source.js';
import type { Stage } from '../../../src/config/types.js';
import type { Output } from '../../../src/output/output.js';

// A directory that is no git checkout: describeRelease would find no commit, a --ref would fail.
const notACheckout = mkdtempSync(join(tmpdir(), 'ship-existing-'));
const stage = { name: 'prod', configDir: notACheckout, configFile: join(notACheckout, 'hosts.ts') } as unknown as Stage;

describe('a source of a release already on the hosts', () => {
  it('names the release asked for, with no commit and no new id', async () => {
    const source = await openSource(stage, { existing: '20260101T000000Z-abcdef' });
    expect(source.release.id).toBe('20260101T000000Z-abcdef');
    expect(source.release.commit).toBeUndefined();
    expect(source.release.user.length).toBeGreaterThan(0);
    const picked = await openSource(stage, { existing: '' });
    expect(picked.release.id).toBe('');
  });

  it('refuses to build, saying what to run instead', async () => {
    const source = await openSource(stage, { existing: '' });
    await expect(source.build({} as Output, new AbortController().signal)).rejects.toThrow(/cannot build one/);
    await expect(source.dispose()).resolves.toBeUndefined();
  });
});
