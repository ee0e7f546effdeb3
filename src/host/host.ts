/**
 * One host as a recipe sees it: the steps of a deploy as methods, each one or two remote
 * commands. Each step that changes the host records itself (host/applied.ts: release uploaded,
 * `current` switched, a health check failed) before it runs, so when the run fails the runner
 * undoes exactly what was applied, newest first (recipe/undo.ts).
 */
import type { Command } from '../remote/command.js';
import { JOB_BUSY, paths, release as rel, type Layout } from '../remote/release.js';
import { timersOf } from '../config/timers.js';
import { journal, systemctl as sys, type UnitAction } from '../remote/systemctl.js';
import { hasRole, rolesOf } from '../config/roles.js';
import type { Role, Stage, Timer } from '../config/types.js';
import { RemoteCommandError, ShipError } from '../errors.js';
import { lineSplitter, type Output } from '../output/output.js';
import type { Connection, RunOptions, RunResult } from '../transport/types.js';
import { localIdentity, type ReleaseInfo } from '../release/build.js';
import type { Gathering } from '../session/gathering.js';
import type { ReleaseUpload, UploadTarget } from '../release/upload.js';
import type { LockOrder } from './lock-order.js';
import { AppliedSteps } from './applied.js';
import { DeployLock } from './deploy-lock.js';
import { PlanConnection } from '../session/plan.js';
import { inStep } from '../session/plan-step.js';
import * as setup from './setup-steps.js';
import * as timerSteps from './timer-steps.js';
import { pushEnvFile } from './env-steps.js';
import { DEFAULT_CONFIRM_S, DEFAULT_HEALTH_TIMEOUT_S, firstAnswer, secondLook, untilActive, type UnitProbe } from './health.js';
import { parseInventory, planCleanup, releaseState, rollbackTarget, type Inventory } from './inventory.js';

export interface HostContext {
  stage: Stage;
  output: Output;
  /**
   * This run's release. None for work that deploys nothing and only keeps out of deploys' way
   * (ship certs renew, from cron): it takes no lock where the deploy path cannot be created (never
   * deployed to, so nothing to keep apart from), tells a wait for a deploy's lock in one debug
   * line instead of progress, and has no use for the release verbs (upload, switch, log).
   */
  release?: ReleaseInfo;
  dryRun: boolean;
  /** Aborted on SIGINT/SIGTERM: long steps stop, the runner cleans up. */
  signal: AbortSignal;
  /** The command's name (`ship deploy prod`), recorded in the lock; never its arguments. */
  command: string;
  /** --lock-wait: seconds to wait for another deploy's lock. */
  lockWait: number;
}

/** What a host and its views (undo, one step's) share: the record of applied steps and the lock. */
interface HostState {
  applied: AppliedSteps;
  lock: DeployLock;
}

/**
 * What one step of `hosts.each` gives each of its hosts (recipe/context.ts): where progress lines
 * go, the order in which the step's hosts lock, the hosts that upload together, and the list the
 * step's second looks go on (awaited at the step's end). Given when the step's view of the host
 * is made (RemoteHost.inStep), never set on a host from outside.
 */
export interface StepScope {
  progress: (text: string) => void;
  lockOrder: LockOrder;
  uploading: Gathering;
  confirmations: Array<Promise<void>>;
}

/**
 * The host as a recipe sees it: the verbs, and what a recipe may ask about it. The runner's
 * bookkeeping (the undo record, the connection, the step views) is not part of it.
 */
export type Host = Pick<
  RemoteHost,
  | 'name'
  | 'path'
  | 'roles'
  | 'hasRole'
  | 'status'
  | 'run'
  | 'lock'
  | 'unlock'
  | 'upload'
  | 'linkShared'
  | 'switchCurrent'
  | 'systemctl'
  | 'restart'
  | 'healthcheck'
  | 'journal'
  | 'inventory'
  | 'rollbackTarget'
  | 'cleanup'
  | 'logRelease'
  | 'runInRelease'
  | 'createDirectories'
  | 'installUnit'
  | 'removeUnit'
  | 'uploadEnvFile'
  | 'enableUnits'
  | 'installTimers'
  | 'startTimers'
  | 'setupSummary'
  | 'pushEnvFile'
>;

