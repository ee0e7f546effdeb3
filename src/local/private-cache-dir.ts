/**
 * A cache directory of this user's that no one else can write to: compiled hosts.ts and recipes
 * (jiti) and release file hashes are kept there, and ship runs or trusts what it finds in it.
 */
import { lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

/**
 * `$XDG_CACHE_HOME/ship/<name>` (default ~/.cache/ship/jiti), when no one but us (and root) can
 * put a file there; else no disk cache, and `why`, so a suspicious directory is never used.
 */
export function privateCacheDir(name = 'jiti'): { dir: string } | { dir: false; why: string } {
  const uid = process.getuid?.();
  if (uid === undefined) return { dir: false, why: 'this system has no file owners to check' };
  const dir = resolve(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ship', name);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const why = unsafeDirectory(dir, uid);
    return why === undefined ? { dir } : { dir: false, why };
  } catch (error) {
    return { dir: false, why: `${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}

/**
 * Why another user could place or swap files in `dir`, or undefined when no one can. Whoever
 * can write to any directory on the way (or replace a symbolic link on it) can swap what
 * follows, so every one from / down is checked, both as written and with links resolved:
 * - each is owned by root or by `uid`;
 * - none is writable by group or others, except a sticky one (like /tmp) that is not the last:
 *   there others cannot rename or remove what is not theirs, and the next one down is checked
 *   to be ours or root's, so it was not made by someone else;
 * - `dir` itself is ours, and only ours to read too (0700): its files are code we run.
 */
export function unsafeDirectory(dir: string, uid: number): string | undefined {
  const real = realpathSync(dir);
  for (const path of new Set([dir, real])) {
    const chain = ancestry(path);
    for (const [i, component] of chain.entries()) {
      const info = lstatSync(component);
      if (info.uid !== 0 && info.uid !== uid) return `${component} is owned by uid ${info.uid}, who could change what is below it`;
      // A link's own mode means nothing; where it leads is checked through the real path.
      if (info.isSymbolicLink()) continue;
      const last = i === chain.length - 1;
      if ((info.mode & 0o022) !== 0 && (last || (info.mode & 0o1000) === 0)) return `${component} is writable by ${writers(info)}`;
    }
  }
  const info = lstatSync(real);
  if (info.uid !== uid || (info.mode & 0o077) !== 0)
    return `${real} is not private to you (mode ${(info.mode & 0o777).toString(8)}, owner uid ${info.uid}; want 700 and uid ${uid})`;
  return undefined;
}

/** `/a/b/c` -> `/`, `/a`, `/a/b`, `/a/b/c`. */
function ancestry(path: string): string[] {
  const parts = path.split(sep).filter(Boolean);
  return [sep, ...parts.map((_, i) => sep + parts.slice(0, i + 1).join(sep))];
}

function writers(info: Stats): string {
  return [(info.mode & 0o020) !== 0 ? 'its group' : '', (info.mode & 0o002) !== 0 ? 'everyone' : ''].filter(Boolean).join(' and ');
}
