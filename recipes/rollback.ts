/**
 * ship rollback <stage> [release]: switch every host back to the previous good release (or
 * the one named) and restart. If the health check fails, ship switches back again.
 */
import { recipe } from 'ship-deploy';

export default recipe('rollback', async ({ hosts, args }) => {
  // The release each host goes back to, by host name: { web1: '20240101T120000Z-a1b2c3', ... }.
  const targets: Record<string, string> = {};

  // Phase 1: every host must have something to roll back to, or nothing changes anywhere.
  await hosts.each(async (host) => {
    await host.lock();
    targets[host.name] = await host.rollbackTarget(args[0]); // the previous good release, or the one named
  });

  // Phase 2: switch, restart, check; in batches like a deploy (stage.rollout or --batch).
  await hosts.rollout(async (host) => {
    const target = targets[host.name];
    if (target === undefined) throw new Error(`${host.name}: no release chosen to roll back to in phase 1`);
    await host.switchCurrent(target);
    await host.restart();
    await host.healthcheck();
    await host.logRelease('rollback', { release: target });
    await host.unlock(); // a no-op here: ship releases the lock once every host is done
  });
});
