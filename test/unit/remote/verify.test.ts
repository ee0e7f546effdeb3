/**
 * verify's hashing on a real local shell: the deadline holds even when what it reads never ends
 * (a FIFO put in a file's place after the listing, which no size check can catch).
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEADLINE_PASSED, verifyCommands } from '../../../src/remote/verify.js';
import { LocalShell } from '../support/local-shell.js';

describe('verifyCommands.hash', () => {
  it('hashes the files asked for, and stops at the deadline when one never ends, saying so', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ship-verify-'));
    await mkdir(join(root, 'releases', 'r1'), { recursive: true });
    const files = Array.from({ length: 16 }, (_, i) => `f${i}`); // one batch of sha256sum (src/remote/verify.ts)
    for (const f of files) await writeFile(join(root, 'releases', 'r1', f), 'hello\n');
    await execa('mkfifo', [join(root, 'releases', 'r1', 'swapped')]);
    let out = '';
    const started = Date.now();
    await new LocalShell().run(verifyCommands.hash({ root }, 'r1', 1), {
      stdin: [...files, 'swapped'].map((f) => `${f}\0`).join(''),
      onStdout: (t) => (out += t),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    // The batch before the FIFO is kept; the FIFO's is lost, and the deadline said.
    expect(out.split('\0')).toEqual([
      ...files.map((f) => `5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  ${f}`),
      '',
      DEADLINE_PASSED,
      '',
    ]);
  });
});
