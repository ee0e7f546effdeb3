/**
 * The deploy lock's scripts run in a real local shell against a temporary deploy path: taking,
 * waiting, breaking only a provably dead holder's lock, and never removing anyone else's.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../../src/remote/command.js';
import { lock as lockCommands } from '../../../src/remote/lock.js';
import { ExitCode, ShipError } from '../../../src/errors.js';
import { machineFingerprint, processStart } from '../../../src/local/process-identity.js';
import { DeployLock, describeHolder, holderIsDead } from '../../../src/host/deploy-lock.js';
import type { RunOptions } from '../../../src/transport/types.js';
import { LocalShell } from '../support/local-shell.js';

let dir: string;
const owner = (command = 'ship deploy prod') => ({ user: 'alice', command, stageName: 'prod' });
const now = () => Date.now();

beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'ship-lock-'));
  await mkdir(join(root, '.ship'));
  dir = join(root, '.ship/lock');
});

/** A dead ship of this machine: a child that ran and was killed. */
async function deadProcess(): Promise<{ pid: number; start: string }> {
  const child = spawn('sleep', ['30']);
  await once(child, 'spawn');
  const who = { pid: child.pid!, start: processStart(child.pid!)! };
  child.kill('SIGKILL');
  await once(child, 'exit');
  return who;
}

async function plantLock(info: object): Promise<string> {
  const text = JSON.stringify(info);
  await mkdir(dir);
  await writeFile(join(dir, 'info'), `${text}\n`);
  return text;
}

const readInfo = async () => JSON.parse(await readFile(join(dir, 'info'), 'utf8')) as Record<string, unknown>;

describe('DeployLock', () => {
  it('takes a free lock with who, where, which process, the command name and when; 0750/0640', async () => {
    const lock = new DeployLock(new LocalShell(), 'h1', dir, owner());
    await lock.acquire({ deadline: now() });
    const info = await readInfo();
    expect(Object.keys(info).sort()).toEqual(['command', 'machine', 'origin', 'pid', 'start', 'time', 'token', 'user']);
    expect(info).toMatchObject({
      user: 'alice',
      origin: hostname(),
      pid: process.pid,
      command: 'ship deploy prod',
      machine: machineFingerprint(),
    });
    expect((await stat(dir)).mode & 0o777).toBe(0o750);
    expect((await stat(join(dir, 'info'))).mode & 0o777).toBe(0o640);
    await lock.release();
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a held lock at once naming the holder (exit 4), and takes it once freed when waiting', async () => {
    const first = new DeployLock(new LocalShell(), 'h1', dir, owner());
    await first.acquire({ deadline: now() });
    const second = new DeployLock(new LocalShell(), 'h1', dir, owner('ship rollback prod'));
    const refused = await second.acquire({ deadline: now() }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ShipError);
    expect((refused as ShipError).exitCode).toBe(ExitCode.locked);
    expect((refused as ShipError).message).toMatch(
      new RegExp(`^h1: locked by alice@${hostname()} pid ${process.pid} \\(ship deploy prod\\) since `),
    );
    const waits: string[] = [];
    const waiting = second.acquire({ deadline: now() + 20_000, onWait: (h) => waits.push(h) });
    while (waits.length === 0) await new Promise((r) => setTimeout(r, 10));
    await first.release();
    await waiting;
    expect((await readInfo()).command).toBe('ship rollback prod');
  });

  it('breaks the lock of a dead ship of this machine, saying so', async () => {
    const dead = await deadProcess();
    await plantLock({
      user: 'bob',
      origin: hostname(),
      machine: machineFingerprint(),
      ...dead,
      command: 'ship deploy prod',
      time: 't',
      token: 'old',
    });
    const broken: string[] = [];
    await new DeployLock(new LocalShell(), 'h1', dir, owner()).acquire({ deadline: now(), onBreak: (h) => broken.push(h) });
    expect(broken).toEqual([`bob@${hostname()} pid ${dead.pid} (ship deploy prod) since t`]);
    expect((await readInfo()).user).toBe('alice');
  });

  it('never breaks a lock from another machine with the same hostname and a pid that is free here', async () => {
    const dead = await deadProcess();
    // A CI container called like us, whose ship is alive over there: only the fingerprint differs.
    const text = await plantLock({
      user: 'bob',
      origin: hostname(),
      machine: 'a'.repeat(24),
      ...dead,
      command: 'ship deploy prod',
      time: 't',
      token: 'theirs',
    });
    expect(holderIsDead(text)).toBe(false);
    const error = await new DeployLock(new LocalShell(), 'h1', dir, owner()).acquire({ deadline: now() }).catch((e: unknown) => e);
    expect((error as ShipError).exitCode).toBe(ExitCode.locked);
    expect((await readInfo()).token).toBe('theirs');
  });

  it("two ships that saw the same dead holder: the second never removes the first one's new lock", async () => {
    const dead = await deadProcess();
    await plantLock({
      user: 'bob',
      origin: hostname(),
      machine: machineFingerprint(),
      ...dead,
      command: 'ship deploy prod',
      time: 't',
      token: 'old',
    });
    // B reads the dead lock, then is held back until A has broken it and taken the lock.
    let release!: () => void;
    const aHasIt = new Promise<void>((r) => (release = r));
    class Slow extends LocalShell {
      private seen = 0;
      override async run(command: Command, options?: RunOptions) {
        if (command.label === 'release the deploy lock' && this.seen++ === 0) await aHasIt;
        return super.run(command, options);
      }
    }
    const a = new DeployLock(new LocalShell(), 'h1', dir, owner('ship deploy prod (a)'));
    const b = new DeployLock(new Slow(), 'h1', dir, owner('ship deploy prod (b)'));
    let bSawDead!: () => void;
    const seenByB = new Promise<void>((r) => (bSawDead = r));
    const bDone = b.acquire({ deadline: now(), onBreak: () => bSawDead() }).catch((e: unknown) => e);
    await seenByB;
    await a.acquire({ deadline: now() });
    release();
    const bError = await bDone;
    expect((bError as ShipError).exitCode).toBe(ExitCode.locked);
    expect((bError as ShipError).message).toContain('(ship deploy prod (a))');
    expect((await readInfo()).command).toBe('ship deploy prod (a)');
  });

  it('release removes only our own lock, never one taken since', async () => {
    const mine = new DeployLock(new LocalShell(), 'h1', dir, owner());
    await mine.acquire({ deadline: now() });
    // Someone broke ours by hand and took it.
    await new LocalShell().run(lockCommands.removeIf(dir, JSON.stringify(await readInfo())));
    const theirs = new DeployLock(new LocalShell(), 'h1', dir, owner('ship setup prod'));
    await theirs.acquire({ deadline: now() });
    await mine.release();
    expect((await readInfo()).command).toBe('ship setup prod');
  });

  it('waiting is cut short by the abort signal', async () => {
    await plantLock({ user: 'bob', origin: 'elsewhere', pid: 1, command: 'ship deploy prod', time: 't' });
    const abort = new AbortController();
    const waiting = new DeployLock(new LocalShell(), 'h1', dir, owner()).acquire({
      deadline: now() + 60_000,
      signal: abort.signal,
      onWait: () => abort.abort(new Error('stop')),
    });
    await expect(waiting).rejects.toThrow('stop');
  });

  it('describes an unreadable lock without guessing', () => {
    expect(describeHolder('held')).toBe('another ship (no readable info)');
    expect(holderIsDead('held')).toBe(false);
  });
});
