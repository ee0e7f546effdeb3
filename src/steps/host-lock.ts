/**
 * The deploy lock taken by work other than a deploy (ship certs renew), so that it never
 * interleaves with a deploy on the same hosts: a deploy started meanwhile fails naming it, and
 * this work waits for a running deploy to finish.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { lock as lockCommands, LOCKED } from '../commands/lock.js';
import { paths, release as rel } from '../commands/release.js';
import type { Stage } from '../config/types.js';
import { ExitCode, ShipError } from '../errors.js';
import type { Session } from '../run/session.js';
import { describeHolder } from './host.js';

export interface HeldLocks {
  release(): Promise<void>;
}

/** Take the stage's deploy lock on every host, waiting up to `waitSeconds` for a deploy to end. */
export async function takeDeployLocks(session: Session, stage: Stage, command: string, waitSeconds: number): Promise<HeldLocks> {
  const layout = { root: stage.path };
  const token = randomBytes(8).toString('hex');
  const info = JSON.stringify({ user: userInfo().username, origin: hostname(), pid: process.pid, command, time: new Date().toISOString(), token });
  const held: string[] = [];
  const release = async () => {
    await Promise.all(held.map(async (host) => {
      const connection = await session.connection(host);
      await connection.run(lockCommands.release(paths.lock(layout), token)).catch(() => {
        session.output.notice(`could not release the deploy lock; run: ship lock release ${stage.name}`, host);
      });
    }));
  };
  const deadline = Date.now() + waitSeconds * 1000;
  const lockOne = async (host: string): Promise<void> => {
    const connection = await session.connection(host);
    // A deploy path this user cannot create has never been deployed to: nothing to keep apart.
    if ((await connection.run(rel.prepare(layout), { allowFailure: true })).code !== 0) {
      session.output.debug(`no deploy lock taken: ${stage.path} does not exist and cannot be created`, host);
      return;
    }
    let told = false;
    while (true) {
      held.push(host); // before the answer: release() is token-guarded, so this is safe
      const result = await connection.run(lockCommands.acquire(paths.lock(layout), info, token), { allowFailure: true });
      if (result.code === 0) return;
      held.splice(held.indexOf(host), 1);
      if (result.code !== LOCKED) throw new ShipError(`${host}: could not take the deploy lock: ${result.stderr.trim()}`, { host });
      if (Date.now() >= deadline) {
        throw new ShipError(`${host}: locked by ${describeHolder(result.stdout)}`, { host, exitCode: ExitCode.locked, hint: `retry when it is done; if that process is dead: ship lock release ${stage.name}` });
      }
      if (!told) session.output.debug(`waiting for the deploy lock held by ${describeHolder(result.stdout)}`, host);
      told = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  try {
    // One host after another, in the order deploys take them (recipe/lock-order.ts: names
    // sorted), so this and a deploy never hold part of the hosts each and wait for each other.
    for (const host of [...session.hosts].sort()) await lockOne(host);
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}
