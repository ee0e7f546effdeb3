/**
 * Reads what a host says a release holds (remote/upload.ts REPORT, remote/verify.ts: NUL-separated
 * `find` and `sha256sum -z` output) into a manifest of what is really there, to compare with the
 * one it should be. The host only lists; ship decides.
 */
import { byPath, type EntryType, type Manifest, type ManifestEntry } from './manifest.js';

export interface Report {
  /** `stream <sha256>`: the hash of the stream as the host received it (receive only). */
  stream?: string;
  /** The stored manifest's text (verify only). */
  manifest?: string;
  /** `here`, or where the release really is when its name is a symlink (verify only). */
  where?: string;
  /**
   * Kept files the host did not read again, their identity proven (receive-release.sh): they
   * have no sha256 in `actual`; the caller decides whether to trust each.
   */
  proven: Set<string>;
  actual: Manifest;
}

const TYPES: Record<string, EntryType> = { f: 'file', d: 'dir', l: 'link' };

export function parseReport(text: string): Report {
  const tokens = text.split('\0');
  const report: Report = { actual: { version: 1, entries: [] }, proven: new Set() };
  let i = 0;
  // Everything before the `files` marker: `stream ...` lines, `manifest`, its text, `where ...`.
  for (; i < tokens.length && tokens[i] !== 'files'; i++) {
    const token = tokens[i]!;
    const stream = /(?:^|\n)stream ([0-9a-f]{64})\s*$/.exec(token);
    if (stream) report.stream = stream[1];
    if (token === 'manifest') report.manifest = tokens[++i] ?? '';
    else if (token.startsWith('where ')) report.where = token.slice('where '.length);
  }
  const entries = new Map<string, ManifestEntry>();
  for (i++; i < tokens.length; i += 2) {
    const record = tokens[i]!;
    if (record === '') break; // the end of the `find` list
    const match = /^(\S) (\d+) (\d+) (.+)$/s.exec(record);
    if (!match) continue;
    const [, kind, mode, size, path] = match as unknown as [string, string, string, string, string];
    const type = TYPES[kind] ?? (`special (${kind})` as EntryType);
    const entry: ManifestEntry = { path, type, mode: parseInt(mode, 8) };
    if (type === 'file') entry.size = Number(size);
    if (type === 'link') entry.target = tokens[i + 1] ?? '';
    entries.set(path, entry);
  }
  if (tokens[i + 1] === 'proven') {
    for (i += 2; i < tokens.length && tokens[i] !== ''; i++) if (entries.get(tokens[i]!)?.type === 'file') report.proven.add(tokens[i]!);
  }
  if (tokens[i + 1] === 'hashes') {
    for (const token of tokens.slice(i + 2)) {
      const match = /^([0-9a-f]{64}) {2}(.+)$/s.exec(token);
      const entry = match ? entries.get(match[2]!) : undefined;
      if (entry) entry.sha256 = match![1];
    }
  }
  report.actual.entries = [...entries.values()].sort(byPath);
  return report;
}
