/**
 * `ship certs cron [stage] [--install]`: print the crontab line that runs `ship certs renew`
 * twice a day; with --install, add it to this user's crontab through `crontab -l` / `crontab -`,
 * once: running it again changes nothing.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { cronLine, cronMarker, mergeCrontab, type CronInput } from '../acme/cron.js';
import { ExitCode, ShipError } from '../errors.js';
import type { Output } from '../output/output.js';

export interface CronOptions {
  configFile: string;
  stage?: string;
  install: boolean;
  dryRun: boolean;
}

export function cronInput(configFile: string, stage: string | undefined): CronInput {
  // This package's own bin/ship, resolved through any npx or node_modules/.bin symlink.
  const ship = realpathSync(fileURLToPath(new URL('../../bin/ship', import.meta.url)));
  return { node: process.execPath, ship, config: configFile, cwd: process.cwd(), ...(stage ? { stage } : {}) };
}

export async function certsCron(output: Output, options: CronOptions): Promise<number> {
  const input = cronInput(options.configFile, options.stage);
  const line = cronLine(input);
  if (!options.install) {
    output.info(line);
    return ExitCode.ok;
  }
  const current = await execa('crontab', ['-l'], { reject: false }).catch((error: Error) => {
    throw new ShipError(`cannot run crontab: ${error.message}`, {
      hint: 'install cron (Debian: apt-get install cron), or add the line printed by `ship certs cron` yourself',
    });
  });
  // `crontab -l` exits 1 with "no crontab for USER" when there is none yet: that is an empty one.
  if (current.exitCode !== 0 && !/no crontab/i.test(current.stderr)) {
    throw new ShipError(`crontab -l failed: ${current.stderr.trim()}`);
  }
  const existing = current.exitCode === 0 ? current.stdout : '';
  const merged = mergeCrontab(existing.length > 0 ? `${existing}\n` : '', line, cronMarker(input));
  if (merged.change === 'unchanged') {
    output.info(`already in the crontab: ${merged.text.split('\n').find((l) => l.includes(cronMarker(input).slice(2))) ?? line}`);
    return ExitCode.ok;
  }
  if (options.dryRun) {
    output.info(`would ${merged.change === 'added' ? 'add' : 'update'} in the crontab: ${line}`);
    return ExitCode.ok;
  }
  const written = await execa('crontab', ['-'], { input: merged.text, reject: false });
  if (written.exitCode !== 0) throw new ShipError(`crontab - failed: ${written.stderr.trim()}`);
  output.info(
    `${merged.change === 'added' ? 'added to' : 'updated in'} the crontab: ${merged.text.split('\n').find((l) => l.includes(cronMarker(input).slice(2)))}`,
  );
  return ExitCode.ok;
}
