import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { HostsConfig } from './schema.js';
import { canonicalName, fileStem } from './cert-names.js';
import { needsWebroot } from './certs-rules.js';
import { ACME_DIRECTORIES } from './rules.js';
import { closest } from './suggest.js';
import { resolveTimers } from './timers.js';
import type { CertsInput, HostInput, ResolvedCerts, Role, RoleInput, ServiceInput, Stage, StageSettings } from './types.js';

const DEFAULTS = {
  keep: 5,
  sudo: true,
  healthTimeout: 30,
  healthConfirm: 1.5,
  connectTimeout: 10,
  commandTimeout: 600,
  stallTimeout: 60,
  certDir: '/etc/ship/certs',
  dnsTimeout: 120,
} as const;

/** hosts.ts as loaded and validated (config/load.ts), the input of resolution. */
export interface LoadedConfig {
  /** Absolute path of hosts.ts. */
  file: string;
  /** Its directory: relative local paths in hosts.ts are relative to this. */
  dir: string;
  config: HostsConfig;
}

/**
 * One stage as the rest of ship uses it: top-level settings with the stage's on top (the stage
 * wins; sections merge field by field), defaults filled, local paths absolute.
 */
export function resolveStage(loaded: LoadedConfig, name: string): Stage {
  const { config } = loaded;
  // hasOwn, not `in`: a stage called "constructor" on the command line must not find Object's.
  const own = Object.hasOwn(config.stages, name) ? config.stages[name] : undefined;
  if (own === undefined) throw unknownStage(loaded, name);
  const pick = <K extends keyof StageSettings>(key: K): StageSettings[K] => own[key] ?? config[key];
  const merged = <K extends 'build' | 'service' | 'ssh' | 'health' | 'certs' | 'rollout' | 'hooks'>(key: K) =>
    config[key] === undefined && own[key] === undefined ? undefined : { ...config[key], ...own[key] };
  const local = (path: string | undefined) => (path === undefined ? undefined : localPath(loaded.dir, path));
  const at = (field: string) => `stages.${name}.${field}`;

  const build = merged('build');
  const service = merged('service');
  const ssh = merged('ssh');
  const healthIn = merged('health');
  const certs = merged('certs');
  const rollout = merged('rollout');
  const hooks = merged('hooks');
  const resolvedService = service && resolveService(service, at('service'), loaded);
  const unit = pick('unit') ?? config.app;
  const health = healthIn && {
    url: required(healthIn.url, at('health.url'), loaded),
    timeout: healthIn.timeout ?? DEFAULTS.healthTimeout,
    confirm: healthIn.confirm ?? DEFAULTS.healthConfirm,
  };
  const stage: Stage = {
    name,
    app: config.app,
    hosts: own.hosts.map(specOf),
    ...resolveRoles(own.hosts, { ...config.roles, ...own.roles }, { app: config.app, unit, health, service, resolvedService, at, loaded }),
    ...(rollout && { rollout: { canary: rollout.canary ?? 0, batch: rollout.batch, pause: rollout.pause ?? 0 } }),
    ...(hooks && { hooks }),
    ...(pick('migrate') && { migrate: pick('migrate') }),
    ...(pick('requireClean') !== undefined && { requireClean: pick('requireClean') }),
    path: required(pick('path'), at('path'), loaded),
    unit,
    keep: pick('keep') ?? DEFAULTS.keep,
    shared: pick('shared') ?? [],
    sudo: pick('sudo') ?? DEFAULTS.sudo,
    health,
    certs: certs && resolveCerts(certs, at('certs'), loaded),
    build: build && {
      run: required(build.run, at('build.run'), loaded),
      dir: localPath(loaded.dir, required(build.dir, at('build.dir'), loaded)),
      env: build.env ?? {},
    },
    service: resolvedService,
    ssh: {
      config: local(ssh?.config),
      connectTimeout: ssh?.connectTimeout ?? DEFAULTS.connectTimeout,
      commandTimeout: ssh?.commandTimeout ?? DEFAULTS.commandTimeout,
      stallTimeout: ssh?.stallTimeout ?? DEFAULTS.stallTimeout,
    },
    configFile: loaded.file,
    configDir: loaded.dir,
  };
  const roleInputs = { ...config.roles, ...own.roles };
  const timers = resolveTimers(stage, {
    stage: { ...config.timers, ...own.timers },
    roles: Object.fromEntries(Object.entries(roleInputs).map(([role, input]) => [role, input.timers])),
  });
  return timers ? { ...stage, timers } : stage;
}

function resolveService(service: Partial<ServiceInput>, at: string, loaded: LoadedConfig): NonNullable<Stage['service']> {
  return {
    exec: required(service.exec, `${at}.exec`, loaded),
    user: required(service.user, `${at}.user`, loaded),
    group: service.group,
    env: service.env ?? {},
    envFile: typeof service.envFile === 'string' ? localPath(loaded.dir, service.envFile) : service.envFile,
    socket: service.socket,
  };
}

