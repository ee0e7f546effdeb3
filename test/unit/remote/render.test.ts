import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Command } from '../../../src/remote/command.js';
import { displayCommand, quote, redact, renderCommand, scriptBody, secretForms } from '../../../src/remote/render.js';
import { script, scriptText } from '../../../src/remote/scripts.js';
import { renderTemplate } from '../../../src/systemd/template.js';
import { environmentAssignments } from '../../../src/systemd/unit-file.js';

const HOSTILE = [
  'a b',
  "it's",
  'say "hi"',
  '$(touch /tmp/ship-render-pwned)',
  '`id`',
  '${HOME}',
  '$HOME',
  'line1\nline2',
  'tab\there',
  '*',
  '?',
  '[a-z]',
  '{a,b}',
  '~',
  '~root',
  ';ls',
  '&& ls',
  '| cat',
  '> /tmp/ship-render-out',
  '< /etc/passwd',
  '#comment',
  '!x',
  '-rf',
  '--help',
  '-',
  'héllo wörld ✓ 日本語 🚀',
  '',
  ' ',
  '\\',
  "'",
  "''",
  '"',
  'a\'b"c$d`e\\f',
  '\r\n',
  'a=b',
];

describe('quote', () => {
  it('leaves safe words bare so plans stay readable', () => {
    for (const word of ['nginx', '/srv/hello/releases/20240101', 'user@host', 'a=b', 'x,y:z', '+1', '50%', '-n', '--']) {
      expect(quote(word)).toBe(word);
    }
  });

  it("single-quotes everything else, writing a quote as '\\''", () => {
    expect(quote('')).toBe("''");
    expect(quote('a b')).toBe("'a b'");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote('$(id)')).toBe("'$(id)'");
    expect(quote('`id`')).toBe("'`id`'");
    expect(quote('*')).toBe("'*'");
    expect(quote('~')).toBe("'~'");
    expect(quote('a\nb')).toBe("'a\nb'");
    expect(quote('日本')).toBe("'日本'");
    expect(quote("'")).toBe("''\\'''");
  });
});

describe('renderCommand', () => {
  it('renders argv as quoted words', () => {
    expect(renderCommand({ argv: ['systemctl', 'restart', 'hello'] })).toBe('systemctl restart hello');
    expect(renderCommand({ argv: ['echo', 'a b', "it's", ''] })).toBe("echo 'a b' 'it'\\''s' ''");
  });

  it('joins cwd with && so a failed cd stops the command', () => {
    expect(renderCommand({ argv: ['ls', '-la'], cwd: '/srv/hello' })).toBe('cd /srv/hello && ls -la');
    expect(renderCommand({ argv: ['ls'], cwd: '/srv/my app' })).toBe("cd '/srv/my app' && ls");
  });

  it('puts sudo -n -- first and env NAME=VALUE after it, so the variables survive sudo', () => {
    expect(renderCommand({ argv: ['systemctl', 'restart', 'hello'], sudo: true })).toBe('sudo -n -- systemctl restart hello');
    expect(renderCommand({ argv: ['node', 'migrate.js'], env: { NODE_ENV: 'production', MSG: 'a b' } })).toBe(
      "env NODE_ENV=production 'MSG=a b' node migrate.js",
    );
    expect(renderCommand({ argv: ['true'], sudo: true, env: { A: '1' }, cwd: '/tmp' })).toBe('cd /tmp && sudo -n -- env A=1 true');
  });

  it('runs as another user with sudo -n -u USER --, before env and the program', () => {
    expect(renderCommand({ argv: ['id', '-un'], sudoUser: 'app' })).toBe('sudo -n -u app -- id -un');
    expect(renderCommand({ argv: ['true'], sudoUser: 'app', sudo: true, env: { A: '1' }, cwd: '/srv' })).toBe(
      'cd /srv && sudo -n -u app -- env A=1 true',
    );
    expect(renderCommand({ argv: ['true'], sudoUser: "it's me" })).toBe("sudo -n -u 'it'\\''s me' -- true");
  });

  it('refuses a sudo user that sudo would not read as a plain user name', () => {
    // '#0' is uid 0 to sudo: root, whatever the name looked like.
    for (const name of ['', '#0', '#1000', '-rf', '-u']) {
      expect(() => renderCommand({ argv: ['true'], sudoUser: name })).toThrow(/sudo user/);
    }
  });

  it('rejects an empty argv and invalid variable names', () => {
    expect(() => renderCommand({ argv: [] })).toThrow(/empty argv/);
    expect(() => renderCommand({ argv: ['true'], env: { 'A B': 'x' } })).toThrow(/invalid environment variable name/);
    expect(() => renderCommand({ argv: ['true'], env: { '1A': 'x' } })).toThrow(/invalid environment variable name/);
    expect(() => renderCommand({ argv: ['true'], env: { 'A;rm': 'x' } })).toThrow(/invalid environment variable name/);
  });
});

