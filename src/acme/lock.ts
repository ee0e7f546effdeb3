/**
 * A lock on this machine that can never outlive its process, so a crashed or killed renewal
 * never blocks the next cron run, and that no one else on the machine can take in our place.
 *
 * On Linux it is an flock(2) on `<name>.lock` in the private (0700) state directory, which other
 * users cannot even open. Node has no flock, so `flock -n <fd>` (util-linux) takes it on a
 * descriptor we opened and pass down: the lock belongs to that open file, which only this
 * process holds (Node opens files close-on-exec, so no child of ours inherits it), and the kernel
 * drops it when this process ends, kill -9 included. The holder writes its pid into the file for
 * whoever finds it locked. Elsewhere a pid file made with O_EXCL in the same directory, treated
 * as stale when its process is gone.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, ftruncateSync, openSync, writeSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, ShipError } from '../errors.js';
import { privateDir } from './paths.js';
import { pidRuns } from '../local/process-identity.js';

export interface Lock {
  release(): Promise<void>;
}

/** `name` says what is locked (`certs-renew`); `dir` scopes it (the state directory). */
export async function acquireLock(name: string, dir: string, what: string): Promise<Lock> {
  const file = join(await privateDir(dir), `${name}.lock`);
  return process.platform === 'linux' ? flockLock(file, what) : pidFileLock(file, what);
}

function held(what: string, pid: string): ShipError {
  return new ShipError(`another ${what} is running${pid ? ` (pid ${pid})` : ''}`, {
    exitCode: ExitCode.locked,
    hint: 'wait for it to finish; the lock goes away with that process',
  });
}

async function flockLock(file: string, what: string): Promise<Lock> {
  // A plain descriptor, not a FileHandle, which Node would close (and so unlock) when it is
  // garbage-collected. Never removed or replaced: a new inode would be a second, independent lock.
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
  try {
    if (!(await flock(fd, file))) {
      const pid = (await readFile(file, 'utf8').catch(() => '')).trim();
      // Just taken by someone who has not written their pid yet, or a dead holder's leftover.
      throw held(what, pidRuns(Number(pid)) ? pid : '');
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return {
    release: async () => {
      try {
        ftruncateSync(fd, 0);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** True when taken; false when another open file holds it. */
function flock(fd: number, file: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-n', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ShipError(`cannot lock ${file}: ${error.code === 'ENOENT' ? 'the flock program is not installed' : error.message}`, {
          hint: 'install util-linux, which provides flock(1)',
        }),
      );
    });
    // flock exits 1 when the lock is held (with -n), and with a sysexits code (64+) on errors.
    child.on('close', (code) => {
      if (code === 0) resolve(true);
      else if (code === 1) resolve(false);
      else reject(new ShipError(`cannot lock ${file}: flock exited ${code ?? 'on a signal'}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    });
  });
}

async function pidFileLock(file: string, what: string): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (pidRuns(Number(pid))) throw held(what, pid);
      await rm(file, { force: true });
    }
  }
  throw held(what, '');
}
