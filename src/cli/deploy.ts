/** `ship deploy|rollback|verify|releases|status|lock|run`: wiring only; the work is in recipes and src/actions. */
import { Option, type Command } from 'commander';
import type { Wrap } from './types.js';
import { shipApi } from './ship-api.js';
// Actions are imported when they run (start-up time: see main.ts).
type RunRecipe = typeof import('../recipe/runner.js').runRecipe;
const runRecipe = async (session: Parameters<RunRecipe>[0], name: string, options: Omit<Parameters<RunRecipe>[2], 'api'>) =>
  (await import('../recipe/runner.js')).runRecipe(session, name, { ...options, api: await shipApi() });
import { batchOption, commandName, deadlineOption, lockWaitOption as lockWait } from './options.js';

export function registerDeploy(program: Command, wrap: Wrap): void {
  program
    .command('deploy')
    .description('build, upload, verify, switch, restart, health-check; roll back on failure')
    .argument('<stage>', 'stage name from hosts.ts')
    .addOption(lockWait())
    .addOption(batchOption())
    .addOption(
      new Option('--ref <git-ref>', 'build this commit, branch or tag in a temporary checkout, not the working tree').conflicts('artifact'),
    )
    .addOption(
      new Option('--artifact <tarball>', 'deploy this .tar.gz or .tar (the release content at its root), built elsewhere; no build'),
    )
    .addHelpText(
      'after',
      `
With rollout in hosts.ts (or --batch), hosts switch and restart batch by batch, each healthy
before the next; a failure anywhere puts every host of the run back. With migrate, that command
runs once, on one host, before any host switches. hooks.before/after/failed run on this machine.
--role NAME deploys to the hosts of a role only. requireClean refuses a dirty working tree.`,
    )
    .action(
      wrap(async (cli, stage: string, opts: { lockWait: number; batch?: number | string; ref?: string; artifact?: string }) =>
        runRecipe(await cli.session(stage), 'deploy', {
          command: commandName('deploy', stage),
          lockWait: opts.lockWait,
          batch: opts.batch,
          hooks: 'deploy',
          expectsRollout: true,
          source: opts.ref !== undefined ? { ref: opts.ref } : opts.artifact !== undefined ? { artifact: opts.artifact } : undefined,
        }),
      ),
    );

  program
    .command('rollback')
    .description('switch back to the previous good release (or the one named) and restart')
    .argument('<stage>', 'stage name from hosts.ts')
    .argument('[release]', 'release id from ship releases')
    .addOption(lockWait())
    .addOption(batchOption())
    .action(
      wrap(async (cli, stage: string, release: string | undefined, opts: { lockWait: number; batch?: number | string }) =>
        runRecipe(await cli.session(stage), 'rollback', {
          command: commandName('rollback', stage),
          lockWait: opts.lockWait,
          args: release ? [release] : [],
          batch: opts.batch,
          hooks: 'rollback',
          expectsRollout: true,
          source: { existing: release ?? '' },
        }),
      ),
    );

  program
    .command('status')
    .description('one row per host: current release, commit, deployed when and by whom, unit state, health, lock, certificate, free disk')
    .argument('<stage>', 'stage name from hosts.ts')
    .addHelpText(
      'after',
      `
Exit 0 when every host was read and every unit is active and healthy; 1 otherwise. With --json,
one "status" event per host.`,
    )
    .action(wrap(async (cli, stage: string) => (await import('../actions/status.js')).status(await cli.session(stage))));

  program
    .command('verify')
    .description(
      "check every host's current release (or the one named) against its manifest: files changed, missing or added since the deploy; exit 1 on any difference",
    )
    .argument('<stage>', 'stage name from hosts.ts')
    .argument('[release]', 'release id from ship releases (default: current)')
    .addOption(deadlineOption())
    .action(
      wrap(async (cli, stage: string, release: string | undefined, options: { deadline: number }) =>
        (await import('../actions/verify.js')).verifyReleases(await cli.session(stage), release, options.deadline),
      ),
    );

  program
    .command('releases')
    .description('list releases per host: id, time, who, commit, state (current/good/failed), size')
    .argument('<stage>', 'stage name from hosts.ts')
    .action(wrap(async (cli, stage: string) => (await import('../actions/releases.js')).listReleases(await cli.session(stage))));

  const lock = program.command('lock').description('inspect or break the deploy lock');
  lock
    .command('status')
    .argument('<stage>', 'stage name from hosts.ts')
    .description('show who holds the lock on each host')
    .action(wrap(async (cli, stage: string) => (await import('../actions/lock.js')).lockStatus(await cli.session(stage))));
  lock
    .command('release')
    .argument('<stage>', 'stage name from hosts.ts')
    .description('remove the lock on each host (only when the deploy holding it is dead)')
    .action(wrap(async (cli, stage: string) => (await import('../actions/lock.js')).lockRelease(await cli.session(stage))));

  program
    .command('run')
    .description('run a recipe from recipes/<name>.ts (or a built-in one) against a stage')
    .argument('<stage>', 'stage name from hosts.ts')
    .argument('<recipe>', 'recipe name: the file name in recipes/ without .ts')
    .argument('[args...]', 'passed to the recipe as ctx.args')
    .addOption(lockWait())
    .action(
      wrap(async (cli, stage: string, name: string, args: string[], opts: { lockWait: number }) =>
        runRecipe(await cli.session(stage), name, { command: commandName('run', stage, name), lockWait: opts.lockWait, args }),
      ),
    );
}
