/**
 * Builders for the commands a deploy runs on a host. Pure: each returns a Command (argv data),
 * so unit tests compare them exactly and --dry-run prints them as they are.
 * Scripts are constants; every value reaches them as a positional parameter.
 */
import type { Command } from './command.js';

const script = (body: string, ...args: string[]): Command => ({ argv: ['sh', '-c', body, 'sh', ...args] });
const labelled = (label: string, command: Command): Command => ({ ...command, label });

/**
 * Shell functions for the upload's scripts. `enter_releases ROOT` changes into ROOT/releases;
 * `enter_partial ID` from there into .partial-ID, which must then be ours and private (0700).
 * Each cd is followed by `pwd -P`: if a symlink led elsewhere, the physical path differs, and we
 * refuse before writing anything. Once inside, the directory stays ours whatever happens to the
 * path (only its name can be moved, by the service user, who owns releases/).
 */
const ENTER_OWN = [
  'refuse() { echo "refusing to use $1: $2" >&2; exit 3; }',
  'enter_releases() { cd -P -- "$1"; base=$(pwd -P); cd -P -- releases; [ "$(pwd -P)" = "$base/releases" ] || refuse "$1/releases" "not a directory of its own (a symlink to $(pwd -P))"; }',
  'enter_partial() { cd -P -- ".partial-$1"; [ "$(pwd -P)" = "$base/releases/.partial-$1" ] || refuse "$base/releases/.partial-$1" "not a directory of its own (a symlink?)"; [ "$(stat -c %u:%a .)" = "$(id -u):700" ] || refuse "$base/releases/.partial-$1" "not ours (owner and mode $(stat -c %U:%a .)): someone else made or changed it"; }',
].join('\n');

export interface Layout {
  /** The stage's deploy path, e.g. /srv/hello. */
  root: string;
}

export const paths = {
  releases: (l: Layout) => `${l.root}/releases`,
  release: (l: Layout, id: string) => `${l.root}/releases/${id}`,
  /** Ours alone (0700): the upload lands here, the release is extracted here and renamed into place, so releases/<id> is always complete. */
  partial: (l: Layout, id: string) => `${l.root}/releases/.partial-${id}`,
  upload: (l: Layout, id: string) => `${l.root}/releases/.partial-${id}/release.tar.gz`,
  shared: (l: Layout) => `${l.root}/shared`,
  current: (l: Layout) => `${l.root}/current`,
  meta: (l: Layout) => `${l.root}/.ship`,
  lock: (l: Layout) => `${l.root}/.ship/lock`,
  log: (l: Layout) => `${l.root}/.ship/releases.log`,
};

