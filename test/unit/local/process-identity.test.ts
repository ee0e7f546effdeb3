import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { aliveHere, currentProcess, machineFingerprint, processStart, provablyGone } from '../../../src/local/process-identity.js';

describe('process identity', () => {
  it('fingerprints this machine without revealing its machine id', () => {
    const machine = machineFingerprint();
    expect(machine).toMatch(/^[0-9a-f]{24}$/);
    expect(machine).not.toContain(readFileSync('/etc/machine-id', 'utf8').trim().slice(0, 12) || 'no machine id');
  });

  it('knows a live process is not gone, and a dead one is', async () => {
    const child = spawn('sleep', ['30']);
    await once(child, 'spawn');
    const who = { machine: machineFingerprint(), pid: child.pid!, start: processStart(child.pid!)! };
    expect(who.start).toMatch(/^\d+$/);
    expect(provablyGone(who)).toBe(false);
    expect(aliveHere(who)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(provablyGone(who)).toBe(true);
    expect(aliveHere(who)).toBe(false);
  });

  it('counts a reused pid (another start time) as gone', () => {
    const me = currentProcess();
    expect(provablyGone(me)).toBe(false);
    expect(provablyGone({ ...me, start: String(Number(me.start) - 1) })).toBe(true);
  });

  it('never calls a process of another machine, boot or pid namespace gone', () => {
    const me = currentProcess();
    expect(provablyGone({ ...me, machine: 'f'.repeat(24), pid: 999_999_999 })).toBe(false);
    expect(provablyGone({ pid: 999_999_999 })).toBe(false);
    expect(provablyGone(undefined)).toBe(false);
    expect(provablyGone({ ...me, start: '' })).toBe(false);
  });
});
