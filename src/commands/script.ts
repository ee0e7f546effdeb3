/**
 * The one way to build a remote shell script: a constant body for `sh -c`, with every value
 * passed as a positional parameter ($1, $2, ...), never spliced into the body.
 */
import type { Command } from './command.js';

export const script = (body: string, ...args: string[]): Command => ({ argv: ['sh', '-c', body, 'sh', ...args] });

/** Give a command a short name for progress and errors (plans still print it whole). */
export const labelled = (label: string, command: Command): Command => ({ ...command, label });