/**
 * The runner's view of a host after a failure or Ctrl-C (recipe/undo.ts settle/undo): only
 * what putting the host back needs, and commands that never carry the run's aborted signal.
 * Made by RemoteHost.undoView(); the recipe-facing methods (upload, lock, ...) are not in it.
 */
export type UndoView = Pick<
  RemoteHost,
  | 'name'
  | 'applied'
  | 'roles'
  | 'run'
  | 'journal'
  | 'switchCurrent'
  | 'restart'
  | 'healthcheck'
  | 'logRelease'
  | 'inventory'
  | 'removeReleases'
  | 'releaseLock'
>;

export class RemoteHost {
  /** The steps this run applied here, for the runner's undo. */
  readonly applied: AppliedSteps;
  private readonly layout: Layout;
  private readonly deployLock: DeployLock;

  constructor(
    readonly name: string,
    readonly connection: Connection,
    private readonly ctx: HostContext,
    shared?: HostState,
    /** Set for the view one step of hosts.each works with (inStep); undefined outside a step. */
    private readonly scope?: StepScope,
  ) {
    this.layout = { root: ctx.stage.path };
    this.applied = shared?.applied ?? new AppliedSteps();
    this.deployLock =
      shared?.lock ??
      new DeployLock(connection, name, paths.lock(this.layout), {
        user: localIdentity().user,
        command: ctx.command,
        stageName: ctx.stage.name,
      });
  }

  /**
   * The same host for the runner's undo and cleanup after a failure or Ctrl-C: same record of applied
   * steps and lock, but its commands ignore the run's (aborted) signal, so switching back, restarting and
   * releasing the lock run to their end. A second Ctrl-C still exits at once (runner.ts).
   */
  undoView(): UndoView {
    return new RemoteHost(this.name, this.connection, { ...this.ctx, signal: new AbortController().signal }, this.state());
  }

  /** The same host for one step of `hosts.each`: same record and lock, with the step's scope. */
  inStep(scope: StepScope): RemoteHost {
    return new RemoteHost(this.name, this.connection, this.ctx, this.state(), scope);
  }

  private state(): HostState {
    return { applied: this.applied, lock: this.deployLock };
  }

  /** This run's release, for the verbs that deploy one; work without one (certs renew) never calls them. */
  private get release(): ReleaseInfo {
    if (this.ctx.release) return this.ctx.release;
    throw new ShipError(`${this.name}: ${this.ctx.command} deploys no release, so it has none to upload, switch to or log`, {
      host: this.name,
    });
  }

  /** A progress line: to the step's listr2 task or prefixed line; outside a step, nowhere. */
  private progress(text: string): void {
    this.scope?.progress(text);
  }

  /** Show what this host is doing now: `host.status('write unit')` (for steps defined elsewhere, like setup-steps.ts). */
  status(text: string): void {
    this.progress(text);
  }

  /**
   * A step found nothing to change here: says why, as a progress line, and in a --dry-run plan as
   * a line under the step, so a plan shows every step and not only the ones that act.
   */
  nothingNeeded(reason: string): void {
    this.progress(reason);
    if (this.connection instanceof PlanConnection) this.connection.note(reason);
  }

  /** The run this host works for (stage, output, dry run), for steps defined elsewhere. */
  get context(): Readonly<HostContext> {
    return this.ctx;
  }

  /** Run any command on this host: `await host.run(['systemctl', 'status', 'nginx'])`. */
  async run(command: Command | readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const cmd: Command = Array.isArray(command) ? { argv: command as string[] } : (command as Command);
    return this.connection.run(cmd, { signal: this.ctx.signal, ...options });
  }

  /**
   * Take the deploy lock; fails fast naming the holder, or waits --lock-wait seconds. A lock
   * whose holder is provably dead (a ship of this machine that no longer runs) is broken with a
   * notice. Inside `hosts.each`, hosts take it one after another in a fixed order (see
   * host/lock-order.ts), so two deploys never hold part of the hosts each.
   */
  lock(): Promise<void> {
    return inStep('lock', () => this.takeLock());
  }

