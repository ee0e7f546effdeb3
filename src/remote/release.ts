/**
 * Builders for the commands a deploy runs on a host. Pure: each returns a Command (argv data),
 * so unit tests compare them exactly and --dry-run prints them as they are.
 * Scripts are constants; every value reaches them as a positional parameter.
 */
import type { Command } from './command.js';
import { isReleaseId, type Leftover } from './release-names.js';

import { ENTER_OWN, labelled, script } from './script.js';

export interface Layout {
  /** The stage's deploy path, e.g. /srv/hello. */
  root: string;
}

export const paths = {
  releases: (l: Layout) => `${l.root}/releases`,
  release: (l: Layout, id: string) => `${l.root}/releases/${id}`,
  /** Ours alone (0700): the release is assembled and checked here, then renamed into place, so releases/<id> is always complete. */
  partial: (l: Layout, id: string) => `${l.root}/releases/.partial-${id}`,
  shared: (l: Layout) => `${l.root}/shared`,
  /** service.envFile's copy on the host, read by systemd (EnvironmentFile=). */
  envFile: (l: Layout) => `${l.root}/shared/.env`,
  current: (l: Layout) => `${l.root}/current`,
  meta: (l: Layout) => `${l.root}/.ship`,
  lock: (l: Layout) => `${l.root}/.ship/lock`,
  log: (l: Layout) => `${l.root}/.ship/releases.log`,
};

/**
 * Shell: `is_id WORD` succeeds only for the shape newReleaseId makes (as RELEASE_ID), so a
 * removal refuses anything else again on the host: never `..`, a `/` or an empty name to rm.
 */
const IS_ID = 'is_id() { case $1 in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) return 0 ;; esac; echo "refusing to remove $1: not a release id" >&2; return 1; }';

/** Removal builders take only ids of ship's shape; anything else is a bug here, not on the host. */
function releaseIds<T extends string>(ids: readonly T[]): readonly T[] {
  const bad = ids.find((id) => !isReleaseId(id));
  if (bad !== undefined) throw new Error(`not a release id: ${JSON.stringify(bad)}`);
  return ids;
}

export const release = {
  /** Create the layout if missing (idempotent); fails clearly when the path is not writable. */
  prepare: (l: Layout): Command => ({ argv: ['mkdir', '-p', '--', paths.releases(l), paths.shared(l), paths.meta(l)] }),

  /**
   * Link each shared entry (`.env`, `uploads/`) from shared/ into the release. Directories
   * (trailing /) are created in shared/ when missing; a file entry that is missing in shared/
   * is created empty, so the link is never dangling. Missing entries are created by shared/'s
   * owner (the service user), so the app can write to them; the links are made inside the
   * release entered by its physical path and checked to be ours, so root never writes through
   * a path the service user could swap, and never through a link the release itself holds above
   * an entry: that is refused, with nothing changed.
   */
  linkShared: (l: Layout, id: string, entries: readonly string[]): Command =>
    labelled('link shared entries into the release', script(
      [
        'set -e',
        ENTER_OWN,
        'enter_releases "$1"',
        'enter_own "$2" 755',
        'here=$(pwd -P); shared=$base/shared; shift 2',
        // A link the release holds above an entry (public -> /elsewhere for public/uploads/) would
        // have rm, mkdir and ln work outside the release: refuse before touching anything.
        'no_link_above() { p=.; rest=$1; while [ "${rest#*/}" != "$rest" ]; do p=$p/${rest%%/*}; rest=${rest#*/}; [ ! -L "$p" ] || refuse "$here/${p#./}" "it is a symbolic link (to $(readlink -- "$p")) in the release, above the shared entry $1; ship links shared entries only through real directories (make ${p#./} a directory in the build, or drop $1 from shared)"; done; }',
        'owner=$(stat -c %U -- "$shared")',
        'if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then as() { runuser -u "$owner" -- "$@"; }; else as() { "$@"; }; fi',
        'for entry in "$@"; do',
        '  name=${entry%/}',
        '  case $entry in */) as mkdir -p -- "$shared/$name" ;; *) as mkdir -p -- "$(dirname -- "$shared/$name")"; [ -e "$shared/$name" ] || as sh -c \': > "$1"\' sh "$shared/$name" ;; esac',
        '  no_link_above "$entry"',
        '  rm -rf -- "./$name"',
        '  dir=$(dirname -- "./$name")',
        '  mkdir -p -- "$dir"',
        '  [ "$(cd -P -- "$dir" && pwd -P)" = "$here${dir#.}" ] || refuse "$here/${dir#./}" "not a directory of the release (a symbolic link?)"',
        '  ln -s -- "$shared/$name" "./$name"',
        'done',
      ].join('\n'),
      l.root, id, ...entries,
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
        // No set -e: one release that cannot be removed (a file only root may delete) must not
        // keep the others; the exit status says something was left.
        IS_ID,
        'root=$1; shift',
        'left=0',
        'cur=$(readlink "$root/current" 2>/dev/null || true)',
        'for id in "$@"; do',
        '  is_id "$id" || continue',
        '  [ "releases/$id" = "$cur" ] && { echo "refusing to remove current release $id" >&2; continue; }',
        '  [ ! -d "$root/releases/$id" ] || mv -T -- "$root/releases/$id" "$root/releases/.removing-$id" || { left=1; continue; }',
        '  rm -rf -- "$root/releases/.removing-$id" "$root/releases/.partial-$id" "$root/releases/.manifest-$id" "$root/.ship/upload-$id.tar.gz" "$root/.current-$id" || left=1',
        'done',
        'exit $left',
      ].join('\n'),
      l.root, ...releaseIds(ids),
    )),

  /**
   * Remove leftovers of interrupted deploys and removals, each only itself: a `.partial-<id>`
   * (which the service user can make) never takes releases/<id> with it.
   */
  removeLeftovers: (l: Layout, leftovers: readonly Leftover[]): Command =>
    labelled('remove leftovers', script(
      [
        IS_ID, // and no set -e, as in `remove`: each leftover is tried
        'root=$1; shift',
        'left=0',
        'while [ $# -ge 2 ]; do',
        '  kind=$1; id=$2; shift 2',
        '  is_id "$id" || continue',
        '  case $kind in',
        '    partial|removing) rm -rf -- "$root/releases/.$kind-$id" || left=1 ;;',
        '    upload) rm -f -- "$root/.ship/upload-$id.tar.gz" || left=1 ;;',
        '  esac',
        'done',
        'exit $left',
      ].join('\n'),
      l.root, ...leftovers.flatMap((left) => [left.kind, releaseIds([left.id])[0]!]),
    )),

  /** Append one JSON line to the release log. */
  log: (l: Layout, entry: object): Command =>
    // dd opens with O_NOFOLLOW|O_NONBLOCK: a symlink or FIFO put in the log's place is refused,
    // never written through or waited on (.ship/ may belong to the service user).
    labelled('append to the release log', script('printf "%s\\n" "$2" | dd of="$1" oflag=append,nofollow,nonblock conv=notrunc status=none', paths.log(l), JSON.stringify(entry))),

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
