/**
 * The deploy lock on a host: a directory `<path>/.ship/lock` holding an `info` file (one line of
 * JSON: who, where, which process, command name, when, token), mode 0750/0640.
 *
 * Every change to it (take, release, break) runs under flock(1) on the `.ship` directory, so
 * "remove it only if it is still the lock I read" is one atomic step: two ships that both saw
 * the same dead holder cannot break each other's fresh lock, and a release never removes a lock
 * someone else took meanwhile. Scripts: src/remote/sh/{take-lock,release-lock,read-lock}.sh;
 * values arrive as positional parameters.
 */
import { labelled, type Command } from './command.js';
import { script } from './scripts.js';

/** Exit status of `acquire` and `removeIf` when someone else holds the lock (`held` in sh/lib/lock-guard.sh). */
export const LOCKED = 75;

export const lock = {
  /**
   * Take the lock: built complete under a name of our own (lock.<token>, with its info), then
   * renamed into place, so a lock never exists without the info that proves whose it is.
   * Exit 0 taken; 75 held by someone else, whose info is printed.
   */
  acquire: (dir: string, info: string, token: string): Command =>
    labelled('take the deploy lock', script('take-lock.sh', dir, info, token)),

  /**
   * Compare-and-delete: remove the lock only if its info is exactly `info` (or, for `info` '',
   * only if it has no info at all). Exit 0 when removed or already gone; 75 when another lock
   * is there now, whose info is printed. `token` also removes our own half-built lock.<token>.
   */
  removeIf: (dir: string, info: string, token = ''): Command =>
    labelled('release the deploy lock', script('release-lock.sh', dir, info, token)),

  /** Print the lock's info, `held` when it has none, or nothing when free. */
  status: (dir: string): Command => labelled('read the deploy lock', script('read-lock.sh', dir)),
};
