/**
 * One run of a command against one stage: the stage's config, the hosts chosen (--host), the
 * output, and one SSH connection per host, opened on first use and reused for everything.
 * With --dry-run the same code runs against PlanConnections that record instead of change.
 */
import { connect } from '../transport/ssh.js';
import type { Connection, ConnectOptions } from '../transport/types.js';
import { hasRole, stageRoles } from '../config/roles.js';
import type { Stage } from '../config/types.js';
import type { Output } from '../output/output.js';
import { splitHostSpec } from '../config/host-spec.js';
import { ConfigError } from '../errors.js';
import { PlanConnection, planEvent, printPlans } from './plan.js';
import { Limiter } from './limiter.js';
import { recordSteps } from './plan-step.js';
import { askHidden } from './prompt.js';
import { SudoRuleConnection } from './sudo-rule.js';

export interface SessionOptions {
  dryRun: boolean;
  /** --offline (with --dry-run): plan without asking any host; nothing is connected to. */
  offline?: boolean;
  /** --full (with --dry-run): plans print the body of every script. */
  full?: boolean;
  /** --host values: names as written in hosts.ts (or their host part). */
  hostFilter: string[];
  /** --role values: only hosts that carry one of these roles. */
  roleFilter?: string[];
}

/**
 * SSH handshakes in flight at once. sshd drops unauthenticated connections beyond MaxStartups
 * (10 by default), which bites when many hosts are reached through one jump host; past that,
 * opening more at once only makes each slower.
 */
const CONNECTING_AT_ONCE = 8;

export class Session {
  readonly hosts: string[];
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly connecting = new Limiter(CONNECTING_AT_ONCE);
  readonly plans = new Map<string, PlanConnection>();

  constructor(
    readonly stage: Stage,
    readonly output: Output,
    readonly options: SessionOptions,
  ) {
    this.hosts = selectRoles(stage, selectHosts(stage, options.hostFilter), options.roleFilter ?? []);
    output.setHosts(this.hosts);
  }

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  get offline(): boolean {
    return this.options.offline === true;
  }

  connectOptions(): ConnectOptions {
    return {
      sshConfigFile: this.stage.ssh.config,
      connectTimeoutMs: this.stage.ssh.connectTimeout * 1000,
      commandTimeout: this.stage.ssh.commandTimeout,
      askPassphrase: process.stdin.isTTY && this.output.mode !== 'json' ? (file) => askHidden(`passphrase for ${file}: `) : undefined,
      onNotice: (message) => this.output.notice(message),
    };
  }

  /** The live connection to a host (connecting on first use). */
  async real(host: string): Promise<Connection> {
    // Commands that only read (doctor, releases, status, verify) have no plan to print.
    if (this.offline)
      throw new ConfigError(
        `--offline: this command needs ${host} itself, and --offline connects to no host`,
        'drop --offline: only deploy, rollback, setup, run, exec, logs and certs renew plan offline',
      );
    let pending = this.connections.get(host);
    if (!pending) {
      pending = this.connecting
        .run(() => connect(host, this.connectOptions()))
        .then((live): Connection => new SudoRuleConnection(live, this.stage.sudo));
      // A failed connect is not cached as a rejected promise forever; the caller reports it.
      pending.catch(() => this.connections.delete(host));
      this.connections.set(host, pending);
    }
    return pending;
  }

  /** What commands go through: the live connection, or under --dry-run a recorder over it. */
  async connection(host: string): Promise<Connection> {
    if (!this.dryRun) return this.real(host);
    let plan = this.plans.get(host);
    if (!plan) {
      recordSteps();
      plan = new PlanConnection(host, this.offline ? undefined : () => this.real(host), this.stage.sudo);
      this.plans.set(host, plan);
    }
    return plan;
  }

  /** Print what every host would have run (--dry-run): per host, step by step. */
  printPlans(): void {
    const full = this.options.full === true;
    // --json: one `plan` event per host rather than a `message` per printed line.
    if (this.output.mode === 'json') for (const [host, plan] of this.plans) this.output.event('plan', planEvent(host, plan, { full }));
    else printPlans(this.plans, (line) => this.output.info(line), { full });
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => {})));
  }
}

function selectHosts(stage: Stage, filter: string[]): string[] {
  if (filter.length === 0) return stage.hosts;
  const chosen: string[] = [];
  for (const wanted of filter) {
    const match = stage.hosts.filter((h) => h === wanted || hostPart(h) === wanted);
    if (match.length === 0) {
      throw new ConfigError(
        `--host ${wanted}: not a host of stage "${stage.name}" in ${stage.configFile}`,
        `hosts of ${stage.name}: ${stage.hosts.join(', ')}`,
      );
    }
    for (const h of match) if (!chosen.includes(h)) chosen.push(h);
  }
  return chosen;
}

function selectRoles(stage: Stage, hosts: string[], roles: string[]): string[] {
  if (roles.length === 0) return hosts;
  const defined = Object.keys(stageRoles(stage));
  for (const role of roles) {
    if (!defined.includes(role))
      throw new ConfigError(
        `--role ${role}: not a role of stage "${stage.name}" in ${stage.configFile}`,
        `roles of ${stage.name}: ${defined.join(', ')}`,
      );
  }
  const chosen = hosts.filter((h) => roles.some((role) => hasRole(stage, h, role)));
  if (chosen.length === 0)
    throw new ConfigError(
      `--role ${roles.join(', ')}: no host${hosts.length < stage.hosts.length ? ' chosen with --host' : ''} of stage "${stage.name}" carries ${roles.length === 1 ? 'it' : 'them'}`,
    );
  return chosen;
}

/** `deploy@web1:2222` -> `web1`, so `--host web1` works without the user and port. */
function hostPart(spec: string): string {
  const split = splitHostSpec(spec);
  return 'problem' in split ? spec : split.spec.host;
}
