/**
 * The random pause before the first order of a run from cron: ACME CAs ask clients not to all
 * arrive at the same minute. Never on a terminal (a person is waiting) or with --no-random-sleep.
 */
import { randomInt } from 'node:crypto';

export const MAX_JITTER_MS = 8 * 60_000;

export function jitterMs(
  options: { enabled: boolean; terminal: boolean },
  random: (max: number) => number = (max) => randomInt(0, max + 1),
): number {
  return options.enabled && !options.terminal ? random(MAX_JITTER_MS) : 0;
}
