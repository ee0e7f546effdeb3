import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/acme/lock.js';
import { sha256 } from '../../../src/acme/paths.js';
import { ExitCode, ShipError } from '../../../src/errors.js';

const newDir = () => mkdtemp(join(tmpdir(), 'ship-lock-'));
const linux = process.platform === 'linux';
const root = process.getuid?.() === 0;
/** The abstract-socket name older versions locked with: anyone on the machine could bind it first. */
const oldSocketName = (dir: string) => `\0ship-certs-renew-${sha256(dir).slice(0, 16)}`;
/** Run a command as `nobody`, the other local user. */
const asNobody = (argv: string[]) => execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...argv], { reject: false });

describe('renewal lock', () => {
  it("refuses a second holder with the locked exit code and the holder's pid", async () => {
    const dir = await newDir();
    const lock = await acquireLock('certs-renew', dir, 'renewal');
    const second = await acquireLock('certs-renew', dir, 'renewal').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ShipError);
    expect((second as ShipError).exitCode).toBe(ExitCode.locked);
    expect((second as ShipError).message).toBe(`another renewal is running (pid ${process.pid})`);
    await lock.release();
    await (await acquireLock('certs-renew', dir, 'renewal')).release();
  });

  it('is scoped by directory', async () => {
    const one = await newDir();
    const a = await acquireLock('certs-renew', one, 'renewal');
    // Taken in a second directory while the first is held, and the first is still held.
    const b = await acquireLock('certs-renew', await newDir(), 'renewal');
    expect(await acquireLock('certs-renew', one, 'renewal').catch((e: unknown) => e)).toBeInstanceOf(ShipError);
    await a.release();
    await b.release();
  });

  it.runIf(linux)('is a file in the private state directory, so a name someone else bound does not matter', async () => {
    const dir = await newDir();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen({ path: oldSocketName(dir) }, () => resolve()));
    try {
      const lock = await acquireLock('certs-renew', dir, 'renewal');
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, 'certs-renew.lock'))).mode & 0o777).toBe(0o600);
      await lock.release();
    } finally {
      squatter.close();
    }
  });

  it.runIf(linux && root)('cannot be blocked by another local user', async () => {
    const dir = await newDir();
    // The other user squats the old abstract name, and cannot reach the lock file at all.
    const squatter = asNobody([
      process.execPath,
      '-e',
      `require('net').createServer().listen({ path: ${JSON.stringify(oldSocketName(dir))} }, () => console.log('bound'))`,
    ]);
    try {
      await once(squatter.stdout!, 'data');
      const taken = await asNobody(['flock', '-n', join(dir, 'certs-renew.lock'), 'true']);
      expect(taken.exitCode).not.toBe(0);
      expect(taken.stderr).toContain('Permission denied');
      await (await acquireLock('certs-renew', dir, 'renewal')).release();
    } finally {
      squatter.kill('SIGKILL');
    }
  });

  it('dies with the process that holds it, even when a child of that process lives on', async () => {
    const dir = await newDir();
    const module = new URL('../../../src/acme/lock.js', import.meta.url).pathname;
    const jiti = new URL('../../../node_modules/jiti/lib/jiti-cli.mjs', import.meta.url).pathname;
    // A holder that takes the lock, starts a long-lived child (ship runs ssh, builds...), and
    // then is killed without any chance to release it.
    const script = join(dir, 'holder.ts');
    await writeFile(
      script,
      [
        `import { spawn } from 'node:child_process';`,
        `import { acquireLock } from ${JSON.stringify(module)};`,
        `await acquireLock('certs-renew', ${JSON.stringify(dir)}, 'x');`,
        `const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });`,
        `child.unref();`,
        `console.log(child.pid);`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'),
    );
    const holder = spawn(process.execPath, [jiti, script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await Promise.race([
      once(holder.stdout, 'data').then(([chunk]) => String(chunk)),
      once(holder, 'exit').then(() => 'exited'),
    ]);
    const orphan = Number(started);
    expect(orphan).toBeGreaterThan(0);
    try {
      await expect(acquireLock('certs-renew', dir, 'renewal')).rejects.toThrow(`another renewal is running (pid ${holder.pid})`);
      holder.kill('SIGKILL');
      await once(holder, 'exit');
      const lock = await acquireLock('certs-renew', dir, 'renewal');
      // The next holder is the one named, not the dead one.
      await expect(acquireLock('certs-renew', dir, 'renewal')).rejects.toThrow(`(pid ${process.pid})`);
      await lock.release();
    } finally {
      process.kill(orphan, 'SIGKILL');
    }
  });
});
