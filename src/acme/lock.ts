/**
 * A lock on this machine that can never outlive its process, so a crashed or killed renewal
 * never blocks the next cron run.
 *
 * On Linux it is a listening socket in the abstract namespace: the kernel frees the name when
 * the process dies, and taking it is atomic. Whoever asks for a held lock is told the holder's
 * pid by the holder itself. Elsewhere a pid file made with O_EXCL, treated as stale when its
 * process is gone.
 */
import { connect, createServer, type Server } from 'node:net';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, ShipError } from '../errors.js';
import { privateDir, sha256 } from './paths.js';

export interface Lock {
  release(): Promise<void>;
}

/** `name` says what is locked (`certs-renew`); `dir` scopes it (the state directory). */
export async function acquireLock(name: string, dir: string, what: string): Promise<Lock> {
  return process.platform === 'linux' ? socketLock(`\0ship-${name}-${sha256(dir).slice(0, 16)}`, what) : pidFileLock(join(await privateDir(dir), `${name}.lock`), what);
}

function held(what: string, pid: string): ShipError {
  return new ShipError(`another ${what} is running${pid ? ` (pid ${pid})` : ''}`, {
    exitCode: ExitCode.locked,
    hint: 'wait for it to finish; the lock goes away with that process',
  });
}

async function socketLock(address: string, what: string): Promise<Lock> {
  const server: Server = createServer((socket) => socket.end(`${process.pid}\n`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: address }, () => resolve());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw held(what, await holderPid(address));
  }
  // The lock must not keep an otherwise finished process alive.
  server.unref();
  return { release: () => new Promise((resolve) => server.close(() => resolve())) };
}

function holderPid(address: string): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect({ path: address });
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('close', () => resolve(data.trim()));
    socket.on('error', () => resolve(''));
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
      if (alive(Number(pid))) throw held(what, pid);
      await rm(file, { force: true });
    }
  }
  throw held(what, '');
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
