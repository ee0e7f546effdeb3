import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { ConfigError } from '../errors.js';
import { privateCacheDir } from '../local/private-cache-dir.js';
import { displayPath } from '../output/display-path.js';

/** What a user's file gets for `import ... from 'ship-deploy'`: src/index.ts, as loaded by the caller. */
export type ShipApi = object;

export interface UserModuleOptions {
  api: ShipApi;
  debug?: (text: string) => void;
}

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
 *
 * That module (`api`) is handed in by the caller, ship's entry point: importing src/index.ts
 * from here would run up the layers (index.ts re-exports config/).
 */
export async function importUserModule(file: string, options: UserModuleOptions): Promise<Record<string, unknown>> {
  const cache = privateCacheDir();
  if (cache.dir === false) options.debug?.(`compiling ${displayPath(file)} without a cache: ${cache.why}`);
  const jiti = createJiti(import.meta.url, {
    // A fresh load every time: a long-lived process (tests, a watch mode) sees edits.
    moduleCache: false,
    // Compiled files are cached in a private per-user directory: jiti's default falls back to a
    // shared directory under /tmp that another local user could write to, and a deploy tool
    // holding SSH keys must not run code from there. Without a cache each file costs ~250 ms.
    fsCache: cache.dir,
    virtualModules: { 'ship-deploy': options.api },
  });
  try {
    return await jiti.import<Record<string, unknown>>(file);
  } catch (error) {
    throw new ConfigError(describeLoadError(error, file));
  }
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
