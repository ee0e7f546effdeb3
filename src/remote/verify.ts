/**
 * The host's half of `ship verify`, in two read-only round trips, so that nothing a host holds
 * can make a monitoring check hang:
 * 1. `read`: the deploy path's physical path, where `current` points (the link as written), the
 *    release's stored manifest and what it holds now (type, mode, size, link target of every
 *    path), without reading any file;
 * 2. `hash`: the sha256 of the paths ship asks for (stdin, NUL-separated): only regular files
 *    whose size is what the manifest says, so a file grown huge (or sparse) is a difference
 *    without being read, and a FIFO or device is never opened. Hashing has a deadline: past it,
 *    the files not yet hashed are reported as such.
 */
import type { Command } from './command.js';
import type { Layout } from './release.js';
import { labelled, script } from './script.js';
import { LIST_FILES } from './upload.js';

/** Printed by `hash` when the deadline passed before every file was hashed. */
export const DEADLINE_PASSED = 'deadline passed';

export const verifyCommands = {
  /**
   * NUL-separated: `root <physical deploy path>`, `current <link>`, then what parseReport reads
   * (`manifest`, its text, `where ...`, `files` and the `find` records).
   */
  read: (l: Layout, id: string): Command =>
    labelled('read the release and its manifest', script(
      [
        'set -e',
        'cd -P -- "$1"',
        'root=$(pwd -P)',
        '[ -d "releases/$2" ] || { echo "no release $2" >&2; exit 3; }',
        'printf "root %s\\0current %s\\0" "$root" "$(readlink current 2>/dev/null || true)"',
        'printf "manifest\\0"',
        'cat -- "releases/.manifest-$2" 2>/dev/null || true',
        'cd -- "releases/$2"',
        'if [ "$(pwd -P)" = "$root/releases/$2" ]; then printf "\\0where here"; else printf "\\0where %s" "$(pwd -P)"; fi',
        'printf "\\0files\\0"',
        LIST_FILES,
      ].join('\n'),
      l.root, id,
    )),

  /**
   * `sha256sum -z` lines for the paths on stdin, relative to releases/<id>, killed (with
   * whatever it was reading) after `seconds`; then DEADLINE_PASSED if it was.
   */
  hash: (l: Layout, id: string, seconds: number): Command =>
    labelled('hash the release\'s files', script(
      [
        'cd -P -- "$1/releases/$2" || exit 3',
        // In batches: a sha256sum killed at the deadline loses the output it held, not all of it.
        'timeout -s KILL "$3" xargs -0 -r -n 16 sha256sum -z --',
        // 137: killed at the deadline; anything else (a file gone meanwhile) shows as a difference.
        '[ $? -ne 137 ] || printf "\\0%s\\0" "$4"',
        'exit 0',
      ].join('\n'),
      l.root, id, String(seconds), DEADLINE_PASSED,
    )),
};
