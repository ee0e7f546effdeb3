/**
 * The one script behind `ship status` on a host: free disk, each unit's state, `current`, the
 * lock's holder and the release log's lines about the current release, in one round trip.
 * Read-only (src/remote/sh/read-status.sh); values arrive as positional parameters.
 */
import { labelled, type Command } from './command.js';
import { script } from './scripts.js';

export const statusCommands = {
  /**
   * Prints `disk <available KB> <size KB>`, `unit <name> <state>` per unit, then (when the
   * deploy path exists) `current <link>`, `lock <info>` when locked, and after `log` the release
   * log's lines that name the current release, newest last.
   */
  read: (root: string, units: readonly string[]): Command => labelled("read the host's status", script('read-status.sh', root, ...units)),
};
