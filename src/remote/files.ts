/**
 * Builders for the commands `ship setup` uses to make directories and files on a host the
 * idempotent way: ask first (read-only, so --dry-run asks too), change only what differs.
 * Scripts are files in src/remote/sh, named in each builder; every value reaches them as a
 * positional parameter.
 */
import type { Command } from './command.js';
import { script } from './scripts.js';

export const files = {
  /**
   * Does `owner` exist, what is the group (`group`, or owner's primary group when empty), and
   * who owns each directory. Prints `no-user`, or `group G` then per directory
   * `dir OWNER:GROUP PATH` or `missing - PATH`, then `login NAME`: who the SSH user is.
   */
  directoryState: (owner: string, group: string | undefined, dirs: readonly string[]): Command =>
    script('read-directory-state.sh', owner, group ?? '', ...dirs),

  /** Create directories (and parents), owned by owner:group, mode 0755; fixes owner when they exist. */
  createDirectories: (owner: string, group: string, dirs: readonly string[]): Command => ({
    argv: ['install', '-d', '-m', '0755', '-o', owner, '-g', group, '--', ...dirs],
    sudo: true,
  }),

  /**
   * `missing`, or `MODE OWNER:GROUP` then the sha256 of the content. As root (sudo: the file may
   * be 0600), or, for a file in a directory `as` owns, as that user: root reading by a path that
   * user controls could be pointed at any file.
   */
  fileState: (path: string, as?: string): Command => ({
    ...script('read-file-state.sh', path),
    ...(as === undefined ? { sudo: true } : { sudoUser: as }),
  }),

  /**
   * Write stdin (`bytes` long) to `path` atomically, as root: into a temporary file beside it (umask 077, so it
   * is never readable by others, even for a moment), owner and mode set, then renamed over the
   * old file. A failure at any point leaves the old file as it was. Only for directories that
   * root alone can write (/etc/systemd/system): in any other, the temporary file could be
   * swapped for a symlink between its creation and the chown. See installOwnFile.
   */
  installFile: (path: string, mode: string, owner: string, bytes: number): Command => ({
    ...script('install-file.sh', path, mode, String(bytes), owner),
    sudo: true,
  }),

  /**
   * The same, as `user`, for a file in a directory that user owns (shared/.env): the file is
   * theirs by creating it, so there is no chown, and whatever they swap in can only be
   * something they may write anyway.
   */
  installOwnFile: (path: string, mode: string, user: string, bytes: number): Command => ({
    ...script('install-file.sh', path, mode, String(bytes)),
    sudoUser: user,
  }),

  /** `missing`, `ship` when `path` carries ship's "written by ship setup" line, else `other`. */
  origin: (path: string): Command => script('read-file-origin.sh', path),

  remove: (path: string): Command => ({ argv: ['rm', '-f', '--', path], sudo: true }),
};