  private async takeLock(): Promise<void> {
    this.progress('lock');
    const deadline = Date.now() + this.ctx.lockWait * 1000;
    const deploying = this.ctx.release !== undefined;
    // A deploy creates its path (failing to is its error); work beside deploys takes a path this
    // user cannot create as never deployed to: there is no deploy to keep apart from.
    const prepared = await this.run(rel.prepare(this.layout), { allowFailure: !deploying });
    if (prepared.code !== 0) {
      this.ctx.output.debug(`no deploy lock taken: ${this.layout.root} does not exist and cannot be created`, this.name);
      return;
    }
    let told = false;
    const onWait = (holder: string) => {
      if (deploying) this.progress(`waiting for lock held by ${holder}`);
      else if (!told) this.ctx.output.debug(`waiting for the deploy lock held by ${holder}`, this.name);
      told = true;
    };
    const take = () =>
      this.deployLock.acquire({
        deadline,
        signal: this.ctx.signal,
        onWait,
        onBreak: (holder) => this.ctx.output.notice(`breaking a stale lock left by a dead process (${holder})`, this.name),
      });
    if (this.scope) await this.scope.lockOrder.inTurn(this.name, take);
    else await take();
  }

  /**
   * Release the lock if we hold it. A host this run has changed (a release uploaded, `current`
   * switched) keeps it until the run is over: another host can still fail, and the runner then
   * switches this one back too, which must not happen once another deploy holds the lock. The
   * runner releases it then, after undoing (releaseLock).
   */
  async unlock(): Promise<void> {
    if (this.applied.touchesReleases) return;
    await this.releaseLock();
  }

  /** Release the lock now, if we hold it (the runner, when the run is over). */
  async releaseLock(): Promise<void> {
    await inStep('unlock', () => this.deployLock.release());
  }

  /**
   * Put the release on this host as releases/<id>: only the content its current release does
   * not have travels (the rest is copied on the host), one stream for every host that needs the
   * same, hashed and extracted on the way, checked against the manifest before it is renamed
   * into place: `await host.upload(release)`.
   */
  async upload(release: ReleaseUpload): Promise<void> {
    const id = this.release.id;
    this.applied.record({ kind: 'upload', release: id });
    await inStep(`upload release ${id}`, () => release.upload(this.uploadTarget(), this.scope?.uploading, this.ctx.dryRun));
  }

  /** What the upload needs of this host: its name, deploy path, commands and progress. */
  uploadTarget(): UploadTarget {
    return {
      name: this.name,
      layout: this.layout,
      run: (command, options) => this.run(command, options),
      progress: (text) => this.progress(text),
      stallTimeout: this.ctx.stage.ssh.stallTimeout,
    };
  }

  /** Link every `shared` entry from shared/ into the new release. */
  async linkShared(): Promise<void> {
    if (this.ctx.stage.shared.length === 0) return;
    this.progress('link shared');
    await inStep('link shared', () => this.run(rel.linkShared(this.layout, this.release.id, this.ctx.stage.shared)));
  }

  /** Point `current` at a release atomically (default: this run's); remembers the previous one. */
  switchCurrent(id = this.release.id): Promise<void> {
    return inStep(`switch current -> ${id}`, () => this.switchTo(id));
  }

  private async switchTo(id: string): Promise<void> {
    this.progress(`switch current -> ${id}`);
    // Recorded before the switch: if the answer is lost (Ctrl-C, network), undo still knows.
    const from = this.applied.switched?.from ?? (await this.run(rel.readCurrent(this.layout), { readOnly: true })).stdout.trim();
    this.applied.record({ kind: 'switch', from, to: id });
    try {
      await this.run(rel.switchCurrent(this.layout, id));
    } catch (error) {
      if (error instanceof RemoteCommandError && error.code === JOB_BUSY) throw await this.jobsInTheWay(error);
      throw error;
    }
  }

  /** The switch waited for scheduled jobs in vain: name the ones running now. */
  private async jobsInTheWay(error: RemoteCommandError): Promise<ShipError> {
    const { stage } = this.ctx;
    const running: Timer[] = [];
    for (const timer of timersOf(stage, this.name)) {
      const state = await this.run(sys.isActive(`${timer.unit}.service`), { readOnly: true, allowFailure: true });
      if (['active', 'activating', 'deactivating'].includes(state.stdout.trim())) running.push(timer);
    }
    const which =
      running.length > 0
        ? `scheduled job ${running.map((t) => `${t.name} (${t.unit}.service)`).join(', ')} still runs`
        : 'a scheduled job still ran';
    const stop = running[0] ? `${running[0].unit}.service` : '<unit>-<name>.service';
    return new ShipError(
      `${this.name}: ${which} after 300 s, so current was not switched (a switch never moves current under a running job)`,
      {
        host: this.name,
        hint: `wait for it to end (ship timers ${stage.name}), or stop it: ship exec ${stage.name} --host ${this.name} -- sudo systemctl stop ${stop}`,
        cause: error,
      },
    );
  }

