/**
 * The host's half of an upload, in four commands:
 * 1. `facts`: where `current` points, that release's manifest, whether zstd is here;
 * 2. `stage`: make releases/.partial-<id> (ours alone, 0700) and copy into it, from the previous
 *    release, the files whose content this release shares with it (reflinks where the file system
 *    has them; never hard links, so no write through one release can change another);
 * 3. `receive`: take the stream on stdin, hash it and extract those same bytes while they arrive,
 *    then report every path's type, mode, size and sha256 for ship to check against the manifest;
 * 4. `finalize`: put the manifest beside the release and rename both into releases/.
 * Nothing is renamed into releases/ before ship has checked the stream's hash and the manifest.
 *
 * The service user owns releases/ and could swap any name in it for a symlink, so every script
 * enters its directories by physical path, checks it is where and whose it should be, and then
 * works relative to it: nothing is written through a path someone else controls.
 */
import type { Command } from './command.js';
import { ENTER_OWN, labelled, receivedWhole, script } from './script.js';
import type { Layout } from './release.js';
import type { Codec } from './stream-codec.js';

/** Every path below `.` as parseReport reads it: type, mode, size, path, link target (NUL-separated). */
export const LIST_FILES = 'find . -mindepth 1 -printf "%y %m %s %P\\0%l\\0"';

/** The report `receive` prints: records separated by NUL (see parseReport). */
const REPORT = [
  'printf "\\0files\\0"',
  LIST_FILES,
  'printf "\\0hashes\\0"',
  'find . -type f -printf "%P\\0" | xargs -0 -r sha256sum -z --',
].join('\n');

/**
 * Copies keep symlinks as symlinks and special files as special files (-R -P): never follow a
 * link or read a FIFO or device that someone put in the previous release.
 */
const COPY = 'cp -R -P --reflink=auto --preserve=mode,timestamps';
/** `sh -c` body: $1 .partial-<id>, $2 the old path (listed in kept), $3 the new path. */
const COPY_ONE = `grep -qzxF -e "$2" -- "$1/kept" && mkdir -p -- "$(dirname -- "$1/release/$3")" && ${COPY} -- "$2" "$1/release/$3"`;

/**
 * Into releases/<previous> ($3), by its physical path: false when it is gone or is a symlink to
 * elsewhere, and then nothing is copied from it.
 */
const IN_PREVIOUS = '{ [ -n "$3" ] && cd -P -- "$base/releases/$3" 2>/dev/null && [ "$(pwd -P)" = "$base/releases/$3" ]; }';

/** A kept file that could not be copied is sent again after the check: say so, go on. */
const NOT_COPIED = 'echo "ship: some kept files could not be copied from releases/$3; they are sent instead" >&2';

/** The most of a previous release's manifest `facts` reads; a longer one is cut, so refused. */
export const MANIFEST_LIMIT = 64 * 1024 * 1024;

/** Script lines that enter releases/.partial-<id> ($1 the deploy path, $2 the id) safely, or fail. */
const IN_PARTIAL = ['set -e', ENTER_OWN, 'enter_releases "$1"', 'enter_own ".partial-$2"'];

/** Exit status of `stage` when `current` is not (any more) the release the plan was made for. */
export const CURRENT_MOVED = 76;

