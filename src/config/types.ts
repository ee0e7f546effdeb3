/**
 * The shape of hosts.ts, written out by hand rather than inferred from the zod schema so that
 * editors show these docs on hover and dist/index.d.ts stays readable. schema.ts checks at
 * compile time that the two agree.
 */
import type { Service } from '../systemd/service.js';

/** How a release is built, on the machine that runs ship. */
export interface BuildInput {
  /** The build command as argv (no shell), run in the hosts.ts directory: `['npm', 'run', 'build']`. */
  run: string[];
  /** Directory whose contents become the release, relative to hosts.ts: `'dist'`. */
  dir: string;
  /** Extra environment variables for the build command: `{ NODE_ENV: 'production' }`. */
  env?: Record<string, string>;
}

/** The systemd service `ship setup` writes and `ship deploy` restarts. */
export interface ServiceInput {
  /** Command line of the service, run in `<path>/current`: `'node server.js'`. */
  exec: string;
  /** Unix user the service runs as: `'deploy'`. */
  user: string;
  /** Unix group the service runs as; the user's primary group when left out. */
  group?: string;
  /** Environment variables set in the unit: `{ PORT: '4000' }`. Put secrets in `envFile`. */
  env?: Record<string, string>;
  /**
   * The env file, uploaded to `shared/.env` on every host, mode 0600: a local file (relative to
   * hosts.ts), `'.env.prod'`, or a command as argv (no shell) run in the hosts.ts directory whose
   * stdout is the file, `['sops', '-d', 'prod.env']`; its output is never printed nor written here.
   */
  envFile?: string | string[];
  /** TCP port for systemd socket activation, so a restart drops no connection. */
  socket?: number;
}

/** How ship connects. Everything else (keys, users, jump hosts) comes from ssh config. */
export interface SshInput {
  /** ssh_config file to read instead of `~/.ssh/config` (like `ssh -F`), relative to hosts.ts. */
  config?: string;
  /** Seconds to wait for a connection before giving up. Default 10. */
  connectTimeout?: number;
  /**
   * Seconds any remote command may run before ship stops it (TERM, channel closed) and fails
   * the host. Default 600. Not for `ship logs -f` (it follows until Ctrl-C); `ship exec` takes
   * `--timeout` for one run; a command fed a stream counts from the end of its input, and how
   * fast a host takes the release stream is watched by `stallTimeout`.
   */
  commandTimeout?: number;
  /**
   * Seconds a host may take none of the release stream before it is dropped from the upload
   * (it fails; the other hosts go on). Default 60.
   */
  stallTimeout?: number;
}

/** Checked after every restart; a failure rolls the deploy back. */
export interface HealthInput {
  /** http:// URL fetched from the host's side, so it can stay on loopback: `'http://127.0.0.1:4000/health'`. */
  url: string;
  /** Seconds to keep trying until the URL answers 2xx. Default 30. */
  timeout?: number;
  /**
   * Seconds after the first good answer to look again, which catches an app that answers once
   * and then dies. It runs alongside the rest of the deploy, so it costs its length once. Default
   * 1.5; 0 turns it off.
   */
  confirm?: number;
}

/**
 * DNS-01 through RFC 2136 dynamic updates signed with a TSIG key: for wildcard names and for
 * hosts the CA cannot reach on port 80. ship sends the updates itself (no `nsupdate` needed).
 */
export interface CertsDnsInput {
  /** The DNS server that takes dynamic updates for the zone (usually the primary): `'ns1.example.com'`, `'192.0.2.53:53'`. */
  server: string;
  /** The zone the names are in, where `_acme-challenge` TXT records are added: `'example.com'`. */
  zone: string;
  /** Local TSIG key file in BIND's format (`tsig-keygen -a hmac-sha256 NAME`), relative to hosts.ts. Keep it out of git. */
  keyFile: string;
  /** Seconds to wait until every authoritative server of the zone answers the record. Default 120. */
  timeout?: number;
}

/** Let's Encrypt (or any ACME CA) certificates, renewed by `ship certs renew` from cron. */
export interface CertsInput {
  /**
   * Names on the certificate; the first one names its files: `['hello.example.com']`. A wildcard
   * (`'*.example.com'`) needs `dns`; an IP address (`'192.0.2.10'`) is validated over HTTP-01 on
   * that address (Let's Encrypt issues those only under the `shortlived` profile).
   */
  domains: string[];
  /** Contact address for the ACME account. CAs no longer mail expiry warnings: monitor with `ship certs status`. */
  email: string;
  /** Absolute directory on the hosts served at `/.well-known/acme-challenge/` over port 80 (HTTP-01). Not needed when `dns` answers every name. */
  webroot: string;
  /** `'letsencrypt'` (default), `'letsencrypt-staging'` for trials, or an https:// ACME directory URL. */
  directory?: string;
  /** The CA's certificate profile, one of those its directory offers: Let's Encrypt has `'classic'` (default), `'tlsserver'` and `'shortlived'` (160 hours). */
  profile?: string;
  /** Answer DNS-01 for every DNS name instead of HTTP-01 (IP addresses still use HTTP-01). */
  dns?: CertsDnsInput;
  /** systemd unit reloaded after a new certificate is installed: `'nginx'`. */
  reload?: string;
  /** Where the private key (0600) goes on the hosts. Default `/etc/ship/certs/<first name>/privkey.pem` (a wildcard without its `*.`). */
  keyPath?: string;
  /** Where the full chain goes on the hosts. Default `/etc/ship/certs/<first name>/fullchain.pem`. */
  certPath?: string;
  /** Key algorithm. Default `'ecdsa-p256'`. */
  keyType?: 'ecdsa-p256' | 'rsa-2048';
}

