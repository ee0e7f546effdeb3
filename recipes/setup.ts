/**
 * ship setup <stage>: prepare every host for deploys. Run it once before the first deploy, and
 * again whenever service settings in hosts.ts, the unit templates or the env file change.
 *
 * Safe to run any number of times: each step compares what is on the host with what it would
 * write and changes only what differs, so a second run changes nothing and says so. Copy this
 * file into your project's recipes/ (ship init does) to change it; yours then replaces it.
 */
import { recipe } from 'ship-deploy';

export default recipe('setup', async ({ hosts, log }) => {
  await hosts.each(async (host) => {
    await host.createDirectories(); // <path>/, releases/, shared/, .ship/ owned by service.user
    await host.lock(); // no deploy runs while the unit and the env file change
    for (const role of host.roles) {
      // the stage's own unit (role app), and each role's
      await host.installUnit('app.service', role); // templates/app.service -> /etc/systemd/system/<unit>.service
      if (role.service?.socket) {
        await host.installUnit('app.socket', role); // systemd holds the port, so a restart refuses no connection
      } else {
        await host.removeUnit('app.socket', role); // a socket left by an earlier setup would hold the app's port
      }
    }
    await host.uploadEnvFile(); // service.envFile -> shared/.env, mode 0600, values never printed
    await host.installTimers(); // hosts.ts timers -> <unit>-<name>.service and .timer; the ones hosts.ts dropped are removed
    await host.enableUnits(); // daemon-reload and enable, only when something changed
    await host.startTimers(); // timers not running yet are started
    await host.unlock();
  });

  for (const host of hosts.list) log(`${host.name}: ${host.setupSummary()}`);
});
