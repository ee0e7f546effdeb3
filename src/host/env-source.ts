/**
 * The env file from where it lives: `service.envFile` is a local file, or a command (argv, no
 * shell, run in the hosts.ts directory) whose stdout is the file: `['sops', '-d', 'prod.env']`.
 * Read once per run whichever host asks first, its values registered as secrets with the Output
 * before anyone can print them. A command's stdout stays in memory: never printed, never logged,
 * never written to disk here.
 */
import { execa } from 'execa';
import type { Stage } from '../config/types.js';
import { envFileOf, readEnvFile, type EnvFile } from '../config/env-file.js';
import { ConfigError, ExitCode, ShipError } from '../errors.js';
import type { Output } from '../output/output.js';

/** A secret store that never answers (a prompt nobody sees, a dead network) must not hold the run forever. */
export const ENV_COMMAND_TIMEOUT_MS = 60_000;

/** An env file larger than this is not an env file: the command printed something else. */
const MAX_BYTES = 1024 * 1024;

// One read per stage and run: every host gets the same bytes, and a command runs once.
const loaded = new WeakMap<Stage, Promise<EnvFile | undefined>>();

/** The stage's env file (file or command), read once; undefined when it has none. */
export function loadEnvFile(stage: Stage, output: Output, signal?: AbortSignal): Promise<EnvFile | undefined> {
  let env = loaded.get(stage);
  if (!env) {
    env = read(stage, signal).then((file) => {
      if (file) output.addSecrets(file.secrets);
      return file;
    });
    loaded.set(stage, env);
  }
  return env;
}

async function read(stage: Stage, signal?: AbortSignal): Promise<EnvFile | undefined> {
  const source = stage.service?.envFile;
  if (source === undefined) return undefined;
  if (typeof source === 'string') return readEnvFile(stage);
  return envFileOf(`the envFile command (${source[0]})`, await runEnvCommand(stage, source, signal));
}

/** Run the command, its stdout the env file. Throws naming the stage, the program, its exit code and its own stderr. */
export async function runEnvCommand(
  stage: Pick<Stage, 'name' | 'configDir'>,
  argv: readonly string[],
  signal?: AbortSignal,
  timeoutMs = ENV_COMMAND_TIMEOUT_MS,
): Promise<Buffer> {
  const [program, ...args] = argv as [string, ...string[]];
  const fail = (why: string, stderr = ''): never => {
    const tail = stderr.trimEnd().split('\n').slice(-10).join('\n');
    throw new ConfigError(
      `stage ${stage.name}: service.envFile: the command ${program} ${why}${tail ? `; it said:\n${tail}` : ''}`,
      `run it yourself in ${stage.configDir} to see why (its output is the env file: keep it off the screen, e.g. ${program} ... | wc -l)`,
    );
  };
  if (signal?.aborted) throw new ShipError('interrupted', { exitCode: ExitCode.interrupted });
  const result = await execa(program, args, {
    cwd: stage.configDir,
    encoding: 'buffer',
    // The bytes as printed: the file on the hosts is compared with them.
    stripFinalNewline: false,
    stdin: 'ignore',
    reject: false,
    timeout: timeoutMs,
    maxBuffer: MAX_BYTES,
    cancelSignal: signal,
  });
  const stderr = Buffer.from(result.stderr ?? '').toString('utf8');
  if (signal?.aborted)
    throw new ShipError(`interrupted while service.envFile's command ${program} ran`, { exitCode: ExitCode.interrupted });
  if (result.timedOut) return fail(`did not finish within ${timeoutMs / 1000} s`, stderr);
  if (result.isMaxBuffer) return fail(`printed more than ${MAX_BYTES} bytes, which is no env file`);
  const code = (result as { code?: string }).code;
  if (code === 'ENOENT') return fail('was not found (is it installed, and on PATH?)');
  if (result.exitCode !== 0) return fail(`failed (exit ${result.exitCode ?? result.signal ?? '?'})`, stderr);
  return Buffer.from(result.stdout);
}
