/**
 * Builders for the commands a deploy runs on a host. Pure: each returns a Command (argv data),
 * so unit tests compare them exactly and --dry-run prints them as they are.
 * Scripts are constants; every value reaches them as a positional parameter.
 */
import type { Command } from './command.js';

const script = (body: string, ...args: string[]): Command => ({ argv: ['sh', '-c', body, 'sh', ...args] });
const labelled = (label: string, command: Command): Command => ({ ...command, label });

export interface Layout {
  /** The stage's deploy path, e.g. /srv/hello. */
  root: string;
}

export const paths = {
  releases: (l: Layout) => `${l.root}/releases`,
  release: (l: Layout, id: string) => `${l.root}/releases/${id}`,
  /** A release is extracted here and renamed into place, so releases/<id> is always complete. */
  partial: (l: Layout, id: string) => `${l.root}/releases/.partial-${id}`,
  upload: (l: Layout, id: string) => `${l.root}/.ship/upload-${id}.tar.gz`,
  shared: (l: Layout) => `${l.root}/shared`,
  current: (l: Layout) => `${l.root}/current`,
  meta: (l: Layout) => `${l.root}/.ship`,
  lock: (l: Layout) => `${l.root}/.ship/lock`,
  log: (l: Layout) => `${l.root}/.ship/releases.log`,
};

export const release = {
  /** Create the layout if missing (idempotent); fails clearly when the path is not writable. */
  prepare: (l: Layout): Command => ({ argv: ['mkdir', '-p', '--', paths.releases(l), paths.shared(l), paths.meta(l)] }),

  /** Receive the tarball on stdin into the upload file (streamed; nothing is buffered whole). */
  receive: (l: Layout, id: string): Command => labelled('receive the release tarball', script('umask 077 && exec cat > "$1"', paths.upload(l, id))),

  /**
   * Check the upload's sha256, extract it into a temporary directory, then rename that into
   * releases/<id>. Any failure removes what it made and leaves no half release behind.
   */
  verifyAndExtract: (l: Layout, id: string, sha256: string): Command =>
    labelled('verify sha256 and extract the release', script(
      [
        'set -e',
        'trap \'rm -rf -- "$3"; rm -f -- "$1"\' EXIT',
        'actual=$(sha256sum -- "$1" | cut -d " " -f 1)',
        'if [ "$actual" != "$2" ]; then echo "checksum mismatch: expected $2, got $actual" >&2; exit 3; fi',
        'rm -rf -- "$3" && mkdir -p -- "$3"',
        'tar -xzf "$1" -C "$3" --no-same-owner',
        'mv -T -- "$3" "$4"',
      ].join('\n'),
      paths.upload(l, id), sha256, paths.partial(l, id), paths.release(l, id),
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
