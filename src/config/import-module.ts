import { lstatSync, mkdirSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, isAbsolute, sep, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { ConfigError } from '../errors.js';

// ship's own src/ or dist/ (this file lives in <root>/{src,dist}/config/): frames there are
// never where a user's mistake is.
const SHIP_CODE = fileURLToPath(new URL('..', import.meta.url));

/**
 * Import a user's TypeScript file (hosts.ts, recipes) at run time. Any failure becomes one
 * ConfigError naming the file and line, never a stack trace.
 *
 * `import ... from 'ship-deploy'` in that file gets the very module this process is running
 * (jiti's virtualModules), not whatever a resolver finds. That is the robust choice over an
 * alias to dist/index.js: it works when ship is installed globally and the project has no
 * node_modules, when running from src/ under vitest with no dist/ built, and it keeps one copy
 * of ship's classes and symbols, so values made by the user's file are ship's own.
 */
export async function importUserModule(file: string, options: { debug?: (text: string) => void } = {}): Promise<Record<string, unknown>> {
  const ship: unknown = await import('../index.js');
  const cache = privateCacheDir();
  if (cache.dir === false) options.debug?.(`compiling ${displayPath(file)} without a cache: ${cache.why}`);
  const jiti = createJiti(import.meta.url, {
    // A fresh load every time: a long-lived process (tests, a watch mode) sees edits.
    moduleCache: false,
    // Compiled files are cached in a private per-user directory: jiti's default falls back to a
    // shared directory under /tmp that another local user could write to, and a deploy tool
    // holding SSH keys must not run code from there. Without a cache each file costs ~250 ms.
    fsCache: cache.dir,
    virtualModules: { 'ship-deploy': ship },
  });
  try {
    return await jiti.import<Record<string, unknown>>(file);
  } catch (error) {
    throw new ConfigError(describeLoadError(error, file));
  }
}

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
  if (info.uid !== uid || (info.mode & 0o077) !== 0) return `${real} is not private to you (mode ${(info.mode & 0o777).toString(8)}, owner uid ${info.uid}; want 700 and uid ${uid})`;
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

/** A path as a person in this directory would type it: relative when below the cwd. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

// jiti turns babel's parse errors into `${code}: ${message} \n ${file}:${line}:${column}`,
// with babel's 0-based column.
const JITI_SYNTAX = /^(\w+): ([\s\S]*?)\s*\n\s*(\S.*):(\d+):(\d+)\s*$/;

function describeLoadError(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const syntax = JITI_SYNTAX.exec(message);
  if (syntax) {
    const [, , text = '', where = file, line = '0', column = '0'] = syntax;
    const location = `${displayPath(where)}:${line}:${Number(column) + 1}`;
    return `${location}: syntax error: ${text.trim()}${codeFrame(where, Number(line), Number(column))}`;
  }
  // Node's "Require stack:" lists jiti's internals, not anything the user wrote.
  const reason = message.replace(/\nRequire stack:[\s\S]*$/, '').trim() || 'an error without a message';
  const frame = error instanceof Error ? userFrame(error.stack ?? '') : undefined;
  return `${displayPath(file)} threw while loading: ${reason}${frame ? ` (${frame})` : ''}`;
}

/** The offending line and a caret under the column, the way compilers show it. */
function codeFrame(file: string, line: number, column: number): string {
  let source: string | undefined;
  try {
    source = readFileSync(file, 'utf8').split('\n')[line - 1];
  } catch {
    return '';
  }
  if (source === undefined) return '';
  const gutter = String(line);
  // Keep tabs so the caret lands under the same column in a terminal.
  const pad = source.slice(0, column).replace(/[^\t]/g, ' ');
  return `\n  ${gutter} | ${source.trimEnd()}\n  ${' '.repeat(gutter.length)} | ${pad}^`;
}

/**
 * `file:line` of the first stack frame in the user's code. Only the line: jiti strips types
 * while keeping lines, so columns no longer match the source.
 */
function userFrame(stack: string): string | undefined {
  for (const line of stack.split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?\/[^():]*):(\d+):\d+\)?\s*$/.exec(line.trim());
    if (!match?.[1]) continue;
    const path = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    if (path.includes(`${sep}node_modules${sep}`) || path.startsWith(SHIP_CODE)) continue;
    return `${displayPath(path)}:${match[2]}`;
  }
  return undefined;
}
