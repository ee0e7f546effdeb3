/**
 * The deploy lock on a host: a directory, renamed into place atomically, holding an `info` file
 * (JSON: who, where, pid, command, when, token). Only the holder's token removes it.
 */
import type { Command } from './command.js';

const script = (body: string, ...args: string[]): Command => ({ argv: ['sh', '-c', body, 'sh', ...args] });
const labelled = (label: string, command: Command): Command => ({ ...command, label });

/** Exit status of `acquire` when someone else holds the lock. */
export const LOCKED = 75;

export const lock = {
  /**
   * The lock directory is made complete under a name of our own (lock.<token>, with its info)
   * and renamed into place: rename(2) of a directory onto an existing, non-empty one fails, so
   * taking the lock stays atomic, and the lock can never exist without its info (a Ctrl-C between
   * a mkdir and the info write used to leave a lock nobody could prove was theirs).
   */
  acquire: (dir: string, info: string, token: string): Command =>
    labelled('take the deploy lock', script(
      [
        'own="$1.$3"',
        'rm -rf -- "$own" && mkdir -- "$own" && printf "%s\\n" "$2" > "$own/info" || exit 1',
        'mv -T -- "$own" "$1" 2>/dev/null && exit 0',
        'rm -rf -- "$own"',
        'cat -- "$1/info" 2>/dev/null',
        'exit 75',
      ].join('\n'),
      dir, info, token,
    )),
  /** Remove the lock only if it is still ours (its info carries our token), and our own temp. */
  release: (dir: string, token: string): Command =>
    labelled('release the deploy lock', script('rm -rf -- "$1.$2"; [ -d "$1" ] || exit 0; grep -qF -- "$2" "$1/info" 2>/dev/null && rm -rf -- "$1"; exit 0', dir, token)),
  /** Remove whatever lock is there (ship lock release). Prints the info it removed. */
  breakLock: (dir: string): Command => labelled('break the deploy lock', script('[ -d "$1" ] || exit 0; cat -- "$1/info" 2>/dev/null; rm -rf -- "$1"', dir)),
  /** Print the lock's info, `held` with no info (being taken), or nothing when free. */
  status: (dir: string): Command => labelled('read the deploy lock', script('[ -d "$1" ] || exit 0; cat -- "$1/info" 2>/dev/null || echo held', dir)),
};
