/**
 * The deploy lock taken by work other than a recipe (ship certs renew), so that it never
 * interleaves with a deploy on the same hosts: a deploy started meanwhile fails naming it, and
 * this work waits for a running deploy to finish. Same lock, same rules (host/deploy-lock.ts).
 */
import { userInfo } from 'node:os';
import { paths, release as rel } from '../remote/release.js';
import type { Stage } from '../config/types.js';
import type { Session } from '../session/session.js';
import { DeployLock } from './deploy-lock.js';
import { LockOrder } from './lock-order.js';

export interface HeldLocks {
  release(): Promise<void>;
}

/** Take the stage's deploy lock on every host, waiting up to `waitSeconds` for a deploy to end. */
export async function takeDeployLocks(session: Session, stage: Stage, command: string, waitSeconds: number): Promise<HeldLocks> {
  const layout = { root: stage.path };
  const locks: Array<{ host: string; lock: DeployLock }> = [];
  const release = async () => {
    await Promise.all(
      locks.map(async ({ host, lock }) => {
        await lock.release().catch(() => {
          session.output.notice(`could not release the deploy lock; run: ship lock release ${stage.name}`, host);
        });
      }),
    );
  };
  const deadline = Date.now() + waitSeconds * 1000;
  const lockOne = async (host: string): Promise<void> => {
    const connection = await session.connection(host);
    // A deploy path this user cannot create has never been deployed to: nothing to keep apart.
    if ((await connection.run(rel.prepare(layout), { allowFailure: true })).code !== 0) {
      session.output.debug(`no deploy lock taken: ${stage.path} does not exist and cannot be created`, host);
      return;
    }
    const lock = new DeployLock(connection, host, paths.lock(layout), { user: userInfo().username, command, stageName: stage.name });
    locks.push({ host, lock });
    let told = false;
    await lock.acquire({
      deadline,
      onWait: (holder) => {
        if (!told) session.output.debug(`waiting for the deploy lock held by ${holder}`, host);
        told = true;
      },
      onBreak: (holder) => session.output.notice(`breaking a stale lock left by a dead process (${holder})`, host),
    });
  };
  // One host after another, in the order deploys take them, by the same code (host/lock-order.ts),
  // so this and a deploy never hold part of the hosts each and wait for each other.
  const order = new LockOrder(session.hosts);
  const taken = await Promise.allSettled(
    session.hosts.map(async (host) => {
      try {
        await order.inTurn(host, () => lockOne(host));
      } finally {
        order.finished(host);
      }
    }),
  );
  // The first host in lock order that failed says why; the hosts after it only did not try.
  const failed = session.hosts
    .map((host, i) => ({ host, result: taken[i]! }))
    .filter((t) => t.result.status === 'rejected')
    .sort((a, b) => (a.host < b.host ? -1 : 1))[0];
  if (failed) {
    await release();
    throw (failed.result as PromiseRejectedResult).reason;
  }
  return { release };
}
