/**
 * The host's half of an upload, in four commands:
 * 1. `facts`: where `current` points, that release's manifest, whether zstd is here;
 * 2. `stage`: make releases/.partial-<id> (ours alone, 0700) and give it, from the previous
 *    release, the files whose content this release shares with it, as hard links: release files
 *    are read-only (manifest.ts normalMode), so a write through one release cannot change another
 *    unless someone makes a file writable first (README "Kept files");
 * 3. `receive`: take the stream on stdin, hash it and extract those same bytes while they arrive,
 *    then report every path's type, mode, size and sha256 for ship to check against the manifest
 *    (kept files whose identity it can prove are not read again: receive-release.sh);
 * 4. `finalize`: put the manifest beside the release and rename both into releases/.
 * Nothing is renamed into releases/ before ship has checked the stream's hash and the manifest.
 *
 * The service user owns releases/ and could swap any name in it for a symlink, so every script
 * enters its directories by physical path, checks it is where and whose it should be, and then
 * works relative to it: nothing is written through a path someone else controls.
 * The scripts: src/remote/sh/{read-upload-facts,stage-release,copy-moved,receive-release,
 * clear-paths,finalize-release}.sh.
 */
import { labelled, type Command } from './command.js';
import { script } from './scripts.js';
import type { Layout } from './release.js';
import type { Codec } from './stream-codec.js';

/** The most of a previous release's manifest `facts` reads (read-upload-facts.sh); a longer one is cut, so refused. */
export const MANIFEST_LIMIT = 64 * 1024 * 1024;

/** Exit status of `stage` (stage-release.sh) when `current` is not (any more) the release the plan was made for. */
export const CURRENT_MOVED = 76;

export const upload = {
  /** Where current points, zstd here or not, then `manifest` and current's manifest (read-only). */
  facts: (l: Layout): Command => labelled('read the current release and its manifest', script('read-upload-facts.sh', l.root)),

  /**
   * Make releases/.partial-<id>/release and copy into it, from releases/<previous>, the paths
   * read from stdin (NUL-separated), each to the same path; exit CURRENT_MOVED when `current`
   * is not `current` any more (the plan was made for another release).
   */
  stage: (l: Layout, id: string, previous: string, current: string): Command =>
    labelled('prepare the new release', script('stage-release.sh', l.root, id, previous, current)),

  /**
   * Copy files that moved: stdin holds NUL-separated pairs `old path`, `new path`; only an old
   * path that `stage` listed in `kept` is read (ship never pairs a path holding a newline).
   */
  stageMoved: (l: Layout, id: string, previous: string): Command =>
    labelled('copy moved files from the previous release', script('copy-moved.sh', l.root, id, previous)),

  /**
   * Receive the release stream on stdin, compressed with `codec`; hash it and extract it into
   * .partial-<id>/release in the same pass. Prints `stream <sha256>`, then the report of what
   * the release now holds (parseReport); files kept from `previous` that are provably unchanged
   * since it was checked are listed, not hashed.
   */
  receive: (l: Layout, id: string, codec: Codec, previous: string): Command =>
    labelled('receive and extract the release', script('receive-release.sh', l.root, id, codec, previous)),

  /** Remove paths (stdin, NUL-separated, relative) from the new release before they are sent again. */
  clear: (l: Layout, id: string): Command => labelled('clear paths to send again', script('clear-paths.sh', l.root, id)),

  /**
   * The manifest (stdin) beside the release, then both renamed into releases/: first
   * .manifest-<id>, then <id>, so a release never exists without its manifest (`bytes` long:
   * one cut short by a lost connection is refused, never put in place).
   */
  finalize: (l: Layout, id: string, bytes: number): Command =>
    labelled('put the verified release in place', script('finalize-release.sh', l.root, id, String(bytes))),
};
