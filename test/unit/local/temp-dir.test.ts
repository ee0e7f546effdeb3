/** Temp dirs named after their maker; only a provably dead maker's are swept. */
import { mkdir, mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentProcess } from '../../../src/local/process-identity.js';
import { makeTempDir, removeAbandoned } from '../../../src/local/temp-dir.js';

describe('makeTempDir', () => {
  it('makes a directory in TMPDIR named after this process and what it is for', async () => {
    const dir = await makeTempDir('worktree');
    const me = currentProcess();
    expect(dirname(dir)).toBe(tmpdir());
    expect(basename(dir).startsWith(`ship-tmp-${me.machine || '0'}-${me.pid}-${me.start || '0'}-worktree-`)).toBe(true);
    expect((await stat(dir)).isDirectory()).toBe(true);
  });
});

describe('removeAbandoned', () => {
  it("keeps this process's directories and names it does not own the pattern of", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-sweep-'));
    const me = currentProcess();
    const mine = `ship-tmp-${me.machine || '0'}-${me.pid}-${me.start || '0'}-x-abc`;
    await mkdir(join(dir, mine));
    await mkdir(join(dir, 'other-dir'));
    await removeAbandoned(dir);
    expect((await readdir(dir)).sort()).toEqual([mine, 'other-dir'].sort());
  });

  it('does not fail on a directory that does not exist', async () => {
    await expect(removeAbandoned(join(tmpdir(), 'ship-no-such-dir-for-sure'))).resolves.toBeUndefined();
  });
});
