/**
 * ship rollback <stage> [release]: switch every host back to the previous good release (or
 * the one named) and restart. If the health check fails, ship switches back again.
 */
import { recipe } from 'ship-deploy';

export default recipe('rollback', async ({ hosts, args }) => {
  const targets = new Map<string, string>();

  // Phase 1: every host must have something to roll back to, or nothing changes anywhere.
  await hosts.each(async (host) => {
    await host.lock();
    targets.set(host.name, await host.rollbackTarget(args[0]));
  });

  // Phase 2: switch, restart, check; in batches like a deploy (stage.rollout or --batch).
  await hosts.rollout(async (host) => {
    const target = targets.get(host.name)!;
    await host.switchCurrent(target);
    await host.restart();
    await host.healthcheck();
    await host.logRelease('rollback', { release: target });
    await host.unlock();
  });
});
