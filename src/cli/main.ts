/**
 * The command line: commander only. Each action builds a Session and calls one function of the
 * core; the single error handler at the bottom prints errors and picks the exit code.
 *
 * Start-up time is paid on every command (and `ship --version` should feel instant), so this
 * file and cli/*.ts import only commander and small modules at load; an action imports what it
 * needs (config loader, SSH transport, runner) when it runs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { Output, detectMode } from '../output/output.js';
import type { Session } from '../session/session.js';
import { ConfigError, ExitCode, ShipError } from '../errors.js';
import { registerCerts } from './certs.js';
import { registerDeploy } from './deploy.js';
import { registerConsole, registerEnv } from './env.js';
import { registerProject } from './project.js';
import type { Action, Cli, GlobalOptions } from './types.js';
import { timeoutOption } from './options.js';
import { shipApi } from './ship-api.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function main(argv: string[]): Promise<number> {
  keepRunningWithoutReader();
  let output = new Output({ mode: detectMode(argv.includes('--json')), verbose: argv.includes('--verbose') });
  let exitCode: number = ExitCode.ok;
  const program = new Command('ship');
  const sessions: Session[] = [];

  const wrap =
    (action: Action) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const options = command.optsWithGlobals() as GlobalOptions;
      output = new Output({ mode: detectMode(options.json), verbose: options.verbose });
      checkPlanOptions(options, command.name());
      const cli: Cli = {
        output,
        options,
        session: async (stageName: string) => {
          const [{ loadConfig, resolveStage }, { Session }, { registerEnvSecrets }] = await Promise.all([
            import('../config/load.js'),
            import('../session/session.js'),
            import('../config/env-file.js'),
          ]);
          const loaded = await loadConfig(resolve(options.config), { api: await shipApi(), debug: (text) => output.debug(text) });
          const session = new Session(resolveStage(loaded, stageName), output, {
            dryRun: options.dryRun,
            offline: options.offline,
            full: options.full,
            hostFilter: options.host,
            roleFilter: options.role,
          });
          // The env file's values are redacted from everything printed from here on, by any command.
          registerEnvSecrets(session.stage, output);
          sessions.push(session);
          return session;
        },
      };
      exitCode = await action(cli, ...args.slice(0, -1));
    };

  program
    .name('ship')
    .description('Deploy applications to plain Linux servers over SSH, explicitly.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'hosts file', './hosts.ts')
    .option('-v, --verbose', 'show debug detail and stack traces', false)
    .option('--json', 'print one JSON event per line', false)
    .addOption(new Option('-H, --host <name>', 'only this host of the stage (repeatable)').argParser(collect).default([]))
    .addOption(
      new Option('-R, --role <name>', 'only the hosts of the stage that carry this role (repeatable)').argParser(collect).default([]),
    )
    .option('-n, --dry-run', 'print the plan: per host, each step and the commands it would run; change nothing', false)
    .option('--offline', 'with --dry-run: ask no host (no connection at all); plan as for hosts ship has not touched yet', false)
    .option('--full', 'with --dry-run: print the body of every script under its command, and what each step reads', false)
    .showHelpAfterError('(run ship --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 failed on a host, 2 bad config or usage, 3 cannot connect or host key refused,
4 locked by another ship, 130 interrupted.`,
    );

  program
    .command('exec')
    .description('run one command on every host of the stage, in parallel (argv, not a shell line: use sh -c for pipes)')
    .argument('<stage>', 'stage name from hosts.ts')
    .argument('<cmd...>', 'command and arguments, after --')
    .addOption(timeoutOption())
    .action(
      wrap(async (cli, stage: string, cmd: string[], opts: { timeout?: number }) =>
        (await import('../actions/exec.js')).execOnHosts(await cli.session(stage), cmd, opts.timeout),
      ),
    );

  program
    .command('doctor')
    .description('connect to every host and check ssh, sudo, systemd, tar, sha256sum, flock, the deploy path and free disk')
    .argument('<stage>', 'stage name from hosts.ts')
    .action(wrap(async (cli, stage: string) => (await import('../actions/doctor.js')).doctor(await cli.session(stage))));

  registerDeploy(program, wrap);
  registerProject(program, wrap);
  registerCerts(program, wrap);
  registerEnv(program, wrap);
  registerConsole(program, wrap);

  try {
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = report(output, error);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
  return exitCode;
}

let guarded = false;

/**
 * A reader that went away (`ship deploy prod | head -1`, a CI log collector that died) makes
 * every later write fail with EPIPE, which Node throws as an unhandled 'error' event: ship would
 * die half way through a deploy, leaving what kill -9 leaves. Ignore it; the run goes on, undoes
 * itself if it fails, and ends with its exit code as usual.
 */
function keepRunningWithoutReader(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

/** --offline and --full only shape a plan: without --dry-run they would silently do nothing. */
function checkPlanOptions(options: GlobalOptions, command: string): void {
  for (const flag of ['offline', 'full'] as const) {
    if (options[flag] && !options.dryRun)
      throw new ConfigError(
        `--${flag} works only with --dry-run: it changes what the plan shows, and without --dry-run there is no plan`,
        `add --dry-run (ship deploy <stage> --dry-run --${flag})`,
      );
  }
  // The others only read from hosts (doctor, releases, ...): offline, there is nothing to read.
  if (options.offline && !PLANNED.includes(command))
    throw new ConfigError(
      `--offline: ship ${command} has no plan to make without its hosts`,
      `plans without hosts: ${PLANNED.map((c) => (c === 'renew' ? 'certs renew' : c)).join(', ')}`,
    );
}

/** The commands whose --dry-run plans offline (`renew`: ship certs renew). */
const PLANNED = ['deploy', 'rollback', 'setup', 'run', 'exec', 'logs', 'renew'];

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The one place errors become output and an exit code. */
export function report(output: Output, error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has printed help/version/usage itself.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.config;
  }
  if (error instanceof ShipError) {
    output.error(error.message, error.hint, output.verbose ? error.stack : undefined);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.error(
    `unexpected: ${message}`,
    output.verbose ? undefined : 'run again with --verbose for details',
    output.verbose && error instanceof Error ? error.stack : undefined,
  );
  return ExitCode.failed;
}
