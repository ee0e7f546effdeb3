/** `ship certs renew|status|cron`: wiring only; the work is in src/actions/certs-*.ts and src/acme. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
// The certs actions are imported when a certs command runs: acme-client alone takes ~330 ms
// to load, which every other command (a deploy) would pay for nothing.
const certStages = async (...args: Parameters<typeof import('../actions/certs-stages.js').certStages>) =>
  (await import('../actions/certs-stages.js')).certStages(...args);
import type { GlobalOptions, Wrap } from './main.js';

interface CertsOptions extends GlobalOptions {
  force?: boolean;
  randomSleep?: boolean;
  install?: boolean;
}

export function registerCerts(program: Command, wrap: Wrap): void {
  const certs = program
    .command('certs')
    .description('TLS certificates from Let\'s Encrypt (or any ACME CA) on every host of a stage');

  certs
    .command('renew')
    .description('renew what is due (silent when nothing is); for cron')
    .argument('[stage]', 'stage name from hosts.ts (default: every stage with certs)')
    .option('--force', 'renew even when not due', false)
    .option('--no-random-sleep', 'do not wait a random 0-8 minutes before ordering when not on a terminal')
    .addHelpText('after', `
Exit codes: 0 nothing failed (renewed or not due), 1 a renewal failed (the hosts keep their old
certificate), 2 bad config, 3 cannot connect, 4 another renewal is running.`)
    .action(wrap(async (cli, stage: string | undefined) => {
      const options = cli.options as CertsOptions;
      const { stages } = await certStages(options.config, stage);
      const { renewCerts } = await import('../actions/certs-renew.js');
      return renewCerts(cli.output, stages, {
        force: options.force === true,
        randomSleep: options.randomSleep !== false,
        dryRun: options.dryRun,
        hostFilter: options.host,
      });
    }));

  certs
    .command('status')
    .description('expiry of every certificate on every host; non-zero exit when any is missing, expired or in the last 1/6 of its life')
    .argument('[stage]', 'stage name from hosts.ts (default: every stage with certs)')
    .action(wrap(async (cli, stage: string | undefined) => {
      const { stages } = await certStages(cli.options.config, stage);
      const { certsStatus } = await import('../actions/certs-status.js');
      return certsStatus(cli.output, stages, { hostFilter: cli.options.host });
    }));

  certs
    .command('cron')
    .description('print the crontab line that runs `ship certs renew` twice a day')
    .argument('[stage]', 'stage name from hosts.ts (default: every stage with certs)')
    .option('--install', 'add the line to this user\'s crontab (once; running again changes nothing)', false)
    .action(wrap(async (cli, stage: string | undefined) => {
      const options = cli.options as CertsOptions;
      const { loaded } = await certStages(options.config, stage);
      const { certsCron } = await import('../actions/certs-cron.js');
      return certsCron(cli.output, { configFile: resolve(loaded.file), stage, install: options.install === true, dryRun: options.dryRun });
    }));
}
