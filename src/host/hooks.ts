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
  /** How long the hook may take (default 120 s). */
  timeoutMs?: number;
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
  // Its own process group, killed whole at the deadline or on abort: a child the hook left behind
  // holding stdout open (`curl ... &`) would otherwise keep ship waiting on the pipe after the hook
  // itself was killed.
  const child = execa(program, args, {
    cwd: run.stage.configDir,
    env: hookEnv(run),
    stdin: 'ignore',
    all: true,
    reject: false,
    detached: true,
  });
  const timeoutMs = run.timeoutMs ?? HOOK_TIMEOUT_MS;
  let stopped: 'timeout' | 'interrupted' | undefined;
  const stop = (why: 'timeout' | 'interrupted') => {
    stopped ??= why;
    killGroup(child.pid);
    // Something that left the group (setsid) may still hold the pipe: stop reading it.
    child.all?.destroy();
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop('interrupted');
  if (run.signal?.aborted) onAbort();
  run.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const line of child.iterable({ from: 'all' })) output.hostLine('local', 'stdout', String(line));
  } catch (error) {
    if (stopped === undefined) throw error;
  } finally {
    clearTimeout(timer);
    run.signal?.removeEventListener('abort', onAbort);
  }
  const result = await child;
  if (result.exitCode === 0 && stopped === undefined) return;
  const spawnError = (result as { code?: string }).code;
  const why =
    stopped === 'timeout'
      ? `stopped after ${formatSeconds(timeoutMs)}`
      : stopped === 'interrupted'
        ? 'interrupted'
        : result.exitCode !== undefined
          ? `exit ${result.exitCode}`
          : spawnError === 'ENOENT'
            ? 'program not found'
            : (result.shortMessage?.split('\n')[0] ?? 'did not start');
  throw new ShipError(`hooks.${name} failed (${why}): ${program}`, { hint: `run it yourself in ${run.stage.configDir} to see why` });
}

/** SIGKILL to the hook's whole process group; it may be gone already. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already: nothing left to stop.
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
