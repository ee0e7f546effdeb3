/**
 * Long-running helper programs of the tests (Pebble, challtestsrv, named): started with their
 * output kept in a log file, waited for until they answer, stopped, and found again through a
 * pid file after a run that was killed half-way, so they never keep ports for the next one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `program args`, its stdout and stderr in `<dir>/<name>.log`, killed if this process exits first. */
export function spawnLogged(dir: string, name: string, program: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Children outlive a parent that exits without stopping them; take them along.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  const log: string[] = [];
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString());
    void writeFile(join(dir, `${name}.log`), log.join(''));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

export async function waitFor(what: string, probe: () => Promise<unknown>, child: ChildProcess, seconds = 20): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
    try {
      await probe();
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not answer within ${seconds} s: ${String(last)}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Pids on disk, so a test run killed half-way does not leave ports taken for the next one. */
export async function writePids(dir: string, pids: Array<number | undefined>): Promise<void> {
  await writeFile(join(dir, 'pids'), pids.filter((p) => p !== undefined).join('\n'));
}

/** Kill what `<dir>/pids` names, if it still runs one of our programs (`ours` judges its path). */
export async function killLeftovers(dir: string, ours: (program: string) => boolean): Promise<void> {
  const file = join(dir, 'pids');
  if (!existsSync(file)) return;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const pid = Number(line);
    if (!Number.isInteger(pid) || pid <= 1) continue;
    // Only our own programs: a recycled pid may belong to anything by now.
    const program = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[0] ?? '';
    if (!ours(program)) continue;
    process.kill(pid, 'SIGCONT'); // a paused one dies only once it runs
    process.kill(pid, 'SIGKILL');
  }
  await new Promise((r) => setTimeout(r, 200));
}