/**
 * A role: what the hosts that carry it run. Each role has its own systemd unit, health check and
 * service settings; `ship setup` writes the unit on the hosts of the role, and a deploy restarts
 * it there. The stage's own `unit`, `health` and `service` are the role `app`, which every host
 * without `roles` carries.
 */
export interface RoleInput {
  /** systemd unit of this role: `'hello-worker'`. Default `<app>-<role>`. */
  unit?: string;
  /** Checked after each restart of this role's unit. Not inherited from the stage: without it, `systemctl is-active`. */
  health?: Partial<HealthInput>;
  /**
   * The unit's service settings: the stage's `service`, with these fields on top (each field
   * replaces the stage's, `env` included); `socket` is never inherited: `{ exec: 'node worker.js' }`.
   */
  service?: Partial<ServiceInput>;
  /** Scheduled jobs of this role's hosts, by name, each its own `<unit>-<name>.timer`: `{ backup: { run: ['bin/backup'], on: 'daily', once: true } }`. */
  timers?: Record<string, TimerInput>;
}

/**
 * A scheduled job: a systemd timer and the service it starts, written by `ship setup`. The job
 * runs in `<path>/current` as `service.user` with the env file, never while a deploy switches
 * `current` on that host (see the README's "Scheduled jobs").
 */
export interface TimerInput {
  /** The command as argv (no shell), run in `<path>/current`: `['bin/backup']`. */
  run: string[];
  /** When, as systemd's OnCalendar= reads it: `'daily'`, `'*-*-* *:00/15'`, `'Mon 03:00'`. Checked with `systemd-analyze calendar` at setup. */
  on: string;
  /** Run on one host of the stage only (the first, in hosts.ts order, that has the timer), not on each. Default false. */
  once?: boolean;
}

/** A host with roles, written as an object in `hosts`: `{ host: 'deploy@work1', roles: ['worker'] }`. */
export interface HostInput {
  /** `user@host[:port]`, `[ipv6]:port` or an `~/.ssh/config` alias, as in a plain entry. */
  host: string;
  /** The roles it carries: `'app'` (the stage's own unit) or names from `roles`. Default `['app']`. */
  roles?: string[];
}

/**
 * Rolling deploys: phase 2 (switch, restart, health check) runs batch by batch instead of on all
 * hosts at once; each batch must be healthy before the next starts. Phase 1 (upload) still runs
 * on every host first, and a failure in any batch puts every host of the run back.
 */
export interface RolloutInput {
  /** Hosts of a first batch of their own, before all others: `1`. Default: none. */
  canary?: number;
  /** Hosts per batch, a number or a share of the stage's hosts: `2` or `'25%'`. Default: all at once. */
  batch?: number | string;
  /** Seconds to wait between batches. Default 0. */
  pause?: number;
}

/**
 * Commands run on this machine (argv, no shell) around `ship deploy` and `ship rollback`, with
 * SHIP_STAGE, SHIP_RELEASE, SHIP_COMMIT, SHIP_HOSTS and SHIP_RESULT in their environment:
 * enough for a curl to a chat webhook.
 */
export interface HooksInput {
  /** Before anything happens on a host; a failure stops the deploy. */
  before?: string[];
  /** After a successful run; a failure is reported and does not change the exit code. */
  after?: string[];
  /** After a failed or interrupted run, once it is undone; a failure is reported only. */
  failed?: string[];
}

/**
 * Settings a stage takes. Each may also be set at the top level of hosts.ts as a default for
 * every stage; a stage's value wins, and `build`, `service`, `ssh`, `health` and `certs` merge
 * field by field. Required fields (like `path`) must be set in one of the two places.
 */