describe('displayCommand and redact', () => {
  it('replaces secrets in bare and quoted form', () => {
    const command: Command = { argv: ['curl', '-u', 'admin:s3cret', '-H', 'X-Token: tok en'], secrets: ['admin:s3cret', 'tok en'] };
    expect(renderCommand(command)).toBe("curl -u admin:s3cret -H 'X-Token: tok en'");
    expect(displayCommand(command)).toBe("curl -u *** -H 'X-Token: ***'");
  });

  it('replaces a secret quoted on its own and inside a larger word', () => {
    expect(displayCommand({ argv: ['echo', "pa'ss"], secrets: ["pa'ss"] })).toBe('echo ***');
    expect(displayCommand({ argv: ['env-set'], env: { TOKEN: 'abc123' }, secrets: ['abc123'] })).toBe('env TOKEN=*** env-set');
  });

  it('ignores empty secrets and leaves text without secrets alone', () => {
    expect(redact('echo hi', [''])).toBe('echo hi');
    expect(redact('echo hi', [])).toBe('echo hi');
    expect(redact('a secret and secret', ['secret'])).toBe('a *** and ***');
  });
});

describe('displayCommand of a script', () => {
  it('shows one line: the prefix as renderCommand has it, the file name, the arguments quoted as the shell takes them', () => {
    const command: Command = {
      ...script('append-log.sh', "/srv/it's here/log", '{"who":"me"}\n$(x)'),
      sudoUser: 'app',
      env: { TZ: 'UTC' },
      cwd: '/srv',
    };
    expect(displayCommand(command)).toBe(
      `cd /srv && sudo -n -u app -- env TZ=UTC append-log.sh '/srv/it'\\''s here/log' '{"who":"me"}\n$(x)'`,
    );
    expect(renderCommand(command)).toBe(
      `cd /srv && sudo -n -u app -- env TZ=UTC sh -c ${quote(scriptText('append-log.sh'))} append-log.sh '/srv/it'\\''s here/log' '{"who":"me"}\n$(x)'`,
    );
    expect(scriptBody(command)).toBe(scriptText('append-log.sh'));
    expect(scriptBody({ argv: ['true'] })).toBeUndefined();
  });

  it('redacts secrets in its arguments', () => {
    expect(displayCommand({ ...script('append-log.sh', '/srv/log', 'token hunter2'), secrets: ['hunter2'] })).toBe(
      "append-log.sh /srv/log 'token ***'",
    );
  });

  it('refuses a command whose argv is not what script() makes, rather than show a wrong line', () => {
    expect(() => displayCommand({ argv: ['sh', '-c', 'true', 'sh'], script: 'read-lock.sh' })).toThrow(
      'the command of script read-lock.sh is not `sh -c BODY read-lock.sh ARGS...`',
    );
  });
});

