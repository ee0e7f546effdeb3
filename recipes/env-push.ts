/**
 * ship env <stage> push: put a new env file (service.envFile: a file, or a command that prints
 * it) on every host without a release, and restart the app with it, batch by batch as a deploy
 * does. Copy it into your project's recipes/ (ship init does) to change it; yours then replaces it.
 *
 * If a host is unhealthy with the new values (or anything fails, or Ctrl-C), ship itself puts
 * shared/.env.previous back on every host that got the new file, and restarts it there.
 */
import { recipe } from 'ship-deploy';

export default recipe('env-push', async ({ hosts }) => {
  // Every host's lock first: no deploy switches while the env file changes.
  await hosts.each(async (host) => {
    await host.lock();
  });

  // Batch by batch with stage.rollout, each healthy before the next.
  await hosts.rollout(async (host) => {
    // shared/.env -> shared/.env.previous, then the new file (0600, as service.user); false when
    // the host has this file already: nothing to restart there.
    if (!(await host.pushEnvFile())) return;
    await host.restart(); // systemctl restart the unit of each of the host's roles
    await host.healthcheck(); // as in a deploy; a failure puts the previous env file back everywhere
  });
  // The locks are released once the run is over (ship may still put the old file back).
});
