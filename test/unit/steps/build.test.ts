import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stage } from '../../../src/config/types.js';
import { machineFingerprint, processStart } from '../../../src/run/process-identity.js';
import { packRelease, removeTarball } from '../../../src/steps/build.js';

const savedTmp = process.env.TMPDIR;
const made: string[] = [];
afterEach(() => {
  process.env.TMPDIR = savedTmp;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A process that ran and is gone now, with the start time it had. */
async function deadProcess(): Promise<{ pid: number; start: string }> {
  const child = spawn('sleep', ['30']);
  await once(child, 'spawn');
  const who = { pid: child.pid!, start: processStart(child.pid!)! };
  child.kill('SIGKILL');
  await once(child, 'exit');
  return who;
}

function stageBuilding(dir: string): Stage {
  return { name: 'prod', configFile: join(dir, 'hosts.ts'), build: { run: ['true'], dir, env: {} } } as unknown as Stage;
}

describe('abandoned release tarballs in TMPDIR', () => {
  it('are removed only when a ship of this machine and pid namespace left them and is gone', async () => {
    const build = tempDir('ship-build-test-');
    writeFileSync(join(build, 'server.js'), 'ok\n');
    const shared = tempDir('ship-tmpdir-test-');
    const dead = await deadProcess();
    const live = spawn('sleep', ['30']);
    await once(live, 'spawn');
    const liveStart = processStart(live.pid!)!;
    const here = machineFingerprint();
    const dirs = {
      deadHere: `ship-release-${here}-${dead.pid}-${dead.start}-aaaaaa`,
      // The pid now belongs to a process that started at another time: ours is gone.
      pidReused: `ship-release-${here}-${live.pid}-${Number(liveStart) + 1}-bbbbbb`,
      liveHere: `ship-release-${here}-${live.pid}-${liveStart}-cccccc`,
      // Another machine, container or pid namespace sharing TMPDIR: its pids mean nothing here.
      otherMachine: `ship-release-${'f'.repeat(24)}-${dead.pid}-${dead.start}-dddddd`,
      // The old name, pid only: nothing proves whose it was, so it stays.
      pidOnly: `ship-release-${dead.pid}-eeeeee`,
    };
    for (const name of Object.values(dirs)) {
      mkdirSync(join(shared, name));
      writeFileSync(join(shared, name, 'release.tar.gz'), 'x');
    }
    process.env.TMPDIR = shared;
    try {
      const tarball = await packRelease(stageBuilding(build));
      const left = readdirSync(shared).sort();
      const own = left.find((n) => !Object.values(dirs).includes(n));
      expect(left).toEqual([dirs.liveHere, dirs.otherMachine, dirs.pidOnly, own].sort());
      // Its own directory names who made it, so another ship can tell the same later.
      expect(own).toMatch(new RegExp(`^ship-release-${here}-${process.pid}-${processStart(process.pid)}-`));
      await removeTarball(tarball);
    } finally {
      live.kill('SIGKILL');
    }
  });
});
