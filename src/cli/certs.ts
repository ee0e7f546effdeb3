/** `ship certs renew|status|cron`: wiring only; the work is in src/actions/certs-*.ts and src/acme. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
// The certs actions are imported when a certs command runs: acme-client alone takes ~330 ms
// to load, which every other command (a deploy) would pay for nothing.
const certStages = async (configFile: string, stage: string | undefined) =>
  (await import('../actions/certs-stages.js')).certStages(configFile, stage, await shipApi());
import { ConfigError } from '../errors.js';
import { shipApi } from './ship-api.js';
import type { GlobalOptions, Wrap } from './types.js';

interface CertsOptions extends GlobalOptions {
  force?: boolean;
  randomSleep?: boolean;
  install?: boolean;
  warn?: string;
}

export function registerCerts(program: Command, wrap: Wrap): void {
  const certs = program.command('certs').description("TLS certificates from Let's Encrypt (or any ACME CA) on every host of a stage");

  certs
    .command('renew')
    .description('renew what is due (silent when nothing is); for cron')
    .argument('[stage]', 'stage name from hosts.ts (default: every stage with certs)')
    .option('--force', 'renew even when not due', false)
    .option('--no-random-sleep', 'do not wait a random 0-8 minutes before ordering when not on a terminal')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing failed (renewed or not due), 1 a renewal failed (the hosts keep their old
certificate), 2 bad config (also a certs.profile the CA does not offer), 3 cannot connect,
4 another renewal is running. A failure prints one paragraph per stage: what failed, where and
why, then "next:" and the command to run again.`,
    )
    .action(
      wrap(async (cli, stage: string | undefined) => {
        const options = cli.options as CertsOptions;
        const { stages } = await certStages(options.config, stage);
        const { renewCerts } = await import('../actions/certs-renew.js');
        return renewCerts(cli.output, stages, {
          force: options.force === true,
          randomSleep: options.randomSleep !== false,
          dryRun: options.dryRun,
          offline: options.offline,
          full: options.full,
          hostFilter: options.host,
        });
      }),
    );

  certs
    .command('status')
    .description('expiry of every certificate on every host, for monitoring (CAs send no expiry mail)')
    .argument('[stage]', 'stage name from hosts.ts (default: every stage with certs)')
    .option('--warn <days|fraction>', 'exit 1 when fewer days than this are left (14), or less of the lifetime (0.2 or 1/6)', '1/6')
    .addHelpText(
      'after',
      `
Exit codes, for monitoring: 0 every certificate is present and outside the --warn threshold,
1 one is missing, unreadable, expired or inside it, 2 bad config or arguments, 3 a host could
not be reached (and nothing else is wrong). Problems are listed on stderr.`,
    )
    .action(
      wrap(async (cli, stage: string | undefined) => {
        const options = cli.options as CertsOptions;
        const { parseWarn } = await import('../acme/policy.js');
        const warn = parseWarn(options.warn ?? '1/6');
        if (!warn)
          throw new ConfigError(
            `--warn: expected a number of days such as 14, or a fraction of the lifetime such as 0.2 or 1/6, got ${JSON.stringify(options.warn)}`,
          );
        const { stages } = await certStages(options.config, stage);
        const { certsStatus } = await import('../actions/certs-status.js');
        return certsStatus(cli.output, stages, { hostFilter: options.host, warn });
      }),
    );

  certs
    .command('cron')
    .description('print the crontab line that runs `ship certs renew` twice a day')
    .argument('[stage]', 'stage name from hosts.ts (default: every stage with certs)')
    .option('--install', "add the line to this user's crontab (once; running again changes nothing)", false)
    .action(
      wrap(async (cli, stage: string | undefined) => {
        const options = cli.options as CertsOptions;
        const { loaded } = await certStages(options.config, stage);
        const { certsCron } = await import('../actions/certs-cron.js');
        return certsCron(cli.output, {
          configFile: resolve(loaded.file),
          stage,
          install: options.install === true,
          dryRun: options.dryRun,
        });
      }),
    );
}
