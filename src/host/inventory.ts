/**
 * What is on a host: releases, `current`, leftovers of interrupted deploys and the release
 * log; and, from that, which releases are good, which would be rolled back to, and which
 * cleanup removes. Pure functions over the text of one `inventory` command.
 */

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
  releases: Array<{ id: string; kb: number }>;
  /** Ids with a half-extracted or half-removed directory, or a left-over upload. */
  leftovers: string[];
  log: LogEntry[];
}

export function parseInventory(text: string): Inventory {
  const inv: Inventory = { current: '', releases: [], leftovers: [], log: [] };
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
      const [, kb = '0', name = ''] = line.split(' ');
      const leftover = /^\.(partial|removing)-(.+)$/.exec(name);
      if (leftover) inv.leftovers.push(leftover[2]!);
      else inv.releases.push({ id: name, kb: Number(kb) });
    } else if (line.startsWith('upload ')) inv.leftovers.push(line.slice('upload '.length).replace(/\.tar\.gz$/, ''));
  }
  inv.releases.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  return inv;
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

/** The release `ship rollback` would switch to: the newest good release older than current. */
export function rollbackTarget(inv: Inventory): string | undefined {
  return inv.releases.find((r) => (inv.current === '' || r.id < inv.current) && releaseState(inv, r.id) === 'good')?.id;
}

/** Ids cleanup removes, keeping current, the rollback target and the newest `keep` good ones. */
export function planCleanup(inv: Inventory, keep: number): string[] {
  const keepSet = new Set<string>();
  if (inv.current) keepSet.add(inv.current);
  const target = rollbackTarget(inv);
  if (target) keepSet.add(target);
  for (const r of inv.releases) {
    // Newest first; current and the rollback target are kept even when they exceed `keep`.
    if (keepSet.size >= keep) break;
    if (releaseState(inv, r.id) === 'good') keepSet.add(r.id);
  }
  const doomed = inv.releases.filter((r) => !keepSet.has(r.id)).map((r) => r.id);
  return [...new Set([...doomed, ...inv.leftovers])].filter((id) => id !== inv.current);
}

