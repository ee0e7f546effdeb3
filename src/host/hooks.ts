/**
 * hooks.before/after/failed: commands run on this machine around a deploy or rollback, for
 * notifications. Each is an argv (no shell) run in the hosts.ts directory with the run's facts in
 * SHIP_* variables; its output is shown as `local | ...` lines, redacted like everything ship
 * prints. Only the program's name is shown, never its arguments: a webhook URL is a secret.
 */
import { execa } from 'execa';
import type { Stage } from '../config/types.js';
import { ShipError } from '../errors.js';
import type { Output } from '../output/output.js';
import type { ReleaseInfo } from '../release/build.js';

export type HookName = 'before' | 'after' | 'failed';

/** A hook that hangs (a webhook that never answers) must not hold the deploy forever. */
const HOOK_TIMEOUT_MS = 120_000;

export interface HookRun {
  stage: Stage;
  release: ReleaseInfo;
  /** `deploy` or `rollback`. */
  command: string;
  hosts: readonly string[];
  /** `pending` for before, `ok` for after, `failed` or `interrupted` for failed. */
  result: string;
  /** For `failed`: the first line of what went wrong, redacted. */
  error?: string;
  output: Output;
  dryRun: boolean;
  signal?: AbortSignal;
}

/** The variables a hook gets, on top of ship's own environment. */
export function hookEnv(run: HookRun): Record<string, string> {
  return {
    SHIP_STAGE: run.stage.name,
    SHIP_COMMAND: run.command,
    SHIP_RELEASE: run.release.id,
    SHIP_COMMIT: run.release.commit ?? '',
    SHIP_USER: run.release.user,
    SHIP_HOSTS: run.hosts.join(' '),
    SHIP_RESULT: run.result,
    ...(run.error === undefined ? {} : { SHIP_ERROR: run.error }),
  };
}

/** Run hooks.<name> if the stage has it; throws a ShipError naming the hook when it fails. */
export async function runHook(name: HookName, run: HookRun): Promise<void> {
  const argv = run.stage.hooks?.[name];
  if (!argv) return;
  const { output } = run;
  const [program, ...args] = argv as [string, ...string[]];
  if (run.dryRun) return output.step('local', `hooks.${name}: would run ${program} (not run in a dry run)`);
  output.step('local', `hooks.${name}: ${program}`);
  const child = execa(program, args, {
    cwd: run.stage.configDir, env: hookEnv(run), stdin: 'ignore', all: true, reject: false,
    timeout: HOOK_TIMEOUT_MS, cancelSignal: run.signal,
  });
  for await (const line of child.iterable({ from: 'all' })) output.hostLine('local', 'stdout', String(line));
  const result = await child;
  if (result.exitCode === 0) return;
  const spawnError = (result as { code?: string }).code;
  const why = result.timedOut ? `stopped after ${HOOK_TIMEOUT_MS / 1000} s` : result.isCanceled ? 'interrupted'
    : result.exitCode !== undefined ? `exit ${result.exitCode}` : spawnError === 'ENOENT' ? 'program not found' : (result.shortMessage?.split('\n')[0] ?? 'did not start');
  throw new ShipError(`hooks.${name} failed (${why}): ${program}`, { hint: `run it yourself in ${run.stage.configDir} to see why` });
}
