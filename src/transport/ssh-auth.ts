import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import ssh2 from 'ssh2';
import type {
  AnyAuthMethod,
  AuthHandlerMiddleware,
  IdentityCallback,
  OpenSSHAgent,
  ParsedKey,
  SignCallback,
  SigningRequestOptions,
} from 'ssh2';
import { fingerprint, keyTypeLabel } from './known-hosts.js';
import type { ResolvedHost } from './types.js';

/**
 * Public-key authentication in ssh's order: ssh-agent keys first (those matching configured
 * IdentityFiles first, and only those under IdentitiesOnly), then each IdentityFile that exists
 * and was not already offered through the agent. Every attempt is recorded so a failure can say
 * what was tried. Passwords and keyboard-interactive are never tried: ship runs unattended.
 */

const PASSPHRASE_TRIES = 3; // ssh's NumberOfPasswordPrompts

export interface AuthOptions {
  askPassphrase?: (keyFile: string) => Promise<string>;
  /** Told when a passphrase prompt starts and ends, so the connect timer can pause meanwhile. */
  onPrompt?: (waiting: boolean) => void;
}

export interface Authenticator {
  handler: AuthHandlerMiddleware;
  /** Human descriptions of what was offered, in order. */
  readonly tried: string[];
  /** Encrypted keys skipped because there was no way to ask for their passphrase. */
  readonly encrypted: string[];
  /** Why the agent was not used, if SSH_AUTH_SOCK/IdentityAgent pointed at one. */
  agentProblem?: string;
  /** How many keys the agent holds; undefined when there is no agent. */
  agentKeys?: number;
  /** Auth methods the server said it accepts, after the first failure. */
  serverMethods?: string[];
}

interface Attempt {
  label: string;
  method: () => Promise<AnyAuthMethod | undefined>;
}

export function createAuthenticator(host: ResolvedHost, options: AuthOptions): Authenticator {
  let attempts: Attempt[] | undefined;
  // ssh2 takes `false` for "nothing left to try", which its type definitions leave out.
  const noMore = false as never;
  const auth: Authenticator = {
    tried: [],
    encrypted: [],
    handler: (methodsLeft, _partial, next) => {
      if (methodsLeft) auth.serverMethods = methodsLeft;
      void (async () => {
        // A server that stopped offering publickey will not change its mind.
        if (methodsLeft && !methodsLeft.includes('publickey')) return next(noMore);
        attempts ??= await planAttempts(host, options, auth);
        for (let attempt = attempts.shift(); attempt; attempt = attempts.shift()) {
          const method = await attempt.method();
          if (method) {
            auth.tried.push(attempt.label);
            return next(method);
          }
        }
        next(noMore);
      })().catch(() => next(noMore));
    },
  };
  return auth;
}

async function planAttempts(host: ResolvedHost, options: AuthOptions, auth: Authenticator): Promise<Attempt[]> {
  const files = await existingIdentities(host.identityFiles);
  const agent = agentSocket(host.identityAgent);
  const agentKeys = agent
    ? await agentIdentities(agent).catch((e: Error) => {
        auth.agentProblem = `ssh-agent at ${agent}: ${e.message}`;
        return [];
      })
    : [];
  if (agent && !auth.agentProblem) auth.agentKeys = agentKeys.length;

  const offered = new Set<string>();
  const attempts: Attempt[] = [];
  const offerAgentKey = (agentInstance: OpenSSHAgent, key: ParsedKey) => {
    const blob = key.getPublicSSH().toString('base64');
    if (offered.has(blob)) return;
    offered.add(blob);
    attempts.push({
      label: `ssh-agent key ${keyTypeLabel(key.type)} ${fingerprint(key.getPublicSSH())}${key.comment ? ` (${key.comment})` : ''}`,
      method: async () => ({ type: 'agent', username: host.user, agent: new OneKeyAgent(agentInstance, key) }),
    });
  };
  if (agent && agentKeys.length > 0) {
    const instance = new ssh2.OpenSSHAgent(agent);
    for (const file of files) {
      const match = agentKeys.find((k) => file.publicKey !== undefined && k.getPublicSSH().equals(file.publicKey));
      if (match) offerAgentKey(instance, match);
    }
    if (!host.identitiesOnly) for (const key of agentKeys) offerAgentKey(instance, key);
  }
  for (const file of files) {
    if (file.publicKey && offered.has(file.publicKey.toString('base64'))) continue;
    attempts.push({ label: `key ${tildify(file.path)}`, method: () => loadPrivateKey(file.path, host, options, auth) });
  }
  return attempts;
}

