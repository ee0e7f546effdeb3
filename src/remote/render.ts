import type { Command } from './command.js';

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quote one word for a POSIX shell. Safe words stay bare so plans stay readable; anything else
 * is single-quoted, the only quoting in which no character is special (a `'` is written '\'').
 */
export function quote(word: string): string {
  if (word.includes('\0')) throw new Error('a command argument cannot contain a NUL byte');
  if (word.length > 0 && SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Render a Command for `sh -c` on the remote side. The one renderer: everything goes through it. */
export function renderCommand(command: Command): string {
  if (command.argv.length === 0) throw new Error('renderCommand: empty argv');
  // A first word like A=b would be read as an assignment by the shell (and by env), not run.
  if (command.argv[0]!.includes('=')) throw new Error(`renderCommand: program name ${JSON.stringify(command.argv[0])} contains "="`);
  const words: string[] = [];
  if (command.sudoUser !== undefined) words.push('sudo', '-n', '-u', quote(sudoUser(command.sudoUser)), '--');
  else if (command.sudo) words.push('sudo', '-n', '--');
  const env = Object.entries(command.env ?? {});
  if (env.length > 0) {
    words.push('env');
    for (const [name, value] of env) {
      if (!ENV_NAME.test(name)) throw new Error(`renderCommand: invalid environment variable name ${JSON.stringify(name)}`);
      words.push(quote(`${name}=${value}`));
    }
  }
  // `--` only where the program is a literal we know; a leading dash in argv[0] is the caller's bug.
  words.push(...command.argv.map(quote));
  const line = words.join(' ');
  return command.cwd === undefined ? line : `cd ${quote(command.cwd)} && ${line}`;
}

/** A user name for `sudo -u`: never empty, never `#uid` (sudo reads `#0` as root) nor an option. */
function sudoUser(name: string): string {
  if (name === '' || name.startsWith('#') || name.startsWith('-'))
    throw new Error(`renderCommand: invalid sudo user ${JSON.stringify(name)}`);
  return name;
}

/**
 * Render for a person, on one line: like renderCommand, with every secret replaced by `***`, and
 * a script (see remote/scripts.ts) shown as its file name and its arguments, quoted as the shell
 * takes them (`sudo -n -- take-lock.sh /srv/app/.ship/lock '{"who":"me"}'`); scriptBody gives
 * its body.
 */
export function displayCommand(command: Command): string {
  const shown = command.script === undefined ? command : { ...command, argv: [command.script, ...scriptArgs(command)] };
  return redact(renderCommand(shown), command.secrets ?? []);
}

/** The body of a script command (`sh -c BODY NAME ARGS...`), as the host runs it; undefined for any other command. */
export function scriptBody(command: Command): string | undefined {
  if (command.script === undefined) return undefined;
  scriptArgs(command);
  return command.argv[2];
}

/** A script command's arguments ($1, $2, ...); its argv must be what script() makes. */
function scriptArgs(command: Command): readonly string[] {
  const [sh, flag, body, name, ...args] = command.argv;
  if (sh !== 'sh' || flag !== '-c' || body === undefined || name !== command.script) {
    throw new Error(`displayCommand: the command of script ${command.script} is not \`sh -c BODY ${command.script} ARGS...\``);
  }
  return args;
}

/** Replace each secret, in every form of secretForms, in text with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  return redactForms(text, secretForms(secrets));
}

/**
 * Every form in which a secret can reach what ship prints, longest first (so a quoted form
 * goes as a whole, not leaving its quotes around `***`):
 * - as it is: the app logged it, or a file holding it was printed;
 * - shell-quoted, alone or inside a larger single-quoted word: ship's plans and the commands
 *   errors quote (see quote);
 * - JSON-escaped, as JavaScript and Go write it and with non-ASCII as \uXXXX as Python does:
 *   an app that logs JSON puts that into the journal;
 * - in a systemd double-quoted word, as ship writes unit files (`Environment="NAME=value"`,
 *   `%` doubled), which `ship setup --verbose` shows.
 * (systemd reads the env file with EnvironmentFile=, which expands nothing, so a value never
 * reaches a unit's Exec line, the only place systemd writes `$` as `$$`.)
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const json = JSON.stringify(secret).slice(1, -1);
    const systemdQuoted = secret.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%');
    const shell = secret.includes('\0') ? [] : [quote(secret), secret.replaceAll("'", `'\\''`)];
    for (const form of [secret, ...shell, json, asciiJson(json), systemdQuoted]) forms.add(form);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replace each of `forms` (longest first, see secretForms) in text with `***`. */
export function redactForms(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join('***');
  return out;
}

function asciiJson(json: string): string {
  return json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
