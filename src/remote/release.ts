/**
 * Builders for the commands a deploy runs on a host. Pure: each returns a Command (argv data),
 * so unit tests compare them exactly and --dry-run prints them as they are.
 * Scripts are files in src/remote/sh, named in each builder; every value reaches them as a
 * positional parameter.
 */
import { labelled, type Command } from './command.js';
import { isReleaseId, type Leftover } from './release-names.js';
import { script } from './scripts.js';

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
  /** The wrapper scheduled jobs run under (src/remote/sh/run-job.sh, installed by ship setup). */
  runJob: (l: Layout) => `${l.root}/.ship/run-job.sh`,
  log: (l: Layout) => `${l.root}/.ship/releases.log`,
};

/** Removal builders take only ids of ship's shape; anything else is a bug here, not on the host. */
function releaseIds<T extends string>(ids: readonly T[]): readonly T[] {
  const bad = ids.find((id) => !isReleaseId(id));
  if (bad !== undefined) throw new Error(`not a release id: ${JSON.stringify(bad)}`);
  return ids;
}

/** Exit status of switch-current.sh when a scheduled job still held releases/ after its wait: nothing switched. */
export const JOB_BUSY = 4;

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
    labelled('link shared entries into the release', script('link-shared.sh', l.root, id, ...entries)),

  /**
   * Point `current` at releases/<id> atomically: a symlink under a temporary name, renamed over
   * `current` with mv -T (rename(2)), then read back. The link is relative, so the whole deploy
   * path can be moved. Prints the release `current` pointed at before, if any. Holds an
   * exclusive flock on releases/ meanwhile, which running scheduled jobs share (run-job.sh): it
   * waits up to 300 s for them, then exits JOB_BUSY.
   */
  switchCurrent: (l: Layout, id: string): Command => labelled('switch current', script('switch-current.sh', l.root, id)),

  /** The release id `current` points at (empty when there is none). */
  readCurrent: (l: Layout): Command => labelled('read current', script('read-current.sh', paths.current(l))),

  /**
   * Remove releases by id (never called with current's id; checked again here). Each is first
   * renamed to releases/.removing-<id>, so a removal cut short (Ctrl-C, kill -9) never leaves a
   * half-deleted release that a rollback could pick; the next cleanup finishes it.
   */
  remove: (l: Layout, ids: readonly string[]): Command =>
    labelled('remove releases', script('remove-releases.sh', l.root, ...releaseIds(ids))),

  /**
   * Remove leftovers of interrupted deploys and removals, each only itself: a `.partial-<id>`
   * (which the service user can make) never takes releases/<id> with it.
   */
  removeLeftovers: (l: Layout, leftovers: readonly Leftover[]): Command =>
    labelled(
      'remove leftovers',
      script('remove-leftovers.sh', l.root, ...leftovers.flatMap((left) => [left.kind, releaseIds([left.id])[0]!])),
    ),

  /** Append one JSON line to the release log, never through a symlink or into a FIFO put in its place. */
  log: (l: Layout, entry: object): Command =>
    labelled('append to the release log', script('append-log.sh', paths.log(l), JSON.stringify(entry))),

  /**
   * Everything `ship releases` and cleanup need in one round trip: current, the release
   * directories with their size in KB, leftovers of interrupted deploys, and the release log.
   */
  inventory: (l: Layout): Command => labelled('read releases and the release log', script('read-inventory.sh', l.root)),
};