interface Identity {
  path: string;
  /** From `path.pub`, or from the private key when it is not encrypted; used to match agent keys. */
  publicKey?: Buffer;
}

/** ssh -G lists default identities (~/.ssh/id_rsa, ...) whether or not they exist: skip the missing. */
async function existingIdentities(paths: readonly string[]): Promise<Identity[]> {
  const found: Identity[] = [];
  for (const path of paths) {
    const data = await readFile(path).catch(() => undefined);
    if (data === undefined) continue;
    const identity: Identity = { path };
    const pub = await readFile(`${path}.pub`).catch(() => undefined);
    for (const candidate of [pub, data]) {
      if (candidate === undefined) continue;
      const parsed = first(ssh2.utils.parseKey(candidate));
      if (!(parsed instanceof Error)) {
        identity.publicKey = parsed.getPublicSSH();
        break;
      }
    }
    found.push(identity);
  }
  return found;
}

async function loadPrivateKey(
  path: string,
  host: ResolvedHost,
  options: AuthOptions,
  auth: Authenticator,
): Promise<AnyAuthMethod | undefined> {
  const data = await readFile(path).catch(() => undefined);
  if (data === undefined) return undefined;
  let key = first(ssh2.utils.parseKey(data));
  if (key instanceof Error && /passphrase/i.test(key.message)) {
    if (!options.askPassphrase) {
      auth.encrypted.push(path);
      return undefined;
    }
    for (let i = 0; i < PASSPHRASE_TRIES && key instanceof Error && /passphrase/i.test(key.message); i++) {
      options.onPrompt?.(true);
      try {
        key = first(ssh2.utils.parseKey(data, await options.askPassphrase(path)));
      } finally {
        options.onPrompt?.(false);
      }
    }
    if (key instanceof Error) {
      auth.tried.push(`key ${tildify(path)} (wrong passphrase)`);
      return undefined;
    }
  }
  if (key instanceof Error || !key.isPrivateKey()) {
    auth.tried.push(`key ${tildify(path)} (unusable: ${key instanceof Error ? key.message : 'not a private key'})`);
    return undefined;
  }
  return { type: 'publickey', username: host.user, key };
}

/** `IdentityAgent`: none, SSH_AUTH_SOCK, $VAR, or a path; unset means $SSH_AUTH_SOCK. */
function agentSocket(identityAgent: string | undefined): string | undefined {
  if (identityAgent === 'none') return undefined;
  if (identityAgent === undefined || identityAgent === 'SSH_AUTH_SOCK') return process.env.SSH_AUTH_SOCK || undefined;
  if (identityAgent.startsWith('$')) return process.env[identityAgent.slice(1)] || undefined;
  return identityAgent.startsWith('~/') ? homedir() + identityAgent.slice(1) : identityAgent;
}

function agentIdentities(socket: string): Promise<ParsedKey[]> {
  return new Promise((resolve, reject) => {
    new ssh2.OpenSSHAgent(socket).getIdentities((err, keys) => {
      if (err) return reject(err);
      // The OpenSSH agent hands back parsed keys; anything else has no use here.
      resolve((keys ?? []).filter((k): k is ParsedKey => typeof (k as ParsedKey).getPublicSSH === 'function'));
    });
  });
}

/**
 * Presents exactly one agent key to ssh2, which otherwise walks every agent key inside one
 * attempt: this way IdentitiesOnly can filter keys and each one is recorded by name.
 */
class OneKeyAgent extends ssh2.BaseAgent<ParsedKey> {
  constructor(
    private readonly agent: OpenSSHAgent,
    private readonly key: ParsedKey,
  ) {
    super();
  }
  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    cb(undefined, [this.key]);
  }
  sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    if (typeof options === 'function') this.agent.sign(pubKey, data, {}, options);
    else this.agent.sign(pubKey, data, options, cb);
  }
}

function first(key: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (Array.isArray(key)) return key[0] ?? new Error('no key in file');
  return key;
}

function tildify(path: string): string {
  const home = homedir();
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
