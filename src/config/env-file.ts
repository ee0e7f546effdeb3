/**
 * The local env file (`service.envFile`): read once, its values registered as secrets with the
 * Output so no line ship prints can show them, whatever printed it (plans, errors, `ship exec`
 * output, journal lines). Its content only ever travels over SSH as a command's stdin.
 *
 * A value is registered as the file spells it (what `cat .env` shows) and as systemd hands it
 * to the app (unquoted, unescaped: what the app can log); the Output adds the forms those take
 * when escaped on the way (see secretForms in src/remote/render.ts).
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Stage } from './types.js';
import { ConfigError } from '../errors.js';
import { MIN_SECRET_LENGTH, type Output } from '../output/output.js';
import { displayPath } from '../output/display-path.js';
import { readEnvironmentFile } from '../systemd/environment-file.js';

export interface EnvFile {
  /** Where it came from, for messages: the file's display path, or `the envFile command (sops)`. */
  label: string;
  content: Buffer;
  sha256: string;
  /** Names of the variables it sets, in order (never their values). */
  names: string[];
  /** Every value, as written, unquoted, and as the service gets it: what must never be printed. */
  secrets: string[];
  /** Names of the variables whose value is too short to redact (1 or 2 characters). */
  shortValues: string[];
  /** 1-based numbers of lines that are not NAME=value, comments or blank. */
  badLines: number[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

/** Parse the KEY=value lines systemd's EnvironmentFile= and dotenv libraries both read. */
export function parseEnvFile(text: string): Pick<EnvFile, 'names' | 'secrets' | 'shortValues' | 'badLines'> {
  const names: string[] = [];
  const secrets = new Set<string>();
  const shortValues = new Set<string>();
  const badLines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(#.*)?$/.test(line)) return;
    const match = ASSIGNMENT.exec(line);
    if (!match) return void badLines.push(i + 1);
    names.push(match[1]!);
    const raw = match[2]!.trim();
    secrets.add(raw);
    const quoted = /^(["'])(.*)\1$/.exec(raw);
    if (quoted) secrets.add(quoted[2]!);
  });
  for (const { name, value } of readEnvironmentFile(text)) {
    secrets.add(value);
    // The journal and every output show a value with newlines one line at a time.
    if (value.includes('\n')) for (const line of value.split('\n')) secrets.add(line);
    if (value.length > 0 && value.length < MIN_SECRET_LENGTH) shortValues.add(name.replace(/^export\s+/, ''));
  }
  return { names, secrets: [...secrets].filter((s) => s !== ''), shortValues: [...shortValues], badLines };
}

/** Parse an env file's bytes, read from `label` (for messages). */
export function envFileOf(label: string, content: Buffer): EnvFile {
  return { label, content, sha256: createHash('sha256').update(content).digest('hex'), ...parseEnvFile(content.toString('utf8')) };
}

/**
 * Read and parse `service.envFile` when it is a file; undefined when the stage has none, or
 * when it is a command (run by host/env-source.ts, which reads both forms).
 */
export function readEnvFile(stage: Stage): EnvFile | undefined {
  const path = stage.service?.envFile;
  if (path === undefined || typeof path !== 'string') return undefined;
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `service.envFile: cannot read ${displayPath(path)} (${code ?? (error as Error).message})`,
      code === 'ENOENT' ? `create it with one NAME=value per line, or remove envFile from ${displayPath(stage.configFile)}` : undefined,
    );
  }
  return envFileOf(displayPath(path), content);
}

/**
 * Register the env file's values with the output, before anything can print them. A missing
 * or unreadable file is not an error here: the command that needs the file reports it. A
 * command is not run here (it may ask for a passphrase, or be slow): the commands that run it
 * (setup, env push and diff, console) register its values as they read them.
 */
export function registerEnvSecrets(stage: Stage, output: Output): void {
  try {
    const env = readEnvFile(stage);
    if (env) output.addSecrets(env.secrets);
  } catch {
    // Reported by `ship setup`, the one command that reads the file for its content.
  }
}
