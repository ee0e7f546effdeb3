/**
 * The lock between scheduled jobs and deploys, on a real deploy path in a temporary directory with
 * the real scripts in a local shell: run-job.sh enters `current` only once it holds the shared
 * flock on releases/, holds it while the job runs (and not in the job's children), and a switch
 * that waited for jobs in vain fails naming the running job and how to stop it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readlink, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { RemoteCommandError } from '../../../src/errors.js';
import { RemoteHost } from '../../../src/host/host.js';
import { Output } from '../../../src/output/output.js';
import type { Command } from '../../../src/remote/command.js';
import { JOB_BUSY } from '../../../src/remote/release.js';
import { script } from '../../../src/remote/scripts.js';
import type { RunOptions, RunResult } from '../../../src/transport/types.js';
import { LocalShell } from '../support/local-shell.js';
import { testStage } from '../support/stage.js';

const OLD = '20260101T120000Z-0a0a0a';
const NEW = '20260102T120000Z-0b0b0b';
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ship-jobs-'));
  for (const d of [`releases/${OLD}`, `releases/${NEW}`, 'shared']) await mkdir(join(root, d), { recursive: true });
  await symlink(`releases/${OLD}`, join(root, 'current'));
});

const job = (...argv: string[]) => new LocalShell().run(script('run-job.sh', root, ...argv), { allowFailure: true });

/** Wait for `path` to exist, at most 10 s (a deadline, not a measurement). */
async function appears(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(path)) throw new Error(`${path} did not appear within 10 s`);
}

describe('run-job.sh', () => {
  it('runs the argv literally in the physical current release, without the lock fd, with its exit status', async () => {
    const r = await job('sh', '-c', 'pwd -P; echo "$1"; [ -e /proc/self/fd/8 ] && echo has-fd-8; exit 3', 'job', '$(x) "y"');
    expect(r.code).toBe(3);
    expect(r.stdout.trim().split('\n')).toEqual([join(root, 'releases', OLD), '$(x) "y"']);
  });

  it('holds the shared lock while the job runs, so a switch cannot take it; released when the job ends', async () => {
    const running = job(
      'sh',
      '-c',
      `touch ${root}/started; i=0; while [ ! -e ${root}/go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`,
    );
    await appears(join(root, 'started'));
    const during = await execa('flock', ['-x', '-n', join(root, 'releases'), 'true'], { reject: false });
    await writeFile(join(root, 'go'), '');
    expect((await running).code).toBe(0);
    const after = await execa('flock', ['-x', '-n', join(root, 'releases'), 'true'], { reject: false });
    expect(during.exitCode).not.toBe(0);
    expect(after.exitCode).toBe(0);
  });

  it('a job that starts while a switch holds the lock enters current only after it: in the new release', async () => {
    const holder = execa('flock', ['-x', join(root, 'releases'), 'sh', '-c', 'echo locked; read line'], { stdin: 'pipe' });
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const waiting = job('pwd', '-P');
    // The "switch", while the lock is held: what switch-current.sh does.
    await symlink(`releases/${NEW}`, join(root, '.current-new'));
    await rename(join(root, '.current-new'), join(root, 'current'));
    holder.stdin!.end('\n');
    await holder;
    const r = await waiting;
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(join(root, 'releases', NEW));
  });
});

/** switch-current.sh answers that a job still ran; systemctl says which unit is busy. */
class BusyHost extends LocalShell {
  override async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    if (command.script === 'switch-current.sh')
      throw new RemoteCommandError('h1', 'switch-current.sh', JOB_BUSY, 'a scheduled job of this app still runs after 300 s');
    if (command.argv[0] === 'systemctl')
      return { code: 0, stdout: command.argv.at(-1) === 'app-backup.service' ? 'active\n' : 'inactive\n', stderr: '' };
    return super.run(command, options);
  }
}

describe('a switch that waited for jobs in vain', () => {
  it('names the running job and how to stop it', async () => {
    const stage = testStage({
      hosts: ['h1'],
      path: root,
      sudo: false,
      timers: [
        { name: 'backup', run: ['bin/backup'], on: 'daily', once: false, unit: 'app-backup', field: 'stages.prod.timers.backup' },
        { name: 'purge', run: ['bin/purge'], on: 'hourly', once: false, unit: 'app-purge', field: 'stages.prod.timers.purge' },
      ],
    });
    const host = new RemoteHost('h1', new BusyHost(), {
      stage,
      output: new Output({ mode: 'plain', verbose: false, stdout: new PassThrough(), stderr: new PassThrough() }),
      release: { id: NEW, user: 'alice', origin: 'laptop' },
      dryRun: false,
      signal: new AbortController().signal,
      command: 'ship deploy prod',
      lockWait: 0,
    });
    const error = await host.switchCurrent().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'h1: scheduled job backup (app-backup.service) still runs after 300 s, so current was not switched (a switch never moves current under a running job)',
    );
    expect((error as { hint?: string }).hint).toBe(
      'wait for it to end (ship timers prod), or stop it: ship exec prod --host h1 -- sudo systemctl stop app-backup.service',
    );
    expect(await readlink(join(root, 'current'))).toBe(`releases/${OLD}`);
  });
});
