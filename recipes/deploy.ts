/**
 * ship deploy <stage>: the built-in deploy. Copy it into your project's recipes/ (ship init
 * does) to change it; yours then replaces this one.
 *
 * If anything fails, ship itself undoes this run's changes on every host: hosts that switched
 * go back to their previous release and restart, half-built releases are removed, the failed
 * release is recorded in .ship/releases.log, and the locks are released.
 */
import { recipe } from 'ship-deploy';

export default recipe('deploy', async ({ stage, local, hosts }) => {
  // Here: run build.run (or check out --ref, or unpack --artifact), then list build.dir with
  // every file's sha256 (the manifest).
  const release = await local.buildRelease();

  // Phase 1, every host in parallel. Nothing is live yet: a failure here changes nothing.
  await hosts.each(async (host) => {
    await host.lock(); // mkdir <path>/.ship/lock, or fail naming who holds it
    await host.upload(release); // send what the host lacks, check it all, rename to releases/<id>
    await host.linkShared(); // shared/.env, shared/uploads/ -> releases/<id>/
  });

  // Once, on one host, before any host switches: database migrations (stage.migrate).
  const migrate = stage.migrate;
  if (migrate) {
    await hosts.once(async (host) => {
      await host.runInRelease(migrate); // e.g. bin/migrate, in releases/<id>; a failure stops here
    });
  }

  // Phase 2, only when phase 1 passed on every host; batch by batch with stage.rollout or --batch.
  await hosts.rollout(async (host) => {
    await host.switchCurrent(); // ln -s releases/<id> tmp && mv -T tmp current
    await host.restart(); // systemctl restart the unit of each of the host's roles
    await host.healthcheck(); // GET health.url from the host's side until healthy
    await host.logRelease('ok'); // .ship/releases.log: who, when, release, commit
    await host.cleanup(); // keep stage.keep good releases
    await host.unlock(); // a no-op here: a host that switched keeps its lock until every
    // host is done (ship may still switch it back), then ship releases it
  });
});
