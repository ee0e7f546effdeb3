/**
 * The crontab line for `ship certs renew`, and adding it to a crontab once. Pure text in, text
 * out; reading and writing the crontab is the caller's.
 *
 * cron runs with a bare environment (PATH=/usr/bin:/bin, no project directory), so the line
 * names node and ship by absolute path, passes --config, and cd's into the project first. Twice
 * a day at a minute and hour derived from the config path: spread out (ACME CAs ask clients not
 * to all come at midnight) yet the same every time the line is printed.
 */
import { quote } from '../remote/render.js';
import { sha256 } from './paths.js';

export interface CronInput {
  node: string;
  ship: string;
  config: string;
  cwd: string;
  stage?: string;
}

/** Trailing comment that identifies ship's line for this config and stage. */
export function cronMarker(input: Pick<CronInput, 'config' | 'stage'>): string {
  return `# ship-certs stage=${input.stage ?? 'all'} config=${input.config}`;
}

export function cronSchedule(seed: string): string {
  const n = Number.parseInt(sha256(seed).slice(0, 8), 16);
  const hour = Math.floor(n / 60) % 12;
  return `${n % 60} ${hour},${hour + 12} * * *`;
}

export function cronCommand(input: CronInput): string {
  const words = [
    quote(input.node),
    quote(input.ship),
    'certs',
    'renew',
    ...(input.stage ? [quote(input.stage)] : []),
    '--config',
    quote(input.config),
  ];
  return cronEscape(`cd ${quote(input.cwd)} && ${words.join(' ')} ${cronMarker(input)}`);
}

export function cronLine(input: CronInput): string {
  return `${cronSchedule(`${input.config}\0${input.stage ?? ''}`)} ${cronCommand(input)}`;
}

export type CronChange = 'added' | 'updated' | 'unchanged';

/**
 * Add `line` to a crontab unless ship's line for the same config and stage is there. When it is
 * there with another command (node moved, say), its command is replaced and its schedule kept,
 * in case a person chose another time.
 */
export function mergeCrontab(existing: string, line: string, marker: string): { text: string; change: CronChange } {
  const escaped = cronEscape(marker);
  const lines = existing.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const index = lines.findIndex((l) => l.trimEnd().endsWith(escaped));
  const command = commandOf(line);
  if (index === -1) return { text: `${[...lines, line].join('\n')}\n`, change: 'added' };
  const current = lines[index]!;
  if (commandOf(current) === command) return { text: `${lines.join('\n')}\n`, change: 'unchanged' };
  lines[index] = `${scheduleOf(current)} ${command}`;
  return { text: `${lines.join('\n')}\n`, change: 'updated' };
}

/** In a crontab command an unescaped % ends the command (the rest becomes stdin). */
function cronEscape(text: string): string {
  return text.replaceAll('%', '\\%');
}

const SCHEDULE = /^\s*(@\w+|\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+/;

function scheduleOf(line: string): string {
  return SCHEDULE.exec(line)?.[1] ?? '';
}

function commandOf(line: string): string {
  return line.replace(SCHEDULE, '').trimEnd();
}
