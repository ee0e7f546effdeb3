/**
 * The deploy lock on a host: a directory `<path>/.ship/lock` holding an `info` file (one line of
 * JSON: who, where, which process, command name, when, token), mode 0750/0640.
 *
 * Every change to it (take, release, break) runs under flock(1) on the `.ship` directory, so
 * "remove it only if it is still the lock I read" is one atomic step: two ships that both saw
 * the same dead holder cannot break each other's fresh lock, and a release never removes a lock
 * someone else took meanwhile. Scripts are constants; values arrive as positional parameters.
 */
import type { Command } from './command.js';
import { script, labelled } from './script.js';

/** Exit status of `acquire` and `removeIf` when someone else holds the lock. */
export const LOCKED = 75;

/** Another lock is there: print its holder (or "held" when its info is not written yet) and say so. */
const HELD = ['cat -- "$1/info" 2>/dev/null || echo held', `exit ${LOCKED}`];

/** Opens the lock's parent (`.ship`) as fd 9 and waits at most 30 s for its flock. */
const GUARD = [
  'exec 9<"${1%/*}" || exit 1',
  'flock -w 30 9 || { echo "could not get the lock guard (flock on ${1%/*})" >&2; exit 1; }',
];

export const lock = {
  /**
   * Take the lock: built complete under a name of our own (lock.<token>, with its info), then
   * renamed into place, so a lock never exists without the info that proves whose it is.
   * Exit 0 taken; 75 held by someone else, whose info is printed.
   */
  acquire: (dir: string, info: string, token: string): Command =>
    labelled('take the deploy lock', script(
      [
        'umask 027',
        ...GUARD,
        'own="$1.$3"',
        'rm -rf -- "$own" && mkdir -- "$own" || exit 1',
        // The info is written from inside the directory we just made, checked to be ours and
        // empty: .ship/ may belong to the service user, who could swap the name for a symlink.
        '( cd -P -- "$own" && [ -z "$(ls -A)" ] && [ "$(stat -c %u .)" = "$(id -u)" ] && printf "%s\\n" "$2" > info ) || { rm -rf -- "$own"; exit 1; }',
        'mv -T -- "$own" "$1" 2>/dev/null && exit 0',
        'rm -rf -- "$own"',
        ...HELD,
      ].join('\n'),
      dir, info, token,
    )),

  /**
   * Compare-and-delete: remove the lock only if its info is exactly `info` (or, for `info` '',
   * only if it has no info at all). Exit 0 when removed or already gone; 75 when another lock
   * is there now, whose info is printed. `token` also removes our own half-built lock.<token>.
   */
  removeIf: (dir: string, info: string, token = ''): Command =>
    labelled('release the deploy lock', script(
      [
        '[ -d "${1%/*}" ] || exit 0',
        ...GUARD,
        '[ -z "$3" ] || rm -rf -- "$1.$3"',
        '[ -d "$1" ] || exit 0',
        'if [ -z "$2" ]; then',
        '  [ -e "$1/info" ] || { rm -rf -- "$1"; exit 0; }',
        'elif grep -qxF -- "$2" "$1/info" 2>/dev/null; then',
        '  rm -rf -- "$1"; exit 0',
        'fi',
        ...HELD,
      ].join('\n'),
      dir, info, token,
    )),

  /** Print the lock's info, `held` when it has none, or nothing when free. */
  status: (dir: string): Command => labelled('read the deploy lock', script('[ -d "$1" ] || exit 0; cat -- "$1/info" 2>/dev/null || echo held', dir)),
};
