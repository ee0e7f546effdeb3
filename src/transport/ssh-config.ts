import { createHash } from 'node:crypto';
import { hostname as localHostname, homedir, userInfo } from 'node:os';
import { execa } from 'execa';
import { splitHostSpec, type HostSpec } from '../config/host-spec.js';
import { ConfigError } from '../errors.js';
import type { ResolvedHost } from './types.js';

/**
 * Host resolution is delegated to OpenSSH itself (`ssh -G`), so Host patterns, Match, Include,
 * canonicalisation and every default behave exactly as they do for `ssh` on the same machine.
 * This module only parses the host spec, runs `ssh -G`, and finishes what `ssh -G` leaves undone
 * (%-tokens and `~` in IdentityFile and RevokedHostKeys, the ProxyJump hops).
 */

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** A jump host whose own config names another jump host: ssh would recurse forever, we stop. */
const MAX_JUMP_DEPTH = 8;

/**
 * A host from hosts.ts or a jump host from ssh config (`[ssh://][user@]host[:port]`, ssh's
 * ProxyJump syntax), split by the one host-spec grammar (config/host-spec.ts). The checks here
 * are only what keeps it a safe argument to `ssh -G`: jump hosts come from ssh config, not hosts.ts.
 */
export function parseHostSpec(spec: string): HostSpec {
  const rest = spec.startsWith('ssh://') ? spec.slice('ssh://'.length).replace(/\/$/, '') : spec;
  const split = splitHostSpec(rest);
  if ('problem' in split) throw invalidSpec(spec, split.problem);
  const { user, host } = split.spec;
  // These reach `ssh -G` as arguments: a leading dash would be read as an option.
  if (host.startsWith('-') || user?.startsWith('-')) throw invalidSpec(spec, 'names may not start with "-"');
  if (/[\s\0-\x1f\x7f'"`\\;&|<>$]/.test(host) || (user && /[\s\0-\x1f\x7f]/.test(user))) {
    throw invalidSpec(spec, 'contains spaces, quotes or control characters');
  }
  return split.spec;
}

function invalidSpec(spec: string, why: string): ConfigError {
  return new ConfigError(
    `invalid host ${JSON.stringify(spec)}: ${why}`,
    'write hosts as user@host, user@host:port, [v6addr]:port or an alias from ~/.ssh/config',
  );
}

/** What `ssh -G` says, typed; paths not yet expanded. */
export interface SshGOptions {
  user: string;
  hostname: string;
  port: number;
  identityFiles: string[];
  /** Hop specs in connection order; empty for none. */
  proxyJump: string[];
  proxyCommand?: string;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: ResolvedHost['strictHostKeyChecking'];
  identitiesOnly: boolean;
  /** Undefined when ssh config sets none. */
  connectTimeoutMs?: number;
  /** ServerAliveInterval; undefined when ssh config leaves it at 0 (off). */
  serverAliveIntervalMs?: number;
  /** ServerAliveCountMax. */
  serverAliveCountMax?: number;
  hostKeyAlias?: string;
  identityAgent?: string;
  hostKeyAlgorithms: string[];
  /** HashKnownHosts: write the names of keys accepted under accept-new hashed. */
  hashKnownHosts: boolean;
  /** RevokedHostKeys, unexpanded; undefined when ssh config sets none. */
  revokedHostKeys?: string;
}

/** Parse the `key value` lines `ssh -G` prints. Pure, so it can be tested on fixtures. */
export function parseSshG(text: string): SshGOptions {
  const values = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const space = trimmed.indexOf(' ');
    const key = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : trimmed.slice(space + 1).trim();
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  const one = (key: string): string | undefined => values.get(key)?.[0];
  const words = (key: string): string[] => (values.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  const required = (key: string): string => {
    const v = one(key);
    if (v === undefined || v === '') throw new ConfigError(`ssh -G printed no ${key}; is this OpenSSH's ssh?`);
    return v;
  };

  const proxyJump = one('proxyjump');
  const proxyCommand = one('proxycommand');
  const timeout = one('connecttimeout');
  const options: SshGOptions = {
    user: required('user'),
    hostname: required('hostname'),
    port: Number(required('port')),
    identityFiles: values.get('identityfile') ?? [],
    proxyJump: proxyJump === undefined || proxyJump === 'none' ? [] : proxyJump.split(',').filter(Boolean),
    userKnownHostsFiles: words('userknownhostsfile'),
    globalKnownHostsFiles: words('globalknownhostsfile'),
    strictHostKeyChecking: strictness(one('stricthostkeychecking')),
    identitiesOnly: one('identitiesonly') === 'yes',
    hostKeyAlgorithms: (one('hostkeyalgorithms') ?? '').split(',').filter(Boolean),
    hashKnownHosts: ['yes', 'true'].includes(one('hashknownhosts') ?? ''),
  };
  if (proxyCommand !== undefined && proxyCommand !== 'none') options.proxyCommand = proxyCommand;
  if (timeout !== undefined && timeout !== 'none' && Number(timeout) > 0) options.connectTimeoutMs = Number(timeout) * 1000;
  const aliveInterval = Number(one('serveraliveinterval'));
  if (aliveInterval > 0) options.serverAliveIntervalMs = aliveInterval * 1000;
  const aliveCount = Number(one('serveralivecountmax'));
  if (Number.isInteger(aliveCount) && aliveCount > 0) options.serverAliveCountMax = aliveCount;
  const alias = one('hostkeyalias');
  if (alias !== undefined && alias !== 'none') options.hostKeyAlias = alias;
  const agent = one('identityagent');
  if (agent !== undefined) options.identityAgent = agent;
  const revoked = one('revokedhostkeys');
  if (revoked !== undefined && revoked !== '') options.revokedHostKeys = revoked;
  return options;
}

/** ssh -G normalises yes/no to true/false; older versions print yes/no themselves. */
function strictness(value: string | undefined): ResolvedHost['strictHostKeyChecking'] {
  switch (value) {
    case 'true':
    case 'yes':
      return 'yes';
    case 'false':
    case 'no':
    case 'off':
      return 'no';
    case 'accept-new':
      return 'accept-new';
    default:
      return 'ask';
  }
}

/** Values for the %-tokens of ssh_config(5), "TOKENS". */
export interface TokenContext {
  home: string;
  localUser: string;
  uid: number;
  localHostname: string;
  /** %n: the host as given on the command line. */
  originalHost: string;
  hostname: string;
  port: number;
  remoteUser: string;
  /** %j: the ProxyJump value as written, '' for none. */
  proxyJump: string;
  hostKeyAlias?: string;
}

/**
 * Expand `~`, `${ENV}` and %-tokens in a path the way ssh does for IdentityFile (`ssh -G` prints
 * it unexpanded). An unknown token is a config error, as it is for ssh.
 */
export function expandPath(path: string, ctx: TokenContext): string {
  let out = path === '~' ? ctx.home : path.startsWith('~/') ? ctx.home + path.slice(1) : path;
  out = out.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = process.env[name];
    if (value === undefined) throw new ConfigError(`${path}: environment variable ${name} is not set`);
    return value;
  });
  const shortHost = ctx.localHostname.split('.')[0] ?? ctx.localHostname;
  const tokens: Record<string, () => string> = {
    '%': () => '%',
    C: () => createHash('sha1').update(`${ctx.localHostname}${ctx.hostname}${ctx.port}${ctx.remoteUser}${ctx.proxyJump}`).digest('hex'),
    d: () => ctx.home,
    h: () => ctx.hostname,
    i: () => String(ctx.uid),
    j: () => ctx.proxyJump,
    k: () => ctx.hostKeyAlias ?? ctx.originalHost,
    L: () => shortHost,
    l: () => ctx.localHostname,
    n: () => ctx.originalHost,
    p: () => String(ctx.port),
    r: () => ctx.remoteUser,
    u: () => ctx.localUser,
  };
  return out.replace(/%(.?)/g, (_, t: string) => {
    const fn = tokens[t];
    if (!fn) throw new ConfigError(`${path}: unknown token %${t} (see TOKENS in man ssh_config)`);
    return fn();
  });
}

