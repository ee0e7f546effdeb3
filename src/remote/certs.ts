/**
 * Commands for certificates on the hosts. Each shell script is a file in src/remote/sh, named in
 * its builder; paths, tokens and modes arrive as positional parameters ("$1"), never spliced in.
 *
 * Install is two steps so a pair never half-lands: `stage` writes each file (key, chain, origin
 * record) next to its final path as `<path>.ship-new` (the key with umask 077, so it is never
 * readable by others), then `swap` hard-links the current files to `<path>.prev` and renames
 * the new files over them. `restore` puts the `.prev` files back (or removes first-time ones)
 * when a check fails.
 */
import type { Command } from './command.js';
import { script as shScript } from './scripts.js';
import { systemctl } from './systemctl.js';

/** Certificate paths are root's: privileged (the stage's `sudo: false` runs them as the SSH user). */
const script = (name: string, ...args: string[]): Command => ({ ...shScript(name, ...args), sudo: true });

/** Exit codes of `read` (read-cert.sh) that mean "not there", not "failed". */
export const READ_MISSING_CERT = 44;
export const READ_MISSING_KEY = 45;

export const certCommands = {
  /** Prints the full chain; exits 44 when it is missing, 45 when the key next to it is. */
  read: (certPath: string, keyPath: string): Command => script('read-cert.sh', certPath, keyPath),

  /**
   * stdin (`bytes` long) -> `<path>.ship-new` with MODE; creates the directory (0755) when
   * missing. Input cut short by a lost connection fails here, so `swap` never moves it in.
   */
  stage: (path: string, mode: '0600' | '0644', bytes: number): Command => script('stage-cert-file.sh', path, mode, String(bytes)),

  /** Prints the origin record (origin.ts) when there is one, nothing otherwise. */
  readOrigin: (path: string): Command => script('read-if-present.sh', path),

  /** Keep the current files as .prev (or forget a stale .prev), then move the new ones in, in order. */
  swap: (paths: readonly string[]): Command => script('swap-cert-files.sh', ...paths),

  /** Undo `swap`: the .prev files back in place, or none at all where there were none before. */
  restore: (paths: readonly string[]): Command => script('restore-cert-files.sh', ...paths),

  /** Drop staged files when a run stops before `swap` (never `restore` then: .prev is older). */
  discard: (paths: readonly string[]): Command => script('discard-cert-files.sh', ...paths),

  nginxTest: (): Command => ({ argv: ['nginx', '-t'], sudo: true }),

  reload: systemctl.reloadForCerts,

  /** stdin (the key authorization) -> <webroot>/.well-known/acme-challenge/<token>, world-readable for the web server. */
  placeToken: (webroot: string, token: string): Command => script('place-token.sh', webroot, token),

  /** Succeeds when the token is not there afterwards, also when its directory never was. */
  removeToken: (webroot: string, token: string): Command => script('remove-token.sh', webroot, token),
};
