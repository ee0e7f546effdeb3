/**
 * Property: whatever strings a command holds (quotes, $(...), backticks, newlines, leading
 * dashes, control characters, any Unicode), renderCommand's line, run by a real remote shell,
 * gives the program exactly those strings: as arguments, as an environment value (through
 * `env`, also under sudo), and as the working directory.
 *
 * Two shells on a real lab host:
 * - bash, through ship's own SSH transport: sshd runs the line with the login shell, the path
 *   every ship command takes (fast-check shrinks a failure to the smallest input);
 * - dash (/bin/sh), the same cases batched into a few `sh -c` scripts over OpenSSH.
 * Reproduce a failure with SHIP_RELIABILITY_SEED=<seed printed>.
 */
import { execa } from 'execa';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../../src/remote/command.js';
import { renderCommand } from '../../../src/remote/render.js';
import { connect } from '../../../src/transport/ssh.js';
import type { Connection } from '../../../src/transport/types.js';
import { lab } from '../support.js';

const RUNS = Number(process.env.SHIP_RENDER_RUNS ?? 200);
const SEED = Number(process.env.SHIP_RELIABILITY_SEED ?? Date.now() % 1_000_000);
const BASE = `/tmp/ship-render-${SEED}`;
// Prints, NUL-terminated: the argument count, each argument, RT_VAR, and the working directory.
const PRINT = 'printf "%s\\000" "$#" "$@" "${RT_VAR-<unset>}" "$PWD"';

const HOSTILE = [
  "'",
  '"',
  '\\',
  '$',
  '`',
  '(',
  ')',
  '{',
  '}',
  ';',
  '&',
  '|',
  '<',
  '>',
  '*',
  '?',
  '[',
  ']',
  '~',
  '#',
  '!',
  '%',
  '=',
  ' ',
  '\t',
  '\n',
  '\r',
  '-',
  'a',
  'é',
  '\x01',
  '\x1b',
  '\x7f',
  '\u00a0',
  '\u2028',
  '😀',
];
const SPECIAL = [
  '',
  '-',
  '--',
  '-n',
  '-e',
  '--help',
  '$(id)',
  '`id`',
  "'",
  "''",
  '"',
  '\\',
  '\n',
  '~',
  '~root',
  '*',
  '#x',
  '!!',
  '%s',
  'a=b',
  '$HOME',
  '${PATH}',
  "'\"'\"'",
];

/** Any string the renderer must carry: hostile ASCII, any Unicode, and known troublemakers; never NUL. */
const word = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...HOSTILE), maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constantFrom(...SPECIAL),
  )
  .filter((s) => !s.includes('\0') && Buffer.from(s, 'utf8').toString('utf8') === s); // no lone surrogates

/** A directory name for cwd: one path component, created under BASE. */
const dirName = word.filter((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('/') && Buffer.byteLength(s) < 200);

interface Case {
  args: string[];
  env?: string;
  dir?: string;
  sudo: boolean;
}

const cases: fc.Arbitrary<Case> = fc.record(
  {
    args: fc.array(word, { maxLength: 5 }),
    env: fc.option(word, { nil: undefined }),
    dir: fc.option(dirName, { nil: undefined }),
    sudo: fc.boolean(),
  },
  { requiredKeys: ['args', 'sudo'] },
);

function command(c: Case): Command {
  return {
    argv: ['sh', '-c', PRINT, 'sh', ...c.args],
    ...(c.env !== undefined ? { env: { RT_VAR: c.env } } : {}),
    ...(c.dir !== undefined ? { cwd: `${BASE}/${c.dir}` } : {}),
    ...(c.sudo ? { sudo: true } : {}),
  };
}

/** What PRINT must print for this case (commands without cwd run in the login directory). */
function expected(c: Case): string[] {
  return [String(c.args.length), ...c.args, c.env ?? '<unset>', c.dir !== undefined ? `${BASE}/${c.dir}` : home];
}

function parse(stdout: string): string[] {
  const fields = stdout.split('\0');
  fields.pop(); // after the last NUL
  return fields;
}

let connection: Connection;
let home = '';

beforeAll(async () => {
  connection = await connect('h1', { sshConfigFile: lab().sshConfig, connectTimeoutMs: 5000 });
  home = (await connection.run({ argv: ['sh', '-c', 'printf %s "$HOME"'] })).stdout;
  // As root: sudo'd commands may cd there too; then open to everyone.
  await connection.run({ argv: ['mkdir', '-p', '--', BASE], sudo: true });
  await connection.run({ argv: ['chmod', '777', '--', BASE], sudo: true });
});

afterAll(async () => {
  await connection?.run({ argv: ['rm', '-rf', '--', BASE], sudo: true }).catch(() => {});
  await connection?.close();
});

async function makeDir(c: Case): Promise<void> {
  if (c.dir !== undefined) await connection.run({ argv: ['mkdir', '-p', '--', `${BASE}/${c.dir}`] });
}

describe(`renderCommand round-trips through a real remote shell (${RUNS} random commands, seed ${SEED})`, () => {
  it("bash (the login shell, through ship's SSH transport), one command per case", async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        await makeDir(c);
        const result = await connection.run(command(c), { allowFailure: true });
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(parse(result.stdout)).toEqual(expected(c));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 120_000);

  it('dash (/bin/sh), the same cases batched into a few sh -c scripts', async () => {
    const sample = fc.sample(cases, { numRuns: RUNS, seed: SEED });
    for (const c of sample) await makeDir(c);
    // `sh -c "$(cat)"`: the script reaches dash as one -c argument, which must stay under the
    // kernel's 128 KiB limit per argument.
    const batches: Case[][] = [[]];
    let size = 0;
    for (const c of sample) {
      const line = renderCommand(command(c));
      if (size + line.length > 100_000) {
        batches.push([]);
        size = 0;
      }
      batches.at(-1)!.push(c);
      size += line.length + 1;
    }
    for (const batch of batches) {
      const script = batch.map((c) => `(${renderCommand(command(c))})`).join('\n');
      const r = await execa('ssh', ['-F', lab().sshConfig, '-o', 'BatchMode=yes', 'h1', 'sh -c "$(cat)"'], {
        input: script,
        reject: false,
        stripFinalNewline: false,
      });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      // Each case prints its count first, so the output splits back into cases.
      const fields = parse(r.stdout);
      let at = 0;
      for (const c of batch) {
        const count = Number(fields[at]);
        const got = fields.slice(at, at + count + 3);
        at += count + 3;
        expect(got, `case ${JSON.stringify(c)}\n${renderCommand(command(c))}`).toEqual(expected(c));
      }
      expect(at).toBe(fields.length);
    }
  }, 120_000);
});
