/** `ship init|setup|timers|logs`: wiring only; the work is in src/actions and recipes/setup.ts. */
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Wrap } from './types.js';
import { shipApi } from './ship-api.js';
// Actions are imported when they run (start-up time: see main.ts).
type RunRecipe = typeof import('../recipe/runner.js').runRecipe;
const runRecipe = async (session: Parameters<RunRecipe>[0], name: string, options: Omit<Parameters<RunRecipe>[2], 'api'>) =>
  (await import('../recipe/runner.js')).runRecipe(session, name, { ...options, api: await shipApi() });

import { commandName, lockWaitOption, timeoutOption } from './options.js';
import { ConfigError } from '../errors.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of lines, 1 or more');
  return n;
}

export function registerProject(program: Command, wrap: Wrap): void {
  program
    .command('init')
    .description('write hosts.ts and copies of the built-in recipes/ into this project (existing files are kept)')
    .option('--force', 'overwrite files that exist', false)
    .action(
      wrap(async (cli, opts: { force: boolean }) =>
        (await import('../actions/init.js')).init(cli.output, {
          configFile: resolve(cli.options.config),
          force: opts.force,
          dryRun: cli.options.dryRun,
        }),
      ),
    );

  program
    .command('setup')
    .description(
      "prepare hosts: directories, systemd units (the stage's and each role's, and sockets) from recipes/templates/, env file; safe to repeat",
    )
    .argument('<stage>', 'stage name from hosts.ts')
    .addOption(lockWaitOption())
    .action(
      wrap(async (cli, stage: string, opts: { lockWait: number }) =>
        runRecipe(await cli.session(stage), 'setup', { command: commandName('setup', stage), lockWait: opts.lockWait }),
      ),
    );

  program
    .command('timers')
    .description("list each host's scheduled jobs (hosts.ts timers) with last result, last and next run; `run NAME` runs one now")
    .argument('<stage>', 'stage name from hosts.ts')
    .argument('[action]', '`run` to run a timer now on its host(s), wait for it and print its output')
    .argument('[name]', 'the timer to run')
    .addOption(timeoutOption())
    .action(
      wrap(async (cli, stage: string, action: string | undefined, name: string | undefined, opts: { timeout?: number }) => {
        const timers = await import('../actions/timers.js');
        if (action === undefined) return timers.listTimers(await cli.session(stage));
        if (action !== 'run' || name === undefined)
          throw new ConfigError(
            action === 'run' ? 'ship timers <stage> run: which timer?' : `ship timers: unknown action ${JSON.stringify(action)}`,
            `ship timers ${stage} (list them), or ship timers ${stage} run <name>`,
          );
        return timers.runTimer(await cli.session(stage), name, opts.timeout);
      }),
    );

  // --lines, not -n: -n is the global --dry-run, and commander gives it to the program
  // wherever it appears on the line.
  program
    .command('logs')
    .description("show the service's journal (journalctl -u <unit>) from every host, prefixed by host")
    .argument('<stage>', 'stage name from hosts.ts')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C', false)
    .addOption(new Option('--lines <n>', 'lines per host to start with').argParser(positiveInt).default(50))
    .action(
      wrap(async (cli, stage: string, opts: { follow: boolean; lines: number }) =>
        (await import('../actions/logs.js')).logs(await cli.session(stage), { follow: opts.follow, lines: opts.lines }),
      ),
    );
}
