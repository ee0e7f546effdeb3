/**
 * A release's manifest: every path of build.dir with its type, mode, size and sha256 (files)
 * or target (symbolic links). It is what a host's release must be, byte for byte: checked before
 * every switch, kept on the host (.ship/manifests/<id>.json) for `ship verify`, and what an
 * incremental deploy compares against to send only the content a host does not have.
 *
 * Modes are normalised here, as the host will make them: no setuid, setgid or sticky bit, no
 * group or world write; directories always rwx for their owner; files read-only for everyone
 * (0444, or 0555 when executable): a release's files are hard links shared with the releases
 * that keep them (remote/upload.ts), so none may be written in place.
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
  return bits & ~0o200;
}

export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify({ version: manifest.version, entries: manifest.entries })}\n`;
}

/**
 * Parse a manifest read back from a host; undefined when it is missing, not one of ours, or not
 * what ship writes in every entry. The service user owns releases/ and can rewrite it, so it is
 * hostile input: one entry ship would not have written (a path with NUL, `..`, a leading `/`, a
 * duplicate; a sha256 that is not 64 hex digits; an unknown type) rejects the whole manifest, and
 * the host is then treated as having no previous release to copy from.
 */
export function parseManifest(text: string): Manifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.version !== 1 || !Array.isArray(value.entries)) return undefined;
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  for (const raw of value.entries) {
    const entry = validEntry(raw);
    if (!entry || seen.has(entry.path)) return undefined;
    seen.add(entry.path);
    entries.push(entry);
  }
  return { version: 1, entries: entries.sort(byPath) };
}

/** A path ship itself would put in a manifest: relative, `/`-separated, no empty, `.` or `..` part, no NUL. */
export function isReleasePath(path: unknown): path is string {
  return (
    typeof path === 'string' &&
    path !== '' &&
    !path.includes('\0') &&
    path.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

const SHA256 = /^[0-9a-f]{64}$/;

function validEntry(raw: unknown): ManifestEntry | undefined {
  if (!isRecord(raw) || !isReleasePath(raw.path)) return undefined;
  const { path, type, mode } = raw;
  if (type !== 'file' && type !== 'dir' && type !== 'link') return undefined;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) return undefined;
  if (type === 'file') {
    const { size, sha256 } = raw;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
    if (typeof sha256 !== 'string' || !SHA256.test(sha256)) return undefined;
    return { path, type, mode, size, sha256 };
  }
  if (type === 'link') {
    const { target } = raw;
    if (typeof target !== 'string' || target === '' || target.includes('\0')) return undefined;
    return { path, type, mode, target };
  }
  return { path, type, mode };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
