/**
 * Runs a recipe against a stage and guarantees the promises a deploy makes whatever the recipe
 * does: when the run fails or is interrupted, every host that switched `current` in this run is
 * switched back and restarted, half-built releases are removed, the failed release is logged,
 * and every lock taken is released. The recipe stays a readable list of steps.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importUserModule, type ShipApi } from '../config/import-module.js';
import { displayPath } from '../output/display-path.js';
import { ConfigError, ExitCode, ShipError } from '../errors.js';
import type { Session } from '../session/session.js';
import type { Connection } from '../transport/types.js';
import { buildDir, type ReleaseInfo } from '../release/build.js';
import { runHook, type HookRun } from '../host/hooks.js';
import { ReleaseUpload } from '../release/upload.js';
import { scanBuild } from '../release/scan.js';
import { formatBytes } from '../output/units.js';
import { RemoteHost } from '../host/host.js';
import { openSource, type ReleaseSource, type SourceOption } from '../release/source.js';
import { describeFailure } from '../output/failures.js';
import type { Rollout } from './batches.js';
import { hostGroup, PhaseError, type RecipeContext } from './context.js';
import { isRecipe, type Recipe } from './define.js';
import { settle } from './undo.js';

const BUILT_IN = fileURLToPath(new URL('../../recipes/', import.meta.url));

export interface RunRecipeOptions {
  /** What recipe files get for `import ... from 'ship-deploy'` (src/index.ts, from the CLI). */
  api: ShipApi;
  args?: string[];
  lockWait?: number;
  /** The command's name (`ship deploy prod`), recorded in locks; never its arguments. */
  command: string;
  /** --batch: hosts per batch of `hosts.rollout`, instead of the stage's `rollout.batch`. */
  batch?: number | string;
  /** --ref or --artifact: what `local.buildRelease()` builds from; default the working tree. */
  source?: SourceOption;
  /** Run the stage's hooks (deploy and rollback), with this as SHIP_COMMAND. */
  hooks?: string;
  /** Point out a recipe that never calls hosts.rollout() while the stage has a rollout (deploy, rollback). */
  expectsRollout?: boolean;
}

/** The project's recipes/<name>.ts if it exists, else ship's built-in one. */
export function findRecipe(configDir: string, name: string): string {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name))
    throw new ConfigError(`invalid recipe name ${JSON.stringify(name)}`, 'recipe names are file names in recipes/, without .ts');
  const own = join(configDir, 'recipes', `${name}.ts`);
  if (existsSync(own)) return own;
  const builtIn = join(BUILT_IN, `${name}.ts`);
  if (existsSync(builtIn)) return builtIn;
  throw new ConfigError(
    `no recipe "${name}": neither ${displayPath(own)} nor a built-in recipe of that name exists`,
    `create ${displayPath(own)} with export default recipe('${name}', async ({ hosts }) => { ... })`,
  );
}

export async function loadRecipe(file: string, api: ShipApi): Promise<Recipe> {
  const mod = await importUserModule(file, { api });
  const value = mod.default;
  if (!isRecipe(value))
    throw new ConfigError(
      `${displayPath(file)}: the default export is not a recipe`,
      "write export default recipe('name', async (ctx) => { ... }) with recipe imported from 'ship-deploy'",
    );
  return value;
}