export interface ResolveOptions {
  /** Like `ssh -F FILE`: read this file instead of ~/.ssh/config and /etc/ssh/ssh_config. */
  configFile?: string;
}

/** Resolve a host spec from hosts.ts (or a jump host) into everything needed to connect. */
export async function resolveHost(spec: string, options: ResolveOptions = {}): Promise<ResolvedHost> {
  return resolve(spec, options, 0, true);
}

async function resolve(spec: string, options: ResolveOptions, depth: number, ownJumps: boolean): Promise<ResolvedHost> {
  if (depth > MAX_JUMP_DEPTH) {
    throw new ConfigError(
      `${spec}: ProxyJump nests deeper than ${MAX_JUMP_DEPTH} hops (a loop in ssh config?)`,
      'set "ProxyJump none" in the jump host\'s own Host block',
    );
  }
  const parsed = parseHostSpec(spec);
  const g = parseSshG(await runSshG(parsed, options.configFile));
  if (g.proxyCommand !== undefined && g.proxyJump.length === 0) {
    throw new ConfigError(`${spec}: ssh config sets ProxyCommand, which ship does not support`, 'use ProxyJump instead');
  }

  // ssh turns `ProxyJump a,b` into `ssh -J a b -W host:port`: the last hop is reached through the
  // others, whose own ProxyJump config is overridden by -J. Only the first hop's own ProxyJump
  // applies, so it is resolved recursively and its chain put in front.
  const hops: ResolvedHost[] = [];
  if (ownJumps) {
    for (const [i, hop] of g.proxyJump.entries()) {
      const resolved = await resolve(hop, options, depth + 1, i === 0);
      hops.push(...resolved.proxyJump, { ...resolved, proxyJump: [] });
    }
  }

  const user = userInfo();
  const ctx: TokenContext = {
    home: homedir(),
    localUser: user.username,
    uid: user.uid,
    localHostname: localHostname(),
    originalHost: parsed.host,
    hostname: g.hostname,
    port: g.port,
    remoteUser: g.user,
    proxyJump: g.proxyJump.join(','),
    ...(g.hostKeyAlias !== undefined ? { hostKeyAlias: g.hostKeyAlias } : {}),
  };
  const host: ResolvedHost = {
    name: spec,
    hostname: g.hostname,
    port: g.port,
    user: g.user,
    identityFiles: g.identityFiles.map((f) => expandPath(f, ctx)),
    proxyJump: hops,
    knownHostsFiles: g.userKnownHostsFiles.map((f) => expandPath(f, ctx)),
    globalKnownHostsFiles: g.globalKnownHostsFiles.map((f) => expandPath(f, ctx)),
    strictHostKeyChecking: g.strictHostKeyChecking,
    identitiesOnly: g.identitiesOnly,
    connectTimeoutMs: g.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    hostKeyAlgorithms: g.hostKeyAlgorithms,
    hashKnownHosts: g.hashKnownHosts,
  };
  if (g.revokedHostKeys !== undefined) host.revokedHostKeys = expandPath(g.revokedHostKeys, ctx);
  if (g.hostKeyAlias !== undefined) host.hostKeyAlias = g.hostKeyAlias;
  if (g.identityAgent !== undefined) host.identityAgent = g.identityAgent;
  if (g.serverAliveIntervalMs !== undefined) host.serverAliveIntervalMs = g.serverAliveIntervalMs;
  if (g.serverAliveCountMax !== undefined) host.serverAliveCountMax = g.serverAliveCountMax;
  return host;
}

async function runSshG(spec: HostSpec, configFile: string | undefined): Promise<string> {
  const args = ['-G'];
  if (configFile !== undefined) args.push('-F', configFile);
  if (spec.user !== undefined) args.push('-l', spec.user);
  if (spec.port !== undefined) args.push('-p', String(spec.port));
  args.push('--', spec.host);
  const result = await execa('ssh', args, { reject: false, stdin: 'ignore', timeout: 30_000 });
  if ('code' in result && result.code === 'ENOENT') {
    throw new ConfigError(
      "ssh is not installed: install openssh-client (ship reads ssh config through OpenSSH's own `ssh -G`)",
      'apt-get install openssh-client (Debian/Ubuntu), dnf install openssh-clients (Fedora), brew install openssh (macOS)',
    );
  }
  if (result.failed) {
    const detail = String(result.stderr).trim() || result.shortMessage;
    throw new ConfigError(`ssh config for ${spec.host}: ${detail}`, configFile ? `check ${configFile}` : 'check ~/.ssh/config');
  }
  return String(result.stdout);
}
