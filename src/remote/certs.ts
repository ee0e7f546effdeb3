/**
 * Commands for certificates on the hosts. Each shell script is a constant; paths, tokens and
 * modes arrive as positional parameters ("$1"), never spliced in.
 *
 * Install is two steps so a pair never half-lands: `stage` writes each file (key, chain, origin
 * record) next to its final path as `<path>.ship-new` (the key with umask 077, so it is never
 * readable by others), then `swap` hard-links the current files to `<path>.prev` and renames
 * the new files over them. `restore` puts the `.prev` files back (or removes first-time ones)
 * when a check fails.
 */
import type { Command } from './command.js';
import { receivedWhole, script as shScript } from './script.js';
import { systemctl } from './systemctl.js';

/** Certificate paths may be root's or the service user's: sudo only when the stage says. */
const script = (sudo: boolean, body: string, ...args: string[]): Command => ({ ...shScript(body, ...args), sudo });

/** Exit codes of `read` that mean "not there", not "failed". */
export const READ_MISSING_CERT = 44;
export const READ_MISSING_KEY = 45;

export const certCommands = {
  /** Prints the full chain; exits 44 when it is missing, 45 when the key next to it is. */
  read: (certPath: string, keyPath: string, sudo: boolean): Command =>
    script(sudo, `[ -e "$1" ] || exit ${READ_MISSING_CERT}; [ -e "$2" ] || exit ${READ_MISSING_KEY}; cat -- "$1"`, certPath, keyPath),

  /**
   * stdin (`bytes` long) -> `<path>.ship-new` with MODE; creates the directory (0755) when
   * missing. Input cut short by a lost connection fails here, so `swap` never moves it in.
   */
  stage: (path: string, mode: '0600' | '0644', sudo: boolean, bytes: number): Command =>
    script(sudo, `set -e; umask 022; mkdir -p -- "$(dirname -- "$1")"; umask 077; cat > "$1.ship-new"; ${receivedWhole('"$1.ship-new"', '"$3"')}; chmod "$2" -- "$1.ship-new"`, path, mode, String(bytes)),

  /** Prints the origin record (origin.ts) when there is one, nothing otherwise. */
  readOrigin: (path: string, sudo: boolean): Command =>
    script(sudo, '[ -e "$1" ] || exit 0; cat -- "$1"', path),

  /** Keep the current files as .prev (or forget a stale .prev), then move the new ones in, in order. */
  swap: (paths: readonly string[], sudo: boolean): Command =>
    script(sudo, 'set -e; for f; do if [ -e "$f" ]; then ln -f -- "$f" "$f.prev"; else rm -f -- "$f.prev"; fi; done; for f; do mv -f -- "$f.ship-new" "$f"; done', ...paths),

  /** Undo `swap`: the .prev files back in place, or none at all where there were none before. */
  restore: (paths: readonly string[], sudo: boolean): Command =>
    script(sudo, 'for f; do if [ -e "$f.prev" ]; then mv -f -- "$f.prev" "$f"; else rm -f -- "$f"; fi; rm -f -- "$f.ship-new"; done', ...paths),

  /** Drop staged files when a run stops before `swap` (never `restore` then: .prev is older). */
  discard: (paths: readonly string[], sudo: boolean): Command =>
    script(sudo, 'for f; do rm -f -- "$f.ship-new"; done', ...paths),

  nginxTest: (sudo: boolean): Command => ({ argv: ['nginx', '-t'], sudo }),

  reload: systemctl.reloadForCerts,

  /** stdin (the key authorization) -> <webroot>/.well-known/acme-challenge/<token>, world-readable for the web server. */
  placeToken: (webroot: string, token: string, sudo: boolean): Command =>
    script(sudo, 'set -e; umask 022; d="$1/.well-known/acme-challenge"; mkdir -p -- "$d"; cat > "$d/$2"', webroot, token),

  /** Succeeds when the token is not there afterwards, also when its directory never was. */
  removeToken: (webroot: string, token: string, sudo: boolean): Command =>
    script(sudo, 'f="$1/.well-known/acme-challenge/$2"; [ -e "$f" ] || exit 0; rm -f -- "$f"', webroot, token),
};