describe('redact: every form a secret takes on the way', () => {
  const secret = `p"w\\d $HOME 'q' %h é`;

  it('as it is, and shell-quoted alone or inside a larger word', () => {
    expect(redact(`value: ${secret}.`, [secret])).toBe('value: ***.');
    expect(redact(renderCommand({ argv: ['printf', '%s', secret] }), [secret])).toBe('printf %s ***');
    expect(redact(renderCommand({ argv: ['true'], env: { TOKEN: secret } }), [secret])).toBe("env 'TOKEN=***' true");
  });

  it('JSON-escaped, as an app that logs JSON writes it (JavaScript, and Python with \\uXXXX)', () => {
    expect(redact(JSON.stringify({ password: secret }), [secret])).toBe('{"password":"***"}');
    const python = JSON.stringify(secret).replace('é', '\\u00e9');
    expect(python).toContain('\\u00e9');
    expect(redact(`{"password": ${python}}`, [secret])).toBe('{"password": "***"}');
    expect(redact(JSON.stringify('a\nb\tc'), ['a\nb\tc'])).toBe('"***"');
  });

  it('in a unit file, as ship writes Environment= (\\ and " escaped, % doubled)', () => {
    const unit = renderTemplate('Environment={{environment}}\n', { environment: environmentAssignments({ TOKEN: secret }) });
    expect(unit).toContain('%%h');
    expect(redact(unit, [secret])).toBe('Environment="TOKEN=***"\n');
  });

  it('a longer form goes whole, never leaving its quotes or escapes around ***', () => {
    const forms = secretForms([secret, 'ab"c']);
    expect(forms).toEqual([...forms].sort((a, b) => b.length - a.length));
    expect(redact(`'${secret.replaceAll("'", `'\\''`)}' "ab\\"c"`, [secret, 'ab"c'])).toBe('*** "***"');
  });

  it('any string, in any form, is gone (property)', () => {
    // `*` left out: a value made of stars is still readable in the *** that replaced it.
    fc.assert(
      fc.property(
        fc.string({ minLength: 3 }).filter((s) => !s.includes('\0') && !s.includes('*')),
        (value) => {
          const json = JSON.stringify(value).slice(1, -1);
          for (const text of [value, JSON.stringify(value), renderCommand({ argv: ['echo', value] }), `x${value}y`]) {
            const out = redact(text, [value]);
            expect(out).not.toContain(value);
            expect(out).not.toContain(json);
          }
          expect(redact(JSON.stringify(value), [value])).toBe('"***"');
        },
      ),
    );
  });
});

/** Run a rendered command through a real POSIX shell, as sshd does with the exec request. */
async function shell(line: string): Promise<string> {
  const result = await execa('sh', ['-c', line], { stripFinalNewline: false });
  return result.stdout;
}

function printfArgs(args: readonly string[]): string {
  return renderCommand({ argv: ['printf', '%s\\0', ...args] });
}

describe('round trip through a real sh -c', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('passes every hostile string through as exactly one argument', async () => {
    const out = await shell(printfArgs(HOSTILE));
    expect(out.split('\0').slice(0, -1)).toEqual(HOSTILE);
  });

  it('passes hostile environment values through env unchanged', async () => {
    for (const value of HOSTILE) {
      const out = await shell(renderCommand({ argv: ['sh', '-c', 'printf %s "$V"'], env: { V: value } }));
      expect(out).toBe(value);
    }
  });

  it('changes into a directory with a hostile name, and a failed cd stops the command', async () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'ship-render-')));
    dirs.push(base);
    const weird = join(base, "it's a $(dir) `x` ;*");
    mkdirSync(weird);
    expect(await shell(renderCommand({ argv: ['pwd'], cwd: weird }))).toBe(`${weird}\n`);
    const failed = await execa('sh', ['-c', renderCommand({ argv: ['echo', 'ran'], cwd: join(base, 'missing') })], { reject: false });
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stdout).toBe('');
  });

  it('passes a hostile sudo user to sudo as exactly the one word after -u', async () => {
    // A stand-in sudo that prints its arguments: what the real one would receive.
    const bin = realpathSync(mkdtempSync(join(tmpdir(), 'ship-render-sudo-')));
    dirs.push(bin);
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nprintf "%s\\0" "$@"\n', { mode: 0o755 });
    for (const name of HOSTILE.filter((h) => h !== '' && !/^[#-]/.test(h))) {
      const line = renderCommand({ argv: ['true'], sudoUser: name });
      const result = await execa('sh', ['-c', line], { env: { PATH: `${bin}:${process.env.PATH}` }, stripFinalNewline: false });
      expect(result.stdout.split('\0').slice(0, -1)).toEqual(['-n', '-u', name, '--', 'true']);
    }
  });

  it('round-trips arbitrary strings (property)', async () => {
    // NUL cannot be part of an argv word anywhere (C strings), so it is excluded. printf with no
    // argument still prints its format once, hence at least one word.
    const word = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0'));
    await fc.assert(
      fc.asyncProperty(fc.array(word, { minLength: 1, maxLength: 6 }), async (args) => {
        const out = await shell(printfArgs(args));
        expect(out.split('\0').slice(0, -1)).toEqual(args);
      }),
      { numRuns: 150 },
    );
  });
});
