import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/acme/lock.js';
import { ExitCode, ShipError } from '../../../src/errors.js';

describe('renewal lock', () => {
  it('refuses a second holder with the locked exit code and the holder\'s pid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-lock-'));
    const lock = await acquireLock('certs-renew', dir, 'renewal');
    const second = await acquireLock('certs-renew', dir, 'renewal').catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ShipError);
    expect((second as ShipError).exitCode).toBe(ExitCode.locked);
    expect((second as ShipError).message).toBe(`another renewal is running (pid ${process.pid})`);
    await lock.release();
    await (await acquireLock('certs-renew', dir, 'renewal')).release();
  });

  it('is scoped by directory', async () => {
    const a = await acquireLock('certs-renew', await mkdtemp(join(tmpdir(), 'ship-lock-')), 'renewal');
    const b = await acquireLock('certs-renew', await mkdtemp(join(tmpdir(), 'ship-lock-')), 'renewal');
    await a.release();
    await b.release();
  });

  it('dies with the process that holds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-lock-'));
    const module = new URL('../../../src/acme/lock.js', import.meta.url).pathname;
    const jiti = new URL('../../../node_modules/jiti/lib/jiti-cli.mjs', import.meta.url).pathname;
    // A holder that takes the lock and then is killed without any chance to release it.
    const script = join(dir, 'holder.ts');
    await writeFile(script, `import { acquireLock } from ${JSON.stringify(module)};\nawait acquireLock('certs-renew', ${JSON.stringify(dir)}, 'x');\nconsole.log('held');\nsetInterval(() => {}, 1000);\n`);
    const holder = spawn(process.execPath, [jiti, script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await Promise.race([once(holder.stdout, 'data').then(() => 'held'), once(holder, 'exit').then(() => 'exited')]);
    expect(started).toBe('held');
    await expect(acquireLock('certs-renew', dir, 'renewal')).rejects.toThrow(`(pid ${holder.pid})`);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    await (await acquireLock('certs-renew', dir, 'renewal')).release();
  });
});
