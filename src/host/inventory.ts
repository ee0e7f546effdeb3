/**
 * What is on a host: releases, `current`, leftovers of interrupted deploys and the release
 * log; and, from that, which releases are good, which would be rolled back to, and which
 * cleanup removes. Pure functions over the text of one `inventory` command.
 *
 * Everything here was read from the host, where the service user can create any name: only
 * names of the shape ship gives releases (`isReleaseId`) count as releases or leftovers; any
 * other name is listed in `foreign` and never removed. Releases are ordered by the release
 * log, the host's own record of its deploys, never by the timestamp in their id: that comes
 * from the clock of whichever machine deployed, which may be a day behind.
 */
import { isReleaseId, type Leftover } from '../remote/release-names.js';

export interface LogEntry {
  time: string;
  release: string;
  result: string;
  user?: string;
  origin?: string;
  commit?: string;
  [key: string]: unknown;
}

export interface Inventory {
  /** Release id `current` points at, or '' when there is none. */
  current: string;
  /** Newest first, in the release log's order (see `byLog`). */
  releases: Array<{ id: string; kb: number }>;
  /** Half-extracted or half-removed directories and left-over uploads, each only itself. */
  leftovers: Leftover[];
  /** Names in releases/ (or uploads) that are not of a shape ship makes: left alone. */
  foreign: string[];
  log: LogEntry[];
}

/** What cleanup removes: whole releases, and leftovers (only the leftover, never the release of its id). */
export interface CleanupPlan {
  releases: string[];
  leftovers: Leftover[];
}

export function parseInventory(text: string): Inventory {
  const inv: Inventory = { current: '', releases: [], leftovers: [], foreign: [], log: [] };
  const lines = text.split('\n');
  let inLog = false;
  for (const line of lines) {
    if (inLog) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as LogEntry;
        if (typeof entry.release === 'string') inv.log.push(entry);
      } catch {
        // A line cut short by a crash is skipped, not fatal.
      }
      continue;
    }
    if (line === 'log') inLog = true;
    else if (line.startsWith('current ')) inv.current = line.slice('current '.length).replace(/^releases\//, '');
    else if (line.startsWith('dir ')) {
      const [, kb = '0', ...rest] = line.split(' ');
      const name = rest.join(' ');
      const leftover = /^\.(partial|removing)-(.*)$/s.exec(name);
      if (leftover && isReleaseId(leftover[2]!)) inv.leftovers.push({ kind: leftover[1] as Leftover['kind'], id: leftover[2]! });
      else if (!leftover && isReleaseId(name)) inv.releases.push({ id: name, kb: Number(kb) });
      else inv.foreign.push(`releases/${name}`);
    } else if (line.startsWith('upload ')) {
      const id = line.slice('upload '.length).replace(/\.tar\.gz$/, '');
      if (isReleaseId(id)) inv.leftovers.push({ kind: 'upload', id });
      else inv.foreign.push(`.ship/upload-${id}.tar.gz`);
    }
  }
  inv.releases.sort(byLog(inv.log));
  return inv;
}

/**
 * Where each release entered the host's history: the line of its first entry in the release
 * log (its deploy, or the rollback that first switched to it). Absent: never logged.
 */
function firstLogged(log: readonly LogEntry[]): Map<string, number> {
  const seen = new Map<string, number>();
  log.forEach((entry, line) => {
    if (!seen.has(entry.release)) seen.set(entry.release, line);
  });
  return seen;
}

/**
 * Newest first by the release log. Releases the log does not know (put there by hand, or their
 * log line was lost) come after every logged one, as the oldest, newest id first: they are
 * never good (releaseState), so cleanup removes them and a rollback never picks them, and
 * nothing the log knows is pushed out of `keep` by them.
 */
function byLog(log: readonly LogEntry[]): (a: { id: string }, b: { id: string }) => number {
  const seen = firstLogged(log);
  return (a, b) => {
    const la = seen.get(a.id) ?? -1;
    const lb = seen.get(b.id) ?? -1;
    if (la !== lb) return lb - la;
    return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  };
}

export type ReleaseState = 'current' | 'good' | 'failed' | 'incomplete';

export function releaseState(inv: Inventory, id: string): ReleaseState {
  if (id === inv.current) return 'current';
  const entries = inv.log.filter((e) => e.release === id);
  const last = entries.at(-1);
  if (last?.result === 'failed') return 'failed';
  if (entries.some((e) => e.result === 'ok' || e.result === 'rollback')) return 'good';
  return 'incomplete';
}

/**
 * The release `ship rollback` would switch to: the newest good release deployed before current,
 * by the release log. With no current, or one the log does not know: the newest good release.
 */
export function rollbackTarget(inv: Inventory): string | undefined {
  const seen = firstLogged(inv.log);
  const before = seen.get(inv.current) ?? Infinity;
  return inv.releases.find((r) => r.id !== inv.current && (seen.get(r.id) ?? -1) < before && releaseState(inv, r.id) === 'good')?.id;
}

/** What cleanup removes, keeping current, the rollback target and the newest `keep` good ones. */
export function planCleanup(inv: Inventory, keep: number): CleanupPlan {
  const keepSet = new Set<string>();
  if (inv.current) keepSet.add(inv.current);
  const target = rollbackTarget(inv);
  if (target) keepSet.add(target);
  for (const r of inv.releases) {
    // Newest first; current and the rollback target are kept even when they exceed `keep`.
    if (keepSet.size >= keep) break;
    if (releaseState(inv, r.id) === 'good') keepSet.add(r.id);
  }
  // A leftover is removed as itself: the release of the same id, if kept, stays.
  return { releases: inv.releases.filter((r) => !keepSet.has(r.id)).map((r) => r.id), leftovers: inv.leftovers };
}

/**
 * Where the undo of a failed run points `current` again: the release it pointed at before
 * (`previous`), if that is still on the host. When it is gone (removed by hand: `current` was
 * a link to nothing before this run), switching back would leave `current` broken again; the
 * newest good release that is there takes its place, never one this run uploaded. Undefined when
 * there is none: `current` then stays where the run put it, on a release that exists.
 */
export function switchBackTarget(inv: Inventory, previous: string, uploaded: readonly string[]): string | undefined {
  if (inv.releases.some((r) => r.id === previous)) return previous;
  return inv.releases.find((r) => r.id !== inv.current && !uploaded.includes(r.id) && releaseState(inv, r.id) === 'good')?.id;
}
