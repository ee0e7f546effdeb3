/**
 * Which variables differ between two env files, by name only: for `ship env diff` and the line
 * `ship env push` prints. Both are read the way systemd reads them (environment-file.ts), so a
 * quoting change that gives the app the same value is no change. The file on a host is hostile
 * input: only names systemd would set are named, each once, and the rest is counted.
 */
import { readEnvironmentFile } from './environment-file.js';

export interface EnvKeyDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The value the service gets for each name (the last assignment wins, as in systemd). */
function values(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const { name, value } of readEnvironmentFile(text)) if (NAME.test(name)) found.set(name, value);
  return found;
}

/** Names set in `after` and not in `before`, set in `before` only, and set in both to different values. */
export function envKeyDiff(before: string, after: string): EnvKeyDiff {
  const old = values(before);
  const now = values(after);
  const sorted = (names: Iterable<string>) => [...names].sort();
  return {
    added: sorted([...now.keys()].filter((k) => !old.has(k))),
    removed: sorted([...old.keys()].filter((k) => !now.has(k))),
    changed: sorted([...now.keys()].filter((k) => old.has(k) && old.get(k) !== now.get(k))),
  };
}

/** `added B; changed A, C`, or `no variable differs`. */
export function describeEnvKeyDiff(diff: EnvKeyDiff): string {
  const parts = (['added', 'removed', 'changed'] as const).filter((k) => diff[k].length > 0).map((k) => `${k} ${diff[k].join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'no variable differs';
}
