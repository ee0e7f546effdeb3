/**
 * A release's manifest: every path of build.dir with its type, mode, size and sha256 (files)
 * or target (symbolic links). It is what a host's release must be, byte for byte: checked before
 * every switch, kept on the host (.ship/manifests/<id>.json) for `ship verify`, and what an
 * incremental deploy compares against to send only the content a host does not have.
 *
 * Modes are normalised here, as the host will make them: no setuid, setgid or sticky bit, no
 * group or world write; directories always rwx for their owner.
 */
export type EntryType = 'file' | 'dir' | 'link';

export interface ManifestEntry {
  /** Relative to the release's root, `/`-separated, never empty, `.` or `..` components. */
  path: string;
  type: EntryType;
  /** Permission bits, normalised (see normalMode). */
  mode: number;
  /** Files only. */
  size?: number;
  sha256?: string;
  /** Links only. */
  target?: string;
}

export interface Manifest {
  version: 1;
  /** Sorted by path (code unit order), so two manifests compare line by line. */
  entries: ManifestEntry[];
}

export function normalMode(type: EntryType, mode: number): number {
  const bits = mode & 0o777 & ~0o022;
  if (type === 'dir') return bits | 0o700;
  if (type === 'link') return 0o777;
  return bits;
}

export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify({ version: manifest.version, entries: manifest.entries })}\n`;
}

/** Parse a manifest read back from a host; undefined when it is missing or not one of ours. */
export function parseManifest(text: string): Manifest | undefined {
  try {
    const value = JSON.parse(text) as Partial<Manifest>;
    if (value.version !== 1 || !Array.isArray(value.entries)) return undefined;
    const entries = value.entries.filter((e): e is ManifestEntry =>
      typeof e === 'object' && e !== null && typeof e.path === 'string' && ['file', 'dir', 'link'].includes(e.type) && typeof e.mode === 'number');
    return { version: 1, entries };
  } catch {
    return undefined;
  }
}

export interface Difference {
  path: string;
  /** `changed` (type, mode, size, content or target differ), `missing` or `added`. */
  kind: 'changed' | 'missing' | 'added';
  /** What differs, for people: `content`, `mode 644 -> 666`, `type file -> link`. */
  detail?: string;
}

/** How `actual` (what a host has) differs from `expected` (the manifest). Empty when equal. */
export function compareManifests(expected: Manifest, actual: Manifest): Difference[] {
  const have = new Map(actual.entries.map((e) => [e.path, e]));
  const out: Difference[] = [];
  for (const want of expected.entries) {
    const got = have.get(want.path);
    have.delete(want.path);
    if (!got) {
      out.push({ path: want.path, kind: 'missing' });
      continue;
    }
    const detail = entryDifference(want, got);
    if (detail) out.push({ path: want.path, kind: 'changed', detail });
  }
  for (const extra of have.values()) out.push({ path: extra.path, kind: 'added' });
  return out.sort(byPath);
}

function entryDifference(want: ManifestEntry, got: ManifestEntry): string | undefined {
  if (want.type !== got.type) return `type ${want.type} -> ${got.type}`;
  if (want.type === 'link') return want.target === got.target ? undefined : `target ${want.target} -> ${got.target}`;
  if (want.mode !== got.mode) return `mode ${want.mode.toString(8)} -> ${got.mode.toString(8)}`;
  if (want.type === 'file' && (want.size !== got.size || want.sha256 !== got.sha256)) return 'content';
  return undefined;
}

/** The sha256 of every file the manifest holds, to tell what content a host already has. */
export function contentIndex(manifest: Manifest | undefined): Map<string, string> {
  const index = new Map<string, string>();
  for (const e of manifest?.entries ?? []) if (e.type === 'file' && e.sha256 && !index.has(e.sha256)) index.set(e.sha256, e.path);
  return index;
}