export const upload = {
  /** Where current points, zstd here or not, then `manifest` and current's manifest (read-only). */
  facts: (l: Layout): Command =>
    labelled('read the current release and its manifest', script(
      [
        'cd -- "$1" 2>/dev/null || { echo "current "; exit 0; }',
        'cur=$(readlink current 2>/dev/null || true); cur=${cur#releases/}',
        'echo "current $cur"',
        'if command -v zstd >/dev/null 2>&1; then echo "zstd yes"; else echo "zstd no"; fi',
        // Only a name shaped like ship's ids, and at most 64 MiB of it: ship validates the rest.
        'case $cur in *[!0-9A-Za-z-]*|"") exit 0 ;; esac',
        `[ -f "releases/.manifest-$cur" ] && { echo manifest; head -c ${MANIFEST_LIMIT} -- "releases/.manifest-$cur"; }`,
        'exit 0',
      ].join('\n'),
      l.root,
    )),

  /**
   * Make releases/.partial-<id>/release and copy into it, from releases/<previous>, the paths
   * read from stdin (NUL-separated), each to the same path; exit CURRENT_MOVED when `current`
   * is not `current` any more (the plan was made for another release).
   *
   * The paths come from the previous release's manifest, which the service user can rewrite, and
   * the release itself may have been changed by hand: only paths that `find` lists there as
   * regular files (so never through a symlink) are copied, into `kept` first. A path that is
   * missing, unreadable or something else now is not copied and so is sent again after the check
   * against the manifest; a previous release that is gone altogether gives nothing to copy.
   * Copies never follow a symlink they meet (-P).
   */
  stage: (l: Layout, id: string, previous: string, current: string): Command =>
    labelled('prepare the new release', script(
      [
        'set -e',
        'umask 077',
        ENTER_OWN,
        'enter_releases "$1"',
        'rm -rf -- ".partial-$2"',
        'mkdir -m 0700 -- ".partial-$2"',
        'enter_own ".partial-$2"',
        'umask 022',
        'mkdir release',
        ': > kept',
        'here=$(pwd -P)',
        // What ship was told is current may have changed since (another deploy's undo): say so.
        'cur=$(readlink -- "$base/current" 2>/dev/null || true)',
        `[ "\${cur#releases/}" = "$4" ] || { echo "current is no longer \${4:-none}" >&2; exit ${CURRENT_MOVED}; }`,
        `${IN_PREVIOUS} || exit 0`,
        'find . -type f -printf "%P\\0" | LC_ALL=C sort -z > "$here/kept"',
        `LC_ALL=C sort -z | LC_ALL=C comm -z -12 "$here/kept" - | xargs -0 -r ${COPY} --parents -t "$here/release" -- || ${NOT_COPIED}`,
      ].join('\n'),
      l.root, id, previous, current,
    )),

  /**
   * Copy files that moved: stdin holds NUL-separated pairs `old path`, `new path`; only an old
   * path that `stage` listed in `kept` is read (ship never pairs a path holding a newline).
   */
  stageMoved: (l: Layout, id: string, previous: string): Command =>
    labelled('copy moved files from the previous release', script(
      [
        ...IN_PARTIAL,
        'umask 022',
        'here=$(pwd -P)',
        `${IN_PREVIOUS} || exit 0`,
        `xargs -0 -r -n 2 sh -c '${COPY_ONE}' sh "$here" || ${NOT_COPIED}`,
      ].join('\n'),
      l.root, id, previous,
    )),

  /**
   * Receive the release stream on stdin, compressed with `codec`; hash it and extract it into
   * .partial-<id>/release in the same pass (a FIFO feeds sha256sum what tar reads). Modes are
   * normalised (no setuid, setgid, group or world write), whoever the SSH user is. Prints
   * `stream <sha256>`, then the report of what the release now holds.
   */
  receive: (l: Layout, id: string, codec: Codec): Command =>
    labelled('receive and extract the release', script(
      [
        ...IN_PARTIAL,
        'umask 022',
        'rm -f stream.fifo stream.sha256',
        'mkfifo -m 0600 stream.fifo',
        'sha256sum < stream.fifo > stream.sha256 &',
        'extract() { case $1 in',
        '  zstd) tee stream.fifo | zstd -dcq | tar -x -C release --no-same-owner ;;',
        '  gzip) tee stream.fifo | gzip -dc | tar -x -C release --no-same-owner ;;',
        '  *) tee stream.fifo | tar -x -C release --no-same-owner ;;',
        'esac; }',
        'if ! extract "$3"; then',
        // tar says only "Wrote only 2560 of 10240 bytes" when the disk is full: say it plainly.
        '  free=$(df -Pk . | awk \'NR == 2 { print $4 }\')',
        '  [ "${free:-1024}" -ge 1024 ] || echo "No space left on device: ${free} KB free in $base" >&2',
        '  exit 2',
        'fi',
        'wait',
        'echo "stream $(cut -d " " -f 1 stream.sha256)"',
        'rm -f stream.fifo stream.sha256',
        // chmod -R leaves symlinks alone (it never follows one it meets on the way).
        'chmod -R u-s,g-s,go-w release',
        'cd release',
        REPORT,
      ].join('\n'),
      l.root, id, codec,
    )),

  /** Remove paths (stdin, NUL-separated, relative) from the new release before they are sent again. */
  clear: (l: Layout, id: string): Command =>
    labelled('clear paths to send again', script(
      [
        ...IN_PARTIAL,
        'cd release',
        'xargs -0 -r rm -rf --',
      ].join('\n'),
      l.root, id,
    )),

  /**
   * The manifest (stdin) beside the release, then both renamed into releases/: first
   * .manifest-<id>, then <id>, so a release never exists without its manifest (`bytes` long:
   * one cut short by a lost connection is refused, never put in place).
   */
  finalize: (l: Layout, id: string, bytes: number): Command =>
    labelled('put the verified release in place', script(
      [
        ...IN_PARTIAL,
        'umask 022',
        'cat > manifest.json',
        receivedWhole('manifest.json', '"$3"'),
        'chmod 0755 release',
        // ../: next to our directory, wherever it is now; only the service user could have moved it.
        'mv -T -- manifest.json "../.manifest-$2"',
        'mv -T -- release "../$2"',
        'rm -f -- kept',
        'cd ..',
        'rmdir -- ".partial-$2"',
      ].join('\n'),
      l.root, id, String(bytes),
    )),
};
