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

/** Certificate paths may be root's or the service user's: sudo only when the stage says. */
const script = (sudo: boolean, name: string, ...args: string[]): Command => ({ ...shScript(name, ...args), sudo });

/** Exit codes of `read` (read-cert.sh) that mean "not there", not "failed". */
export const READ_MISSING_CERT = 44;
export const READ_MISSING_KEY = 45;

export const certCommands = {
  /** Prints the full chain; exits 44 when it is missing, 45 when the key next to it is. */
  read: (certPath: string, keyPath: string, sudo: boolean): Command => script(sudo, 'read-cert.sh', certPath, keyPath),

  /**
   * stdin (`bytes` long) -> `<path>.ship-new` with MODE; creates the directory (0755) when
   * missing. Input cut short by a lost connection fails here, so `swap` never moves it in.
   */
  stage: (path: string, mode: '0600' | '0644', sudo: boolean, bytes: number): Command =>
    script(sudo, 'stage-cert-file.sh', path, mode, String(bytes)),

  /** Prints the origin record (origin.ts) when there is one, nothing otherwise. */
  readOrigin: (path: string, sudo: boolean): Command => script(sudo, 'read-if-present.sh', path),

  /** Keep the current files as .prev (or forget a stale .prev), then move the new ones in, in order. */
  swap: (paths: readonly string[], sudo: boolean): Command => script(sudo, 'swap-cert-files.sh', ...paths),

  /** Undo `swap`: the .prev files back in place, or none at all where there were none before. */
  restore: (paths: readonly string[], sudo: boolean): Command => script(sudo, 'restore-cert-files.sh', ...paths),

  /** Drop staged files when a run stops before `swap` (never `restore` then: .prev is older). */
  discard: (paths: readonly string[], sudo: boolean): Command => script(sudo, 'discard-cert-files.sh', ...paths),

  nginxTest: (sudo: boolean): Command => ({ argv: ['nginx', '-t'], sudo }),

  reload: systemctl.reloadForCerts,

  /** stdin (the key authorization) -> <webroot>/.well-known/acme-challenge/<token>, world-readable for the web server. */
  placeToken: (webroot: string, token: string, sudo: boolean): Command => script(sudo, 'place-token.sh', webroot, token),

  /** Succeeds when the token is not there afterwards, also when its directory never was. */
  removeToken: (webroot: string, token: string, sudo: boolean): Command => script(sudo, 'remove-token.sh', webroot, token),
};
