/**
 * Builders for the commands `ship setup` uses to make directories and files on a host the
 * idempotent way: ask first (read-only, so --dry-run asks too), change only what differs.
 * Scripts are constants; every value reaches them as a positional parameter.
 */
import type { Command } from './command.js';
import { receivedWhole, script } from './script.js';

/**
 * stdin to "$1" with mode "$2" through a private temporary file and a rename; `chown` in between.
 * The temporary name is known before the file exists ("$1.ship-<pid of this sh>"; a leftover of
 * a dead sh with the same pid is removed first), and every trap is set before it is created, so
 * no signal can land between its creation and the trap that removes it (mktemp in a command
 * substitution had such a window). A signal (Ctrl-C reaches the remote command as SIGTERM)
 * becomes an exit, because sh runs the EXIT trap on exit only, not when a signal kills it.
 * `set -C` makes the creation exclusive (O_EXCL). "$3" is the size of the content: stdin cut
 * short by a lost connection ends like a whole one, and must not replace the file (a sudo'd
 * script does not get the SIGTERM ship sends: sshd signals it as the SSH user, not as root).
 */
const atomicWrite = (chown: string): string =>
  `set -e; umask 077; tmp="$1.ship-$$"; trap 'rm -f -- "$tmp"' EXIT; trap 'exit 143' TERM; trap 'exit 130' INT; trap 'exit 129' HUP; rm -f -- "$tmp"; set -C; cat > "$tmp"; set +C; ${receivedWhole('"$tmp"', '"$3"')}; ${chown}chmod -- "$2" "$tmp"; mv -f -- "$tmp" "$1"; trap - EXIT`;

export const files = {
  /**
   * Does `owner` exist, what is the group (`group`, or owner's primary group when empty), and
   * who owns each directory. Prints `no-user`, or `group G` then per directory
   * `dir OWNER:GROUP PATH` or `missing - PATH`, then `login NAME`: who the SSH user is.
   */
  directoryState: (owner: string, group: string | undefined, dirs: readonly string[]): Command =>
    script(
      [
        'owner=$1; group=$2; shift 2',
        'id -u -- "$owner" >/dev/null 2>&1 || { echo no-user; exit 0; }',
        '[ -n "$group" ] || group=$(id -gn -- "$owner")',
        'getent group "$group" >/dev/null || { echo "no-group $group"; exit 0; }',
        'echo "group $group"',
        'for d in "$@"; do',
        '  if [ -d "$d" ]; then echo "dir $(stat -c %U:%G -- "$d") $d"; else echo "missing - $d"; fi',
        'done',
        'echo "login $(id -un)"',
      ].join('\n'),
      owner, group ?? '', ...dirs,
    ),

  /** Create directories (and parents), owned by owner:group, mode 0755; fixes owner when they exist. */
  createDirectories: (owner: string, group: string, dirs: readonly string[]): Command =>
    ({ argv: ['install', '-d', '-m', '0755', '-o', owner, '-g', group, '--', ...dirs], sudo: true }),

  /**
   * `missing`, or `MODE OWNER:GROUP` then the sha256 of the content. As root (sudo: the file may
   * be 0600), or, for a file in a directory `as` owns, as that user: root reading by a path that
   * user controls could be pointed at any file.
   */
  fileState: (path: string, as?: string): Command => ({
    ...script(
      [
        '[ -e "$1" ] || { echo missing; exit 0; }',
        'stat -c "%a %U:%G" -- "$1"',
        '{ sha256sum < "$1"; } 2>/dev/null | cut -d " " -f 1',
      ].join('\n'),
      path,
    ),
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
    // One line, so a --dry-run plan shows one line per file.
    ...script(atomicWrite('chown -- "$4" "$tmp"; '), path, mode, String(bytes), owner),
    sudo: true,
  }),

  /**
   * The same, as `user`, for a file in a directory that user owns (shared/.env): the file is
   * theirs by creating it, so there is no chown, and whatever they swap in can only be
   * something they may write anyway.
   */
  installOwnFile: (path: string, mode: string, user: string, bytes: number): Command => ({
    ...script(atomicWrite(''), path, mode, String(bytes)),
    sudoUser: user,
  }),

  /** `missing`, `ship` when `path` carries ship's "written by ship setup" line, else `other`. */
  origin: (path: string): Command =>
    script('[ -e "$1" ] || { echo missing; exit 0; }; if grep -q "written by ship setup" -- "$1"; then echo ship; else echo other; fi', path),

  remove: (path: string): Command => ({ argv: ['rm', '-f', '--', path], sudo: true }),
};