  /** `sudo systemctl <action> <unit>`: `await host.systemctl('restart', stage.unit)`. */
  systemctl(action: UnitAction, unit: string): Promise<void> {
    return inStep(`systemctl ${action} ${unit}`, () => this.unitAction(action, unit));
  }

  private async unitAction(action: UnitAction, unit: string): Promise<void> {
    this.progress(`systemctl ${action} ${unit}`);
    if (action === 'restart' || action === 'start') {
      // A release that crash-looped (Restart=on-failure) has used up systemd's start limit, 5
      // starts in 10 s by default; the restart that brings the previous release back would
      // then be refused ("Start request repeated too quickly") and leave the host down.
      await this.run(sys.resetFailed(unit), { allowFailure: true });
    }
    await this.run(sys.action(action, unit));
  }

  /**
   * Wait until the app is healthy: GET health.url from the host's side until it answers 2xx/3xx
   * or health.timeout passes; without `health`, until systemd calls the unit active. Then, after
   * health.confirm seconds (default 1.5, 0 = never), a second look: still answering, and not
   * restarted meanwhile. Inside `hosts.each` the second look runs while the step goes on, and the
   * step ends when it is done. With no argument, every role of this host is checked, each by its
   * own health check (a stage without roles: the stage's). Throws when unhealthy (the runner then
   * rolls back).
   */
  async healthcheck(health?: Stage['health']): Promise<void> {
    if (this.ctx.dryRun) {
      this.progress('health check (skipped in dry run)');
      if (this.connection instanceof PlanConnection)
        await inStep('health check', async () => (this.connection as PlanConnection).note('not run in a dry run'));
      return;
    }
    if (health !== undefined) return this.checkUnit(this.ctx.stage.unit, health);
    // Side by side, and every check runs to its end, so a failure names every unhealthy unit.
    const results = await Promise.allSettled(this.roles.map((role) => this.checkUnit(role.unit, role.health)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async checkUnit(unitName: string, health: Stage['health']): Promise<void> {
    const unit = async (): Promise<UnitProbe> => {
      const [state = '', invocation = ''] = (await this.run(sys.probe(unitName), { allowFailure: true, readOnly: true })).stdout.split(
        '\n',
      );
      return { state: state.trim(), invocation: invocation.trim() };
    };
    const fail = (why: string): never => {
      this.applied.record({ kind: 'health-failed' });
      throw new ShipError(`${this.name}: health check failed: ${why}`, { host: this.name });
    };
    const options = { signal: this.ctx.signal, progress: (t: string) => this.progress(t), unit };
    if (health) {
      this.progress(`health ${health.url}`);
      const result = await firstAnswer(this.connection, health.url, health.timeout, options);
      if (!result.ok)
        fail(`${health.url} (${result.last})${result.last.endsWith('the unit has failed') ? '' : ` after ${health.timeout}s`}`);
    } else {
      this.progress(`is-active ${unitName}`);
      const state = await untilActive(unit, DEFAULT_HEALTH_TIMEOUT_S, this.ctx.signal);
      if (state !== 'active') fail(`unit ${unitName} is ${state || 'not active'} after restart`);
    }
    const confirm = health?.confirm ?? DEFAULT_CONFIRM_S;
    if (confirm === 0) return;
    const since = await unit();
    const look = secondLook(this.connection, health?.url, confirm, since, options).then((why) => {
      if (why !== undefined) fail(why);
    });
    // Inside hosts.each the second look runs alongside the next steps, awaited at the step's end.
    if (this.scope) {
      look.catch(() => {});
      this.scope.confirmations.push(look);
    } else await look;
  }

  /** The last lines of a unit's journal (default: the stage's unit), printed when a deploy fails here. */
  async journal(lines = 30, unit = this.ctx.stage.unit): Promise<string> {
    const result = await this.connection.run(journal.recent(unit, lines), { allowFailure: true, readOnly: true });
    return result.stdout;
  }

  /** Releases, current and the release log, read in one round trip. */
  async inventory(): Promise<Inventory> {
    const result = await this.connection.run(rel.inventory(this.layout), { readOnly: true });
    return parseInventory(result.stdout);
  }

  /**
   * The release to roll back to: `named` if given (it must exist and not have failed), else the
   * newest good release older than current. Throws when there is none.
   */
  async rollbackTarget(named?: string): Promise<string> {
    // An offline plan (--dry-run --offline) assumes a host with no releases: a named release is
    // taken as there, and without one there is nothing it could plan (README, "Dry run").
    if (this.connection instanceof PlanConnection && this.connection.offline) {
      if (named !== undefined) return named;
      throw new ShipError(`${this.name}: an offline plan assumes a host with no releases, so there is nothing to roll back to`, {
        host: this.name,
        hint: `name the release to plan (ship rollback ${this.ctx.stage.name} <release> --dry-run --offline), or plan against the hosts without --offline`,
      });
    }
    const inv = await this.inventory();
    if (named !== undefined) {
      if (!inv.releases.some((r) => r.id === named)) {
        throw new ShipError(`${this.name}: no release ${named}`, {
          host: this.name,
          hint: `list them with: ship releases ${this.ctx.stage.name}`,
        });
      }
      if (releaseState(inv, named) === 'failed')
        throw new ShipError(`${this.name}: release ${named} failed its deploy; refusing to roll back to it`, { host: this.name });
      return named;
    }
    const target = rollbackTarget(inv);
    if (!target) {
      throw new ShipError(`${this.name}: nothing to roll back to (current: ${inv.current || 'none'}, no earlier good release)`, {
        host: this.name,
        hint: `list releases with: ship releases ${this.ctx.stage.name}`,
      });
    }
    return target;
  }

  /**
   * Keep `keep` good releases; never remove `current` or the release a rollback would use;
   * remove failed releases and leftovers of interrupted deploys.
   */
  cleanup(keep = this.ctx.stage.keep): Promise<void> {
    return inStep('cleanup', () => this.removeOld(keep));
  }

  private async removeOld(keep: number): Promise<void> {
    this.progress('cleanup');
    const doomed = planCleanup(await this.inventory(), keep);
    const commands = [
      ...(doomed.releases.length > 0 ? [rel.remove(this.layout, doomed.releases)] : []),
      ...(doomed.leftovers.length > 0 ? [rel.removeLeftovers(this.layout, doomed.leftovers)] : []),
    ];
    if (commands.length === 0) return this.nothingNeeded(`nothing old to remove; keep is ${keep}`);
    const problems: string[] = [];
    for (const command of commands) {
      try {
        await this.run(command);
      } catch (error) {
        // An old release someone changed by hand (a file only root may remove, say) must not undo
        // a healthy deploy, nor every later one: what is left keeps its .removing- name, never
        // looks like a release, and the next cleanup tries again.
        if (!(error instanceof RemoteCommandError)) throw error;
        problems.push(error.stderr.trim().split('\n')[0] ?? '');
      }
    }
    if (problems.length > 0) {
      const why = problems.join('; ');
      this.ctx.output.notice(
        `cleanup could not remove every old release (${why}); this deploy stands, the next cleanup tries again: remove what is left in ${this.layout.root}/releases by hand if it keeps failing`,
        this.name,
      );
    }
  }

  /** Append this run's outcome to .ship/releases.log: who, when, which release, commit, result. */
  async logRelease(
    result: 'ok' | 'failed' | 'interrupted' | 'rollback' | 'rollback-failed',
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const { release } = this;
    await inStep(`log release ${result}`, () =>
      this.connection.run(
        rel.log(this.layout, {
          time: new Date().toISOString(),
          release: release.id,
          result,
          user: release.user,
          origin: release.origin,
          ...(release.commit ? { commit: release.commit } : {}),
          ...extra,
        }),
      ),
    );
  }

  /** Remove releases by id (used by the runner to drop a half-built or failed release). */
  async removeReleases(ids: string[]): Promise<void> {
    if (ids.length > 0) await inStep('remove releases', () => this.connection.run(rel.remove(this.layout, ids)));
  }

  get path(): string {
    return this.layout.root;
  }

  /** The roles this host carries (hosts.ts `roles`); a host without roles: the stage's own unit, as role `app`. */
  get roles(): Role[] {
    return rolesOf(this.ctx.stage, this.name);
  }

  /** Whether this host carries a role: `if (host.hasRole('worker')) ...`. */
  hasRole(role: string): boolean {
    return hasRole(this.ctx.stage, this.name, role);
  }

  /**
   * Restart the unit of every role of this host (without roles: `stage.unit`), each after a
   * `reset-failed` (see systemctl): `await host.restart()`. They share `current`, so all of them
   * run the release it points at.
   */
  async restart(): Promise<void> {
    for (const role of this.roles) await this.systemctl('restart', role.unit);
  }

  /**
   * Run a command in this run's release directory (releases/<id>) before anything is live, with
   * the service's environment and SHIP_STAGE, SHIP_RELEASE; its output is shown line by line:
   * `await host.runInRelease(['bin/migrate'])`. For run-once steps (`hosts.once`).
   */
  async runInRelease(argv: readonly string[]): Promise<void> {
    const { stage, output } = this.ctx;
    const { release } = this;
    const dir = paths.release(this.layout, release.id);
    this.progress(`run in releases/${release.id}: ${argv.join(' ')}`);
    const out = lineSplitter((line) => output.hostLine(this.name, 'stdout', line));
    const err = lineSplitter((line) => output.hostLine(this.name, 'stderr', line));
    try {
      await inStep(`run in releases/${release.id}`, () =>
        this.run(
          { argv, cwd: dir, env: { ...stage.service?.env, SHIP_STAGE: stage.name, SHIP_RELEASE: release.id } },
          {
            onStdout: (text) => out.push(text),
            onStderr: (text) => err.push(text),
          },
        ),
      );
    } finally {
      out.flush();
      err.flush();
    }
  }

  // The steps of `ship setup` (setup-steps.ts), so recipes/setup.ts reads like the deploy recipe.

  /** Create `<path>`, `releases/`, `shared/` and `.ship/` owned by service.user (sudo): `await host.createDirectories()`. */
  createDirectories(): Promise<void> {
    return inStep('create directories', () => setup.createDirectories(this));
  }

  /**
   * Render recipes/templates/<template> and install it as /etc/systemd/system/<unit>.<type>, for
   * the stage's own unit or a role's (its unit and service): `await host.installUnit('app.service', role)`.
   */
  installUnit(template: string, role?: Role): Promise<void> {
    return inStep(`install ${template}${role ? ` (${role.unit})` : ''}`, () => setup.installUnit(this, template, role));
  }

  /** Stop and remove the unit a template wrote in an earlier setup, if ship wrote it: `await host.removeUnit('app.socket', role)`. */
  removeUnit(template: string, role?: Role): Promise<void> {
    return inStep(`remove ${template}${role ? ` (${role.unit})` : ''}`, () => setup.removeUnit(this, template, role));
  }

  /** Upload service.envFile to `shared/.env`, mode 0600, owned by service.user; values never printed: `await host.uploadEnvFile()`. */
  uploadEnvFile(): Promise<void> {
    return inStep('upload env file', () => setup.uploadEnvFile(this));
  }

  /** `daemon-reload` when a unit changed, `enable` what is not enabled yet: `await host.enableUnits()`. */
  enableUnits(): Promise<void> {
    return inStep('enable units', () => setup.enableUnits(this));
  }

  /**
   * The scheduled jobs (hosts.ts `timers`) this host runs: each `<unit>-<name>.service` and
   * `.timer` from recipes/templates/job.service and job.timer, checked with systemd-analyze
   * calendar; the timers ship wrote that it should no longer run are removed: `await host.installTimers()`.
   */
  installTimers(): Promise<void> {
    return inStep('install timers', () => timerSteps.installTimers(this));
  }

  /** Start the timers that are not running yet (after enableUnits): `await host.startTimers()`. */
  startTimers(): Promise<void> {
    return inStep('start timers', () => timerSteps.startTimers(this));
  }

  /**
   * Write service.envFile as shared/.env (0600, as service.user), keeping the old one as
   * shared/.env.previous, which a failed run puts back (and restarts): `if (await host.pushEnvFile()) await host.restart()`.
   * False, and nothing changed, when the host has this file already.
   */
  pushEnvFile(): Promise<boolean> {
    return inStep('push env file', () => pushEnvFile(this));
  }

  /** What setup changed here, in one line: `log(\`${host.name}: ${host.setupSummary()}\`)`. */
  setupSummary(): string {
    return setup.setupSummary(this);
  }
}