export interface StageSettings {
  /** Absolute directory on the hosts holding `releases/`, `shared/` and `current`: `'/srv/hello'`. */
  path?: string;
  /** systemd unit restarted after the switch. Default: the app name. */
  unit?: string;
  /** Releases kept per host, the current one included. Default 5. */
  keep?: number;
  /** Files and directories (trailing `/`) under `shared/`, linked into every release: `['.env', 'uploads/']`. */
  shared?: string[];
  /** Health check after every restart; a failure rolls back. */
  health?: Partial<HealthInput>;
  /** Certificates for this stage's hosts. */
  certs?: Partial<CertsInput>;
  /** Whether privileged steps (systemctl, writing the unit) run through `sudo -n`. Default true. */
  sudo?: boolean;
  /** Build settings; a stage may override single fields such as `env`. */
  build?: Partial<BuildInput>;
  /** Service settings; a stage may override single fields such as `env`. */
  service?: Partial<ServiceInput>;
  /** Connection settings. */
  ssh?: SshInput;
  /** Roles hosts may carry, by name (`worker`), each with its own unit, health check and service. */
  roles?: Record<string, RoleInput>;
  /** Deploy and roll back in batches: `{ canary: 1, batch: '25%', pause: 5 }`. Default: all hosts at once. */
  rollout?: RolloutInput;
  /**
   * A command (argv) the built-in deploy runs on one host, in the new release's directory, after
   * every host has the release and before any host switches: `['bin/migrate']`. A failure stops
   * the deploy with nothing live.
   */
  migrate?: string[];
  /** Local commands around deploys and rollbacks, for notifications. */
  hooks?: HooksInput;
  /** Refuse to deploy from a working tree with uncommitted changes (`--ref` and `--artifact` are still allowed). Default false. */
  requireClean?: boolean;
  /**
   * Scheduled jobs on every host of the stage, by name, each its own `<unit>-<name>.timer`:
   * `{ 'purge-sessions': { run: ['bin/purge'], on: '*-*-* *:00/15' } }`. A stage's timers and the
   * top level's are merged by name (the stage's win).
   */
  timers?: Record<string, TimerInput>;
}

/** One deploy target: a set of hosts and where the app lives on them. */
export interface StageInput extends StageSettings {
  /**
   * `user@host[:port]`, `[ipv6]:port` or an `~/.ssh/config` alias, or an object naming the host's
   * roles: `['deploy@web1.example.com', 'web2', { host: 'work1', roles: ['worker'] }]`.
   */
  hosts: Array<string | HostInput>;
}

/** The default export of hosts.ts: `export default defineHosts({ ... })`. */
export interface HostsInput extends StageSettings {
  /** Short name of the app; names directories, the unit and the lock: `'hello'`. */
  app: string;
  /** Deploy targets by name, as typed in `ship deploy <stage>`: `{ prod: { ... }, staging: { ... } }`. */
  stages: Record<string, StageInput>;
}

/** A stage with the top-level settings merged in, defaults filled and local paths made absolute. */
export interface Stage {
  /** The stage's name, as in `ship deploy <name>`. */
  name: string;
  app: string;
  /** Host specs exactly as written (the `host` of an object entry); see parseHostSpec. */
  hosts: string[];
  /**
   * Roles by name, `app` (the stage's own unit, health and service) included; only set when
   * hosts.ts has `roles` or a host with `roles`. Read through rolesOf().
   */
  roles?: Record<string, Role>;
  /** Roles of each host spec; a host missing here carries `app` only. */
  hostRoles?: Record<string, readonly string[]>;
  rollout?: { canary: number /** A number of hosts, or a share such as '25%'. */; batch?: number | string; pause: number };
  migrate?: string[];
  hooks?: { before?: string[]; after?: string[]; failed?: string[] };
  requireClean?: boolean;
  /** Scheduled jobs, the stage's and its roles', in hosts.ts order; read through config/timers.ts. */
  timers?: Timer[];
  path: string;
  unit: string;
  keep: number;
  shared: string[];
  sudo: boolean;
  health?: { url: string; timeout: number; confirm: number };
  certs?: ResolvedCerts;
  build?: { run: string[] /** Absolute. */; dir: string; env: Record<string, string> };
  service?: Service;
  ssh: { /** Absolute local path. */ config?: string; connectTimeout: number; commandTimeout: number; stallTimeout: number };
  /** Absolute path of the hosts.ts this stage came from, and its directory. */
  configFile: string;
  configDir: string;
}

/** One role as a deploy uses it: the unit to restart and check, and what setup writes into it. */
export interface Role {
  name: string;
  unit: string;
  health?: { url: string; timeout: number; confirm: number };
  service?: Service;
}

/** One scheduled job as setup writes it. */
export interface Timer {
  name: string;
  run: string[];
  on: string;
  once: boolean;
  /** The role whose hosts run it; undefined for a stage's timer, which every host runs. */
  role?: string;
  /** Its units' name without the type: `<unit>-<name>` (hello-backup.timer, hello-backup.service). */
  unit: string;
  /** Where it is written in hosts.ts, for messages: `stages.prod.timers.backup`. */
  field: string;
}

export interface ResolvedCerts {
  /** Lowercased, IPv6 addresses in their short form: ACME compares names that way, and the first one names files. */
  domains: string[];
  email: string;
  /** Set when some name is answered over HTTP-01 (no `dns`, or an IP address). */
  webroot?: string;
  /** As written: 'letsencrypt', 'letsencrypt-staging' or a URL. */
  directory: string;
  directoryUrl: string;
  profile?: string;
  dns?: ResolvedDns;
  reload?: string;
  keyPath: string;
  certPath: string;
  keyType: 'ecdsa-p256' | 'rsa-2048';
}

export interface ResolvedDns {
  server: string;
  /** Lowercased, without a trailing dot. */
  zone: string;
  /** Absolute local path. */
  keyFile: string;
  timeout: number;
}
