/**
 * The one way to build a remote shell script: `script(name, ...args)` runs src/remote/sh/<name>
 * as `sh -c BODY NAME ARGS...`. The body is a constant file; every value is passed as a
 * positional parameter ($1, $2, ...), never spliced into it. $0 is the script's name, so the
 * shell's own messages name it (`take-lock.sh: 3: flock: not found`).
 *
 * A line `. ./lib/NAME.sh` (after its `# shellcheck source=lib/NAME.sh`) is replaced by that
 * file, so what a host gets is still one self-contained body: nothing is installed on hosts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from './command.js';

/**
 * The scripts are read where they are written, src/remote/sh, with no copy step and no bundler
 * plugin: this module runs from src/remote/ (vitest, jiti), dist/remote/ (tsc's output, the
 * library) and dist/bundle/ (esbuild's bundle, bin/ship), each two folders below the package
 * root, so one relative URL finds them from all three; package.json `files` ships the folder.
 */
const SH_DIR = new URL('../../src/remote/sh/', import.meta.url);

const NAME = /^(lib\/)?[a-z0-9]+(-[a-z0-9]+)*\.sh$/;
const INCLUDE = /^\. \.\/(lib\/[a-z0-9-]+\.sh)$/;
/** For shellcheck only: the path of the include on the next line. */
const SOURCE = /^# shellcheck source=\S+$/;

const bodies = new Map<string, string>();

/** `sh -c` of src/remote/sh/<name> with `args` as $1, $2, ...; `script` names the file for plans. */
export function script(name: string, ...args: string[]): Command {
  return { argv: ['sh', '-c', scriptText(name), name, ...args], script: name };
}

/** The body a host runs for src/remote/sh/<name>, includes inlined. Read once, then cached. */
export function scriptText(name: string): string {
  let body = bodies.get(name);
  if (body === undefined) {
    body = inline(name, readScript(name), []);
    bodies.set(name, body);
  }
  return body;
}

function readScript(name: string): string {
  if (!NAME.test(name)) throw new Error(`script name ${JSON.stringify(name)} is not a file name like take-lock.sh`);
  const file = new URL(name, SH_DIR);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${(error as Error).message})`;
    throw new Error(`the remote script src/remote/sh/${name} ${why} (looked at ${fileURLToPath(file)}); reinstall ship, or add the file`);
  }
}

/** Replace each include line of `text` (from `name`) by the included file, itself inlined. */
function inline(name: string, text: string, including: readonly string[]): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    const include = INCLUDE.exec(line)?.[1];
    if (include !== undefined) {
      const chain = [...including, name];
      if (chain.includes(include))
        throw new Error(`src/remote/sh/${name}:${i + 1}: ${include} is already being included (${chain.join(' -> ')})`);
      out.push(...inline(include, readScript(include), chain).split('\n'));
    } else if (/^\s*\.\s/.test(line)) {
      throw new Error(
        `src/remote/sh/${name}:${i + 1}: only includes of the form ". ./lib/NAME.sh" are inlined, not ${JSON.stringify(line)}`,
      );
    } else if (SOURCE.test(line) && INCLUDE.test(lines[i + 1] ?? '')) {
    } else if (i === 0 && including.length > 0 && line === '# shellcheck shell=sh') {
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}
