/**
 * The deploy lock on a host: a directory made with mkdir(2), which is atomic, holding an `info`
 * file (JSON: who, where, pid, command, when, token). Only the holder's token removes it.
 */
import type { Command } from './command.js';

const script = (body: string, ...args: string[]): Command => ({ argv: ['sh', '-c', body, 'sh', ...args] });
const labelled = (label: string, command: Command): Command => ({ ...command, label });

/** Exit status of `acquire` when someone else holds the lock. */
export const LOCKED = 75;

export const lock = {
  acquire: (dir: string, info: string): Command =>
    labelled('take the deploy lock', script(
      [
        'mkdir -- "$1" 2>/dev/null || { cat -- "$1/info" 2>/dev/null; exit 75; }',
        'printf "%s\\n" "$2" > "$1/info.tmp" && mv -f -- "$1/info.tmp" "$1/info"',
      ].join('\n'),
      dir, info,
    )),
  /** Remove the lock only if it is still ours (its info carries our token). */
  release: (dir: string, token: string): Command =>
    labelled('release the deploy lock', script('[ -d "$1" ] || exit 0; grep -qF -- "$2" "$1/info" 2>/dev/null && rm -rf -- "$1"; exit 0', dir, token)),
  /** Remove whatever lock is there (ship lock release). Prints the info it removed. */
  breakLock: (dir: string): Command => labelled('break the deploy lock', script('[ -d "$1" ] || exit 0; cat -- "$1/info" 2>/dev/null; rm -rf -- "$1"', dir)),
  /** Print the lock's info, `held` with no info (being taken), or nothing when free. */
  status: (dir: string): Command => labelled('read the deploy lock', script('[ -d "$1" ] || exit 0; cat -- "$1/info" 2>/dev/null || echo held', dir)),
};