export async function runRecipe(session: Session, name: string, options: RunRecipeOptions): Promise<number> {
  const { stage, output } = session;
  const file = findRecipe(stage.configDir, name);
  const recipe = await loadRecipe(file, options.api);
  // Asking git who and what runs while the hosts connect.
  const sourcePromise = openSource(stage, options.source);
  const connecting = Promise.allSettled(session.hosts.map((h) => session.connection(h)));
  // Keep a refused source from leaving the connection attempts' failures unhandled.
  const source: ReleaseSource = await sourcePromise.catch(async (error: unknown) => {
    await connecting;
    throw error;
  });
  const release = source.release;
  const abort = new AbortController();
  const stopSignals = trapSignals(abort, (text) => output.notice(text));
  const hook = (result: string, error?: string): HookRun => ({
    stage,
    release,
    command: options.hooks ?? name,
    hosts: session.hosts,
    result,
    error,
    output,
    dryRun: session.dryRun,
    signal: abort.signal,
  });

  let built: ReleaseUpload | undefined;
  let hosts: RemoteHost[] = [];
  let failure: unknown;
  let started = false;
  let rolledOut = false;
  try {
    if (options.hooks) await runHook('before', hook('pending'));
    started = true;
    hosts = await connectHosts(session, connecting, release, options, abort.signal);
    const ctx: RecipeContext = {
      stage,
      release,
      hosts: hostGroup(output, hosts, { rollout: rolloutOf(stage, options), signal: abort.signal, onRollout: () => (rolledOut = true) }),
      args: options.args ?? [],
      dryRun: session.dryRun,
      log: (text) => output.info(text),
      local: {
        buildRelease: async () => {
          const upload = new ReleaseUpload(release.id, undefined);
          // What each host has (its current release's manifest) is asked while the build runs.
          const facts = hosts.map((h) => upload.factsOf(h.uploadTarget()));
          for (const f of facts) f.catch(() => {});
          const content = await source.build(output, abort.signal);
          const known = await Promise.allSettled(facts);
          // Hashes are needed before sending only to compare with a host's previous release;
          // on a first deploy they are computed as the files stream, in the same read.
          const incremental = known.some((f) => f.status === 'fulfilled' && f.value.manifest !== undefined);
          upload.setScan(await scanBuild(await buildDir(content), { hashNow: incremental }));
          const { files, bytes } = upload.size;
          output.step('local', `release ${release.id}: ${files} files, ${formatBytes(bytes)}`);
          built = upload;
          return upload;
        },
      },
    };
    await recipe.run(ctx);
    if (abort.signal.aborted) throw new ShipError('interrupted', { exitCode: ExitCode.interrupted });
  } catch (error) {
    failure = abort.signal.aborted ? new ShipError(`interrupted; ${describeFailure(error)}`, { exitCode: ExitCode.interrupted }) : error;
  } finally {
    const interrupted = abort.signal.aborted || (failure instanceof ShipError && failure.exitCode === ExitCode.interrupted);
    await settle(session, hosts, failure, interrupted);
    await source.dispose();
    if (options.hooks && started) await afterHook(output, failure, interrupted, hook);
    stopSignals();
  }
  if (session.dryRun) session.printPlans();
  if (failure !== undefined) throw failure;
  if (!rolledOut && rolloutOf(stage, options) && options.expectsRollout) {
    // A recipes/deploy.ts copied before batches existed runs phase 2 with hosts.each.
    output.notice(
      `${displayPath(file)} never calls hosts.rollout(), so rollout (or --batch) did nothing: every host switched at once; compare it with ship's built-in recipes/${name}.ts`,
    );
  }
  if (!session.dryRun) {
    const where = `${session.hosts.length} host${session.hosts.length === 1 ? '' : 's'} of ${stage.name}`;
    output.info(built ? `deployed release ${release.id} to ${where}` : `${recipe.name}: done on ${where}`);
  }
  return ExitCode.ok;
}

/** The stage's rollout with --batch on top; undefined (all hosts at once) when neither sets one. */
function rolloutOf(stage: Session['stage'], options: RunRecipeOptions): Rollout | undefined {
  if (options.batch === undefined) return stage.rollout;
  return { canary: stage.rollout?.canary ?? 0, pause: stage.rollout?.pause ?? 0, batch: options.batch };
}

/**
 * hooks.after on success, hooks.failed once a failed run is undone. Their own failure is told
 * and changes nothing: the deploy's outcome is what it was. Not cut short by the run's Ctrl-C
 * (the notification of an interrupted deploy is the point), only by a second one.
 */
async function afterHook(
  output: Session['output'],
  failure: unknown,
  interrupted: boolean,
  hook: (result: string, error?: string) => HookRun,
): Promise<void> {
  const run = failure === undefined ? hook('ok') : hook(interrupted ? 'interrupted' : 'failed', output.clean(describeFailure(failure)));
  try {
    await runHook(failure === undefined ? 'after' : 'failed', { ...run, signal: undefined });
  } catch (error) {
    output.notice(
      `${describeFailure(error)}; ${failure === undefined ? 'the run itself succeeded' : 'the run had failed already'} (exit code unchanged)`,
    );
  }
}

async function connectHosts(
  session: Session,
  connecting: Promise<PromiseSettledResult<Connection>[]>,
  release: ReleaseInfo,
  options: RunRecipeOptions,
  signal: AbortSignal,
): Promise<RemoteHost[]> {
  const results = await connecting;
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ host: session.hosts[i]!, error: r.reason as unknown }] : []));
  if (failures.length > 0) throw new PhaseError(failures);
  return results.map(
    (r, i) =>
      new RemoteHost(session.hosts[i]!, (r as PromiseFulfilledResult<Connection>).value, {
        stage: session.stage,
        output: session.output,
        release,
        dryRun: session.dryRun,
        signal,
        command: options.command,
        lockWait: options.lockWait ?? 0,
      }),
  );
}

/** First SIGINT/SIGTERM: abort and clean up. Second: leave at once. */
function trapSignals(abort: AbortController, notice: (text: string) => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      notice(`${signal} again: exiting without cleanup`);
      process.exit(ExitCode.interrupted);
    }
    notice(`${signal}: stopping; cleaning up (send it again to exit at once)`);
    abort.abort(new ShipError(`interrupted by ${signal}`, { exitCode: ExitCode.interrupted }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
