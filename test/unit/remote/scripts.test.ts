/**
 * The scripts under src/remote/sh and their loader: every file is used by a builder and every
 * builder's file exists, includes are inlined (so a host gets one self-contained body), and the
 * numbers TypeScript reads back from them are the ones they use.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { READ_MISSING_CERT, READ_MISSING_KEY } from '../../../src/remote/certs.js';
import { LOCKED } from '../../../src/remote/lock.js';
import { renderCommand } from '../../../src/remote/render.js';
import { script, scriptText } from '../../../src/remote/scripts.js';
import { CURRENT_MOVED, MANIFEST_LIMIT } from '../../../src/remote/upload.js';
import { CASES } from './command-cases.js';

const SH = join(import.meta.dirname, '../../../src/remote/sh');
const scripts = readdirSync(SH)
  .filter((f) => f.endsWith('.sh'))
  .sort();
const libs = readdirSync(join(SH, 'lib'))
  .filter((f) => f.endsWith('.sh'))
  .map((f) => `lib/${f}`)
  .sort();
const source = (name: string) => readFileSync(join(SH, name), 'utf8');
const INCLUDE = /^\. \.\/(lib\/[a-z0-9-]+\.sh)$/gm;

describe('src/remote/sh', () => {
  it('has no script that no builder runs, and no builder whose script is missing', () => {
    const used = new Set(Object.values(CASES).flatMap((c) => (c.command.script === undefined ? [] : [c.command.script])));
    expect([...used].sort()).toEqual(scripts);
  });

  it('has no lib file that no script includes', () => {
    const included = new Set(scripts.flatMap((name) => [...source(name).matchAll(INCLUDE)].map((m) => m[1]!)));
    expect([...included].sort()).toEqual(libs);
  });

  it.each(scripts)('%s: a header saying what it does and what it is given, and each include announced to shellcheck', (name) => {
    const text = source(name);
    expect(text.split('\n').slice(0, 2)).toEqual([
      '# shellcheck shell=sh',
      expect.stringMatching(new RegExp(`^# ${name.replace('.', '\\.')}: \\S`)),
    ]);
    expect(text).toMatch(/^# Given: /m);
    for (const m of text.matchAll(INCLUDE)) expect(text).toContain(`# shellcheck source=${m[1]}\n${m[0]}`);
  });

  it.each(scripts)('%s: the body a host gets has every include inlined, and is what the file says otherwise', (name) => {
    const body = scriptText(name);
    expect(body).not.toMatch(/^\s*\.\s/m);
    expect(body).not.toContain('# shellcheck source=');
    const own = source(name)
      .replace(/\n$/, '')
      .split('\n')
      .filter((line) => !line.startsWith('# shellcheck source=') && !/^\. \.\//.test(line));
    for (const line of own) expect(body.split('\n')).toContain(line);
    for (const m of source(name).matchAll(INCLUDE)) {
      for (const line of source(m[1]!).split('\n').slice(1).filter(Boolean)) expect(body.split('\n')).toContain(line);
    }
    expect(spawnSync('sh', ['-n', '-c', body]).status, `sh -n ${name}`).toBe(0);
  });

  it('ships with the package, where the loader looks from src/, dist/ and dist/bundle/', () => {
    const pkg = JSON.parse(readFileSync(join(SH, '../../../package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('src/remote/sh');
  });

  it('reads each file once and hands out the same body', () => {
    expect(scriptText('take-lock.sh')).toBe(scriptText('take-lock.sh'));
    expect(script('take-lock.sh', 'a').argv[2]).toBe(scriptText('take-lock.sh'));
  });

  it("runs a script with its name as $0, so the shell's own messages name it", () => {
    const run = spawnSync('sh', ['-c', renderCommand(script('find-tool.sh', 'sh'))], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/\/sh$|^sh$/);
    const broken = spawnSync('sh', ['-c', renderCommand({ argv: ['sh', '-c', 'set -e; no-such-program-here', 'read-lock.sh'] })], {
      encoding: 'utf8',
    });
    expect(broken.stderr).toMatch(/^read-lock\.sh: /);
  });

  it('names the file when a script is missing, and refuses a name that is not a file name', () => {
    expect(() => script('no-such-script.sh')).toThrow(
      /the remote script src\/remote\/sh\/no-such-script\.sh is missing \(looked at .*src\/remote\/sh\/no-such-script\.sh\)/,
    );
    expect(() => script('../scripts.ts')).toThrow('script name "../scripts.ts" is not a file name like take-lock.sh');
  });

  it('uses the exit codes and limits that TypeScript reads back', () => {
    expect(scriptText('read-cert.sh')).toContain(
      `[ -e "$1" ] || exit ${READ_MISSING_CERT}; [ -e "$2" ] || exit ${READ_MISSING_KEY}; cat -- "$1"`,
    );
    expect(scriptText('stage-release.sh')).toContain(`exit ${CURRENT_MOVED}; }`);
    expect(scriptText('read-upload-facts.sh')).toContain(`head -c ${MANIFEST_LIMIT} --`);
    for (const name of ['take-lock.sh', 'release-lock.sh'])
      expect(scriptText(name)).toContain(`held() { cat -- "$1/info" 2>/dev/null || echo held; exit ${LOCKED}; }`);
  });
});
