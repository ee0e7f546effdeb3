/**
 * The deploy lock on one host, the one implementation behind deploy, rollback, setup, `ship run`
 * and `ship certs renew`: take it (waiting up to a deadline, breaking it only when its holder is
 * provably dead), release it (only ours, by compare-and-delete), describe its holder.
 *
 * A holder is provably dead only when it was a ship process of this very machine, boot and pid
 * namespace whose pid is gone or belongs to a newer process (local/process-identity.ts); a lock
 * from anywhere else is waited for, or broken by a person with `ship lock release`.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { lock as lockCommands, LOCKED } from '../remote/lock.js';
import { ExitCode, RemoteCommandError, ShipError } from '../errors.js';
import { currentProcess, provablyGone, type ProcessIdentity } from '../local/process-identity.js';
import { sleep } from '../session/sleep.js';
import type { Connection } from '../transport/types.js';

/** What the lock's info file says: who, where, which process, what, when (and the token). */
export interface LockInfo extends Partial<ProcessIdentity> {
  user?: string;
  /** Hostname of the machine that took it: for people only; never trusted to identify it. */
  origin?: string;
  /** The command's name (`ship deploy prod`), never its arguments. */
  command?: string;
  time?: string;
  token?: string;
}

export function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text.trim()) as unknown;
    return typeof value === 'object' && value !== null ? (value as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** `alice@laptop pid 4242 (ship deploy prod) since 2026-...`, from the text of the info file. */
export function describeHolder(text: string): string {
  const info = parseLockInfo(text);
  if (!info) return 'another ship (no readable info)';
  return `${info.user ?? '?'}@${info.origin ?? '?'} pid ${info.pid ?? '?'} (${info.command ?? '?'}) since ${info.time ?? '?'}`;
}

/** True when the lock's holder was a process of this machine that no longer runs. */
export function holderIsDead(text: string): boolean {
  return provablyGone(parseLockInfo(text));
}

export interface LockOwner {
  /** Local user name, shown to whoever finds the lock. */
  user: string;
  /** The command's name, e.g. `ship deploy prod`. */
  command: string;
  /** For hints: `ship lock release <stage>`. */
  stageName: string;
}

export interface AcquireOptions {
  /** Give up at this time (ms since epoch); a lock held past it fails with exit 4. */
  deadline: number;
  /** Aborts the wait (not a lock command already sent: its answer is always awaited). */
  signal?: AbortSignal;
  /** Told each time the lock is found held: `waiting for lock held by ...`. */
  onWait?: (holder: string) => void;
  /** Told when a dead process's lock is broken. */
  onBreak?: (holder: string) => void;
}

/** Polls start small and back off, so a lock freed a moment later costs a moment. */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;

export class DeployLock {
  /**
   * Counted from the moment we ask: if the answer is lost (network), the lock may exist anyway,
   * and release() removes it only if it is exactly ours, so over-counting is safe.
   */
  held = false;
  private readonly token = randomBytes(8).toString('hex');
  private readonly info: string;

  constructor(
    private readonly connection: Connection,
    private readonly host: string,
    private readonly dir: string,
    private readonly owner: LockOwner,
  ) {
    this.info = JSON.stringify({
      user: owner.user,
      origin: hostname(),
      ...currentProcess(),
      command: owner.command,
      time: new Date().toISOString(),
      token: this.token,
    });
  }

  async acquire(options: AcquireOptions): Promise<void> {
    let pause = FIRST_POLL_MS;
    while (true) {
      this.held = true;
      // Not abortable: after a Ctrl-C the script could still take the lock after our release
      // had run. It is short; we wait for its real answer, then honour the abort.
      const result = await this.connection.run(lockCommands.acquire(this.dir, this.info, this.token), { allowFailure: true });
      options.signal?.throwIfAborted();
      if (result.code === 0) return;
      this.held = false;
      if (result.code !== LOCKED) throw new RemoteCommandError(this.host, 'take the deploy lock', result.code, result.stderr);
      const seen = result.stdout.trim();
      if (holderIsDead(seen)) {
        options.onBreak?.(describeHolder(seen));
        // Compare-and-delete: if another ship broke it first and took the lock, this removes nothing.
        await this.connection.run(lockCommands.removeIf(this.dir, seen), { allowFailure: true });
        continue;
      }
      if (Date.now() >= options.deadline) {
        throw new ShipError(`${this.host}: locked by ${describeHolder(seen)}`, {
          exitCode: ExitCode.locked,
          host: this.host,
          hint: `wait for it, retry with --lock-wait SECONDS, or if that process is dead: ship lock release ${this.owner.stageName}`,
        });
      }
      options.onWait?.(describeHolder(seen));
      await sleep(Math.min(pause, Math.max(0, options.deadline - Date.now())), options.signal);
      pause = Math.min(MAX_POLL_MS, pause * 2);
    }
  }

  /** Release the lock if we may hold it: removes it only while it is exactly the one we took. */
  async release(): Promise<void> {
    if (!this.held) return;
    await this.connection.run(lockCommands.removeIf(this.dir, this.info, this.token), { allowFailure: true }).then((r) => {
      if (r.code !== 0 && r.code !== LOCKED) throw new RemoteCommandError(this.host, 'release the deploy lock', r.code, r.stderr);
    });
    this.held = false;
  }
}
