/**
 * Builders for the commands `ship env` and `ship console` run on the env file on a host
 * (shared/.env). Each runs as the service user, who owns shared/ (`sudoUser`; the caller drops it
 * when the SSH user is that user). The file's content only ever travels as a command's stdin or
 * stdout, never in a command line.
 */
import type { Command } from './command.js';
import { script } from './scripts.js';

export const envFiles = {
  /** The file's content, nothing when there is none. Read-only. */
  read: (path: string, user: string): Command => ({ ...script('read-if-present.sh', path), sudoUser: user }),

  /** Make `to` an exact copy of `from` (mode 0600, atomically), or remove it when there is no `from`. */
  copy: (from: string, to: string, user: string): Command => ({ ...script('copy-env-file.sh', from, to), sudoUser: user }),

  /**
   * `ship console`: `argv` (none: the login shell) in `dir` with the env file's variables set,
   * as `user` (undefined: as the SSH user), by exec, so its exit code is the command's.
   */
  console: (dir: string, envFile: string, argv: readonly string[], user?: string): Command => ({
    ...script('console.sh', dir, envFile, ...argv),
    ...(user === undefined ? {} : { sudoUser: user }),
  }),
};