const specOf = (entry: string | HostInput): string => (typeof entry === 'string' ? entry : entry.host);

interface AppRoleParts {
  app: string;
  unit: string;
  health: Role['health'];
  /** The stage's service as written (merged), and resolved. */
  service: Partial<ServiceInput> | undefined;
  resolvedService: Role['service'];
  at: (field: string) => string;
  loaded: LoadedConfig;
}

/**
 * Roles, only for a stage that uses them (so a stage without roles resolves as it always did):
 * `app` from the stage's own settings, each other role on top of the stage's service (without
 * its socket: a socket belongs to one unit), and each host's roles.
 */
function resolveRoles(
  hosts: ReadonlyArray<string | HostInput>,
  inputs: Record<string, RoleInput>,
  parts: AppRoleParts,
): Pick<Stage, 'roles' | 'hostRoles'> {
  const withRoles = hosts.filter((h): h is HostInput & { roles: string[] } => typeof h !== 'string' && h.roles !== undefined);
  if (Object.keys(inputs).length === 0 && withRoles.length === 0) return {};
  const roles: Record<string, Role> = { app: { name: 'app', unit: parts.unit, health: parts.health, service: parts.resolvedService } };
  for (const [name, input] of Object.entries(inputs)) {
    const at = (field: string) => parts.at(`roles.${name}.${field}`);
    const { socket: _socket, ...inherited } = parts.service ?? {};
    const service = parts.service === undefined && input.service === undefined ? undefined : { ...inherited, ...input.service };
    roles[name] = {
      name,
      unit: input.unit ?? `${parts.app}-${name}`,
      health: input.health && {
        url: required(input.health.url, at('health.url'), parts.loaded),
        timeout: input.health.timeout ?? DEFAULTS.healthTimeout,
        confirm: input.health.confirm ?? DEFAULTS.healthConfirm,
      },
      service: service && resolveService(service, at('service'), parts.loaded),
    };
  }
  return { roles, hostRoles: Object.fromEntries(withRoles.map((h) => [h.host, [...new Set(h.roles)]])) };
}

/** Every stage that has certificates, resolved: what `ship certs renew` with no stage covers. */
export function stagesWithCerts(loaded: LoadedConfig): Stage[] {
  return Object.keys(loaded.config.stages)
    .map((name) => resolveStage(loaded, name))
    .filter((stage) => stage.certs !== undefined);
}

function resolveCerts(certs: Partial<CertsInput>, at: string, loaded: LoadedConfig): ResolvedCerts {
  // One spelling per name, so file names and "have the names changed?" agree with the CA.
  const domains = required(certs.domains, `${at}.domains`, loaded).map(canonicalName);
  const directory = certs.directory ?? 'letsencrypt';
  const dir = `${DEFAULTS.certDir}/${fileStem(domains[0] ?? '')}`;
  const dns = certs.dns && {
    server: certs.dns.server,
    zone: canonicalName(certs.dns.zone),
    keyFile: localPath(loaded.dir, certs.dns.keyFile),
    timeout: certs.dns.timeout ?? DEFAULTS.dnsTimeout,
  };
  return {
    domains,
    email: required(certs.email, `${at}.email`, loaded),
    ...(needsWebroot({ domains, dns })
      ? { webroot: required(certs.webroot, `${at}.webroot`, loaded) }
      : certs.webroot
        ? { webroot: certs.webroot }
        : {}),
    directory,
    directoryUrl: ACME_DIRECTORIES[directory as keyof typeof ACME_DIRECTORIES] ?? directory,
    ...(certs.profile ? { profile: certs.profile } : {}),
    ...(dns ? { dns } : {}),
    reload: certs.reload,
    keyPath: certs.keyPath ?? `${dir}/privkey.pem`,
    certPath: certs.certPath ?? `${dir}/fullchain.pem`,
    keyType: certs.keyType ?? 'ecdsa-p256',
  };
}

/** `~/x` is the user's home, anything else relative to hosts.ts, not to wherever ship runs. */
function localPath(dir: string, path: string): string {
  if (path === '~' || path.startsWith('~/')) return resolve(homedir(), path.slice(2));
  return resolve(dir, path);
}

/** validateHosts already demands these; this only keeps a hand-built LoadedConfig honest. */
function required<T>(value: T | undefined, field: string, loaded: LoadedConfig): T {
  if (value === undefined) throw new ConfigError(`${loaded.file}: ${field}: missing`);
  return value;
}

function unknownStage(loaded: LoadedConfig, name: string): ConfigError {
  const names = Object.keys(loaded.config.stages);
  const guess = closest(name, names);
  return new ConfigError(
    `unknown stage ${JSON.stringify(name)} in ${loaded.file}; stages are: ${names.join(', ')}` +
      (guess === undefined ? '' : `. Did you mean "${guess}"?`),
  );
}