export const release = {
  /** Create the layout if missing (idempotent); fails clearly when the path is not writable. */
  prepare: (l: Layout): Command => ({ argv: ['mkdir', '-p', '--', paths.releases(l), paths.shared(l), paths.meta(l)] }),

  /**
   * Receive the tarball on stdin (streamed; nothing is buffered whole) into a directory of our
   * own, releases/.partial-<id>, mode 0700: the service user owns releases/ and could swap any
   * path in it for a symlink, but cannot write inside this directory, so what lands there stays
   * what we received, and we never write through a path they control.
   */
  receive: (l: Layout, id: string): Command =>
    labelled('receive the release tarball', script(
      [
        'set -e',
        'umask 077',
        ENTER_OWN,
        'enter_releases "$1"',
        'rm -rf -- ".partial-$2"',
        'mkdir -m 0700 -- ".partial-$2"',
        'enter_partial "$2"',
        'exec cat > release.tar.gz',
      ].join('\n'),
      l.root, id,
    )),

  /**
   * Check the received tarball's sha256 and extract those same bytes (a file only we can write,
   * in our own directory) into releases/.partial-<id>/release; normalise modes (no setuid or
   * setgid, no group or world write, top directory 0755), then rename it to releases/<id>.
   * Whoever the SSH user is, a release never carries a setuid file. Any failure removes what it
   * made and leaves no half release behind.
   */
  verifyAndExtract: (l: Layout, id: string, sha256: string): Command =>
    labelled('verify sha256 and extract the release', script(
      [
        'set -e',
        ENTER_OWN,
        'enter_releases "$1"',
        'enter_partial "$2"',
        // From here on we are in our own directory, whatever its path now points at.
        'trap \'cd .. && rm -rf -- ".partial-$2"\' EXIT',
        'actual=$(sha256sum < release.tar.gz | cut -d " " -f 1)',
        'if [ "$actual" != "$3" ]; then echo "checksum mismatch: expected $3, got $actual" >&2; exit 3; fi',
        'umask 022',
        'mkdir release',
        'tar -xzf release.tar.gz -C release --no-same-owner',
        'rm -f release.tar.gz',
        'if [ -n "$(find release \\( -type b -o -type c \\) -print)" ]; then echo "the release holds device files; refusing it" >&2; exit 3; fi',
        // chmod -R leaves symlinks alone (it never follows one it meets on the way).
        'chmod -R u-s,g-s,go-w release',
        'chmod 0755 release',
        // ../<id>: next to our directory, wherever it is; only the service user could have moved it.
        'mv -T -- release "../$2"',
        'cd ..',
        'rmdir -- ".partial-$2"',
        'trap - EXIT',
      ].join('\n'),
      l.root, id, sha256,
    )),

  /**
   * Link each shared entry (`.env`, `uploads/`) from shared/ into the release. Directories
   * (trailing /) are created in shared/ when missing; a file entry that is missing in shared/
   * is created empty, so the link is never dangling.
   */
  linkShared: (l: Layout, id: string, entries: readonly string[]): Command =>
    labelled('link shared entries into the release', script(
      [
        'set -e',
        'shared=$1; rel=$2; shift 2',
        'for entry in "$@"; do',
        '  name=${entry%/}',
        '  case $entry in */) mkdir -p -- "$shared/$name" ;; *) mkdir -p -- "$(dirname -- "$shared/$name")"; [ -e "$shared/$name" ] || : > "$shared/$name" ;; esac',
        '  rm -rf -- "$rel/$name"',
        '  mkdir -p -- "$(dirname -- "$rel/$name")"',
        '  ln -s -- "$shared/$name" "$rel/$name"',
        'done',
      ].join('\n'),
      paths.shared(l), paths.release(l, id), ...entries,
    )),

  /**
   * Point `current` at releases/<id> atomically: a symlink under a temporary name, renamed over
   * `current` with mv -T (rename(2)), then read back. The link is relative, so the whole deploy
   * path can be moved. Prints the release `current` pointed at before, if any.
   */
  switchCurrent: (l: Layout, id: string): Command =>
    labelled('switch current', script(
      [
        'set -e',
        'cd -- "$1"',
        'test -d "releases/$2" || { echo "releases/$2 does not exist" >&2; exit 3; }',
        'previous=$(readlink current 2>/dev/null || true)',
        'ln -sfn -- "releases/$2" ".current-$2"',
        'mv -T -- ".current-$2" current',
        'test "$(readlink current)" = "releases/$2" || { echo "current does not point at releases/$2 after the switch" >&2; exit 3; }',
        'printf "%s\\n" "${previous#releases/}"',
      ].join('\n'),
      l.root, id,
    )),

  /** The release id `current` points at (empty when there is none). */
  readCurrent: (l: Layout): Command => labelled('read current', script('t=$(readlink -- "$1" 2>/dev/null) || exit 0; printf "%s\\n" "${t##*/}"', paths.current(l))),

  /**
   * Remove releases by id (never called with current's id; checked again here). Each is first
   * renamed to releases/.removing-<id>, so a removal cut short (Ctrl-C, kill -9) never leaves a
   * half-deleted release that a rollback could pick; the next cleanup finishes it.
   */
  remove: (l: Layout, ids: readonly string[]): Command =>
    labelled('remove releases', script(
      [
        'set -e',
        'root=$1; shift',
        'cur=$(readlink "$root/current" 2>/dev/null || true)',
        'for id in "$@"; do',
        '  [ "releases/$id" = "$cur" ] && { echo "refusing to remove current release $id" >&2; continue; }',
        '  [ ! -d "$root/releases/$id" ] || mv -T -- "$root/releases/$id" "$root/releases/.removing-$id"',
        '  rm -rf -- "$root/releases/.removing-$id" "$root/releases/.partial-$id" "$root/.ship/upload-$id.tar.gz" "$root/.current-$id"',
        'done',
      ].join('\n'),
      l.root, ...ids,
    )),

  /** Append one JSON line to the release log. */
  log: (l: Layout, entry: object): Command =>
    labelled('append to the release log', script('printf "%s\\n" "$2" >> "$1"', paths.log(l), JSON.stringify(entry))),

  /**
   * Everything `ship releases` and cleanup need in one round trip: current, the release
   * directories with their size in KB, leftovers of interrupted deploys, and the release log.
   */
  inventory: (l: Layout): Command =>
    labelled('read releases and the release log', script(
      [
        'cd -- "$1" 2>/dev/null || exit 0',
        'echo "current $(readlink current 2>/dev/null || true)"',
        'for d in releases/* releases/.partial-* releases/.removing-*; do [ -d "$d" ] || continue; echo "dir $(du -sk -- "$d" | cut -f 1) ${d#releases/}"; done',
        'for f in .ship/upload-*.tar.gz; do [ -e "$f" ] && echo "upload ${f#.ship/upload-}"; done',
        'echo "log"',
        'cat .ship/releases.log 2>/dev/null || true',
      ].join('\n'),
      l.root,
    )),
};

export const systemctl = {
  restart: (unit: string): Command => ({ argv: ['systemctl', 'restart', '--', unit], sudo: true }),
  /** Clear a unit's failed state and its start rate limit (StartLimitBurst), before a (re)start. */
  resetFailed: (unit: string): Command => ({ argv: ['systemctl', 'reset-failed', '--', unit], sudo: true }),
  isActive: (unit: string): Command => ({ argv: ['systemctl', 'is-active', '--', unit] }),
  journal: (unit: string, lines: number): Command => ({ argv: ['journalctl', '-u', unit, '-n', String(lines), '--no-pager', '-o', 'short-iso'], sudo: true }),
};
