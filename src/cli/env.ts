/** `ship env <stage> push|diff` and `ship console`: wiring only; the work is in recipes/env-push.ts and src/actions. */
import { Argument, type Command } from 'commander';
import type { Wrap } from './types.js';
import { shipApi } from './ship-api.js';
import { batchOption, commandName, lockWaitOption } from './options.js';

export function registerEnv(program: Command, wrap: Wrap): void {
  program
    .command('env')
    .description('push service.envFile to every host and restart with it, no release needed (push); name the variables that differ (diff)')
    .argument('<stage>', 'stage name from hosts.ts')
    .addArgument(
      new Argument('<action>', 'push: write shared/.env and restart; diff: name the variables that differ').choices(['push', 'diff']),
    )
    .addOption(lockWaitOption())
    .addOption(batchOption())
    .addHelpText(
      'after',
      `
push writes the env file (service.envFile: a file, or a command whose output is the file) as
shared/.env on every host (mode 0600, atomically, as service.user), keeping the old one as
shared/.env.previous, then restarts batch by batch as rollout says, with the health check. If a
host is unhealthy with the new values, every host that got the new file gets the previous one
back and is restarted. A host that has the file already is left alone. diff names the variables
added, removed or changed on each host. Neither ever prints a value.`,
    )
    .action(
      wrap(async (cli, stage: string, action: 'push' | 'diff', opts: { lockWait: number; batch?: number | string }) => {
        const session = await cli.session(stage);
        if (action === 'diff') return (await import('../actions/env-diff.js')).envDiff(session);
        return (await import('../recipe/runner.js')).runRecipe(session, 'env-push', {
          api: await shipApi(),
          command: commandName('env', stage, 'push'),
          lockWait: opts.lockWait,
          batch: opts.batch,
        });
      }),
    );
}

export function registerConsole(program: Command, wrap: Wrap): void {
  program
    .command('console')
    .description('an interactive terminal on one host, in current, as service.user, with the env file set (default: the login shell)')
    .argument('<stage>', 'stage name from hosts.ts')
    .argument('[cmd...]', 'command and arguments, after -- (default: the login shell)')
    .addHelpText(
      'after',
      `
Opens on the first host of the stage, or the one --host names. On a terminal it is a real one
(a remote PTY that follows the window size; Ctrl-C goes to the remote program); off a terminal
the command runs without one and gets this stdin. The remote exit code is ship's. Examples:
  ship console prod -- node
  ship console prod --host web2 -- sqlite3 data/app.db
  echo 'select 1;' | ship console prod -- sqlite3 data/app.db`,
    )
    .action(
      wrap(async (cli, stage: string, cmd: string[]) => (await import('../actions/console.js')).openConsole(await cli.session(stage), cmd)),
    );
}
