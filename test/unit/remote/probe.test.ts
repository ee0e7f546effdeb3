/** probe's read-only scripts on a real local shell, against a temp dir. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probe } from '../../../src/remote/probe.js';
import { LocalShell } from '../support/local-shell.js';

async function output(command: Parameters<LocalShell['run']>[0]): Promise<string> {
  let out = '';
  await new LocalShell().run(command, { onStdout: (t) => (out += t) });
  return out;
}

describe('probe', () => {
  it('existingAncestor prints the nearest existing ancestor of a path that does not exist yet, and that it is writable', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ship-probe-'));
    const out = await output(probe.existingAncestor(join(root, 'a b', "it's", 'c')));
    expect(out.split('\n').filter(Boolean)).toEqual([root, 'writable']);
  });

  it('freeSpace prints a whole number of kilobytes for a path under a temp dir', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ship-probe-'));
    const out = (await output(probe.freeSpace(join(root, 'missing')))).trim();
    expect(out).toMatch(/^\d+$/);
  });

  it('whoami and sudo are plain argv, no shell', () => {
    expect(probe.whoami()).toEqual({ argv: ['id', '-un'] });
    expect(probe.sudo()).toEqual({ argv: ['sudo', '-n', 'true'] });
  });
});
