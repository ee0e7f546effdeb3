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
 * The scripts: src/remote/sh/read-release.sh and hash-release.sh.
 */
import { labelled, type Command } from './command.js';
import type { Layout } from './release.js';
import { script } from './scripts.js';

/** Printed by `hash` when the deadline passed before every file was hashed. */
export const DEADLINE_PASSED = 'deadline passed';

export const verifyCommands = {
  /**
   * NUL-separated: `root <physical deploy path>`, `current <link>`, then what parseReport reads
   * (`manifest`, its text, `where ...`, `files` and the `find` records).
   */
  read: (l: Layout, id: string): Command => labelled('read the release and its manifest', script('read-release.sh', l.root, id)),

  /**
   * `sha256sum -z` lines for the paths on stdin, relative to releases/<id>, killed (with
   * whatever it was reading) after `seconds`; then DEADLINE_PASSED if it was.
   */
  hash: (l: Layout, id: string, seconds: number): Command =>
    labelled("hash the release's files", script('hash-release.sh', l.root, id, String(seconds), DEADLINE_PASSED)),
};
