import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client, ConnectConfig } from 'ssh2';
import type { Command } from '../remote/command.js';
import { ConnectionError, ShipError } from '../errors.js';
import { verifyHostKey } from './host-key-policy.js';
import { knownHostsName, knownKeyTypes } from './known-hosts.js';
import { createAuthenticator, type Authenticator } from './ssh-auth.js';
import { resolveHost } from './ssh-config.js';
import { execCommand } from './ssh-exec.js';
import { runInteractive } from './ssh-interactive.js';
import type { Connection, ConnectOptions, InteractiveOptions, InteractiveResult, ResolvedHost, RunOptions, RunResult } from './types.js';

/**
 * One SSH connection per host, reused for every command, set up the way OpenSSH would: config
 * from `ssh -G`, host keys from known_hosts, keys from ssh-agent and IdentityFile, jump hosts
 * chained with forwardOut (the equivalent of `ssh -W`).
 */

/** Keepalives when ssh config sets no ServerAliveInterval: a dead host is given up on in ~45 s. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;
/** sshd's MaxSessions defaults to 10 per connection; stay under it and queue the rest. */
const MAX_SESSIONS = 8;
/** Host key algorithms ssh2 implements; ssh -G's list is filtered to these. */
const SSH2_HOST_KEY_ALGORITHMS = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
  'ssh-dss',
]);

export async function connect(spec: string, options: ConnectOptions = {}): Promise<Connection> {
  const resolved = await resolveHost(spec, options.sshConfigFile !== undefined ? { configFile: options.sshConfigFile } : {});
  const timeout = options.connectTimeoutMs;
  const withTimeout = (h: ResolvedHost): ResolvedHost => (timeout === undefined ? h : { ...h, connectTimeoutMs: timeout });
  const host = { ...withTimeout(resolved), proxyJump: resolved.proxyJump.map(withTimeout) };

  const chain = [...host.proxyJump, host];
  const clients: Client[] = [];
  try {
    for (const hop of chain) {
      const via = clients.at(-1);
      const viaHost = chain[clients.length - 1];
      clients.push(await openClient(hop, host, options, via && viaHost ? { client: via, host: viaHost } : undefined));
    }
  } catch (error) {
    for (const client of clients.reverse()) client.end();
    throw error;
  }
  return new SshConnection(host, clients, options.commandTimeout);
}

/** `web2 (10.0.0.5:22)`: the name users wrote and the address actually dialled. */
export function hostLabel(host: ResolvedHost): string {
  const address = host.hostname.includes(':') ? `[${host.hostname}]` : host.hostname;
  return `${host.name} (${address}:${host.port})`;
}

interface Via {
  client: Client;
  host: ResolvedHost;
}

function openClient(host: ResolvedHost, target: ResolvedHost, options: ConnectOptions, via: Via | undefined): Promise<Client> {
  const label = host === target ? hostLabel(host) : `${target.name}: jump host ${hostLabel(host)}`;
  const seconds = `${host.connectTimeoutMs / 1000}s`;

  return new Promise<Client>((resolve, reject) => {
    const client = new ssh2.Client();
    let stage: 'connecting' | 'handshake' | 'authenticating' | 'ready' = 'connecting';
    let hostKeyError: ConnectionError | undefined;
    let done = false;
    const finish = (error?: ConnectionError): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!error) return resolve(client);
      client.end();
      client.destroy();
      // ssh2's destroy() leaves a socket that is still connecting alone, and the kernel would
      // keep it (and this process) alive for two minutes of SYN retries.
      (client as unknown as { _sock?: { destroy(): void } })._sock?.destroy();
      reject(error);
    };
    const fail = (message: string, hint?: string, cause?: unknown): void =>
      finish(new ConnectionError(`${label}: ${message}`, target.name, hint, cause));

    // ssh's ConnectTimeout, applied to everything up to a ready session except the time a
    // person spends typing a key passphrase (ssh2's own readyTimeout would count that too).
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (stage === 'connecting')
          fail(
            `connection timed out after ${seconds}`,
            `check the host in hosts.ts or HostName/Port in ~/.ssh/config, and that no firewall drops port ${host.port}`,
          );
        else if (stage === 'handshake') fail(`no SSH handshake within ${seconds}`, `is an SSH server listening on port ${host.port}?`);
        else fail(`authentication did not finish within ${seconds}`);
      }, host.connectTimeoutMs);
    };
    const auth = createAuthenticator(host, {
      ...(options.askPassphrase ? { askPassphrase: options.askPassphrase } : {}),
      onPrompt: (waiting) => (waiting ? clearTimeout(timer) : arm()),
    });

    client.on('connect', () => (stage = 'handshake'));
    client.on('handshake', () => (stage = 'authenticating'));
    client.on('ready', () => {
      stage = 'ready';
      finish();
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (done) return; // after ready, failures surface through the commands that hit them
      if (hostKeyError) return finish(hostKeyError);
      // ssh2 reports a failed agent or key signature as an error and then goes on to the next
      // key by itself; only the end of the list is final.
      if (err.level === 'agent') return void (auth.agentProblem = `ssh-agent: ${err.message}`);
      if (err.level === 'client-authentication') {
        if (/All configured authentication methods failed/.test(err.message)) return finish(authError(label, host, target, auth));
        return void auth.tried.push(`(${err.message})`);
      }
      if (err.level === 'client-socket') return fail(...socketMessage(err, host), err);
      fail(stage === 'handshake' ? `SSH handshake failed: ${err.message}` : err.message, undefined, err);
    });
    client.on('close', () => fail(`connection closed by the remote side during ${stage === 'connecting' ? 'connect' : stage}`));

    arm();
    void (async () => {
      const config: ConnectConfig = {
        host: host.hostname,
        port: host.port,
        username: host.user,
        readyTimeout: 0, // replaced by the timer above
        keepaliveInterval: host.serverAliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
        keepaliveCountMax: host.serverAliveCountMax ?? KEEPALIVE_COUNT_MAX,
        authHandler: auth.handler,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          verifyHostKey(host, key, {
            label,
            viaJump: host.proxyJump.length > 0 || via !== undefined,
            ...(options.onNotice ? { onNotice: options.onNotice } : {}),
          })
            .then((verdict) => {
              if (!verdict.ok) hostKeyError = verdict.error;
              verify(verdict.ok);
            })
            .catch((error: Error) => {
              hostKeyError = new ConnectionError(`${label}: could not check the host key: ${error.message}`, target.name);
              verify(false);
            });
        },
      };
      const serverHostKey = await hostKeyOrder(host);
      if (serverHostKey.length > 0) config.algorithms = { serverHostKey: serverHostKey as never };
      if (via) {
        // The jump host opens the TCP connection (`ssh -W host:port`), so names resolve there.
        config.sock = await new Promise<Duplex>((res, rej) => {
          via.client.forwardOut('127.0.0.1', 0, host.hostname, host.port, (err, stream) => (err ? rej(err) : res(stream)));
        }).catch((err: Error) => {
          const reason = err.message.replace(/^\(SSH\) Channel open failure: /, '').toLowerCase();
          throw new ConnectionError(`${label}: ${reason} (connecting from jump host ${hostLabel(via.host)})`, target.name, undefined, err);
        });
      }
      if (done) return;
      client.connect(config);
      // Commands are small request/response exchanges: with Nagle's algorithm each one waits for
      // a delayed ACK (~40 ms); without it a `true` round trip takes a few ms.
      client.setNoDelay(true);
    })().catch((error: unknown) =>
      finish(
        error instanceof ConnectionError
          ? error
          : new ConnectionError(`${label}: ${(error as Error).message}`, target.name, undefined, error),
      ),
    );
  });
}

/**
 * Like ssh: offer the host key algorithms of keys already in known_hosts first, so a host with
 * several keys presents the one we know instead of one we would have to refuse as unknown.
 */
async function hostKeyOrder(host: ResolvedHost): Promise<string[]> {
  const offered = (host.hostKeyAlgorithms ?? []).filter((a) => SSH2_HOST_KEY_ALGORITHMS.has(a));
  if (offered.length === 0) return [];
  const files = [...host.knownHostsFiles, ...(host.globalKnownHostsFiles ?? [])];
  const known = new Set(await knownKeyTypes(files, knownHostsName(host.hostname, host.port, host.hostKeyAlias)));
  const keyType = (algorithm: string): string => (algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm);
  return [...offered.filter((a) => known.has(keyType(a))), ...offered.filter((a) => !known.has(keyType(a)))];
}

/** The failure in ssh's words, and where to look. */
function socketMessage(err: Error & { code?: string }, host: ResolvedHost): [string, string | undefined] {
  const where = 'the host in hosts.ts, or HostName/Port in ~/.ssh/config';
  switch (err.code) {
    case 'ECONNREFUSED':
      return ['connection refused', `is sshd running there and listening on port ${host.port}? check ${where}`];
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return [`could not resolve hostname ${host.hostname}`, `check ${where}`];
    case 'ETIMEDOUT':
      return ['connection timed out', `check ${where}, and that no firewall drops port ${host.port}`];
    case 'EHOSTUNREACH':
      return ['no route to host', `check ${where}`];
    case 'ENETUNREACH':
      return ['network is unreachable', undefined];
    case 'ECONNRESET':
      return ['connection reset by the remote side', undefined];
    default:
      return [err.message, undefined];
  }
}

function authError(label: string, host: ResolvedHost, target: ResolvedHost, auth: Authenticator): ConnectionError {
  const encrypted = auth.encrypted.map(
    (key) => `key ${key} is encrypted; add it to ssh-agent (ssh-add ${key}) or run on a terminal to be asked for the passphrase`,
  );
  const fail = (message: string, hint?: string): ConnectionError => new ConnectionError(`${label}: ${message}`, target.name, hint);
  const debug = `compare with: ssh -v -p ${host.port} ${host.user}@${host.hostname}`;
  if (auth.serverMethods && !auth.serverMethods.includes('publickey')) {
    return fail(
      `the server does not accept public keys for ${host.user} (it offers: ${auth.serverMethods.join(', ') || 'nothing'})`,
      `ship logs in with SSH keys only: put your public key in ~${host.user}/.ssh/authorized_keys on the host`,
    );
  }
  if (auth.tried.length === 0) {
    if (encrypted.length > 0) return fail(encrypted.join('; '));
    const agent =
      auth.agentProblem ??
      (auth.agentKeys === undefined
        ? 'no ssh-agent (SSH_AUTH_SOCK is not set)'
        : auth.agentKeys === 0
          ? 'the ssh-agent holds no keys'
          : `IdentitiesOnly is set and none of the ${auth.agentKeys} ssh-agent keys is one of the IdentityFiles`);
    return fail(
      `no SSH key to offer as ${host.user}: ${agent}, and none of the identity files exist (${host.identityFiles.join(', ') || 'none configured'})`,
      `create a key (ssh-keygen -t ed25519) and install it on the host (ssh-copy-id -p ${host.port} ${host.user}@${host.hostname})`,
    );
  }
  const parts = [`permission denied for user ${host.user}; tried ${auth.tried.join(', ')}`, ...encrypted];
  if (auth.agentProblem) parts.push(auth.agentProblem);
  return fail(
    parts.join('; '),
    `check that one of these keys is in ~${host.user}/.ssh/authorized_keys on the host and that the user is right; ${debug}`,
  );
}

class SshConnection implements Connection {
  private closing: Promise<void> | undefined;
  /** Why the connection ended on its own (keepalive timeout, reset...), for later errors. */
  private lost: string | undefined;
  private readonly slots = new Slots(MAX_SESSIONS);
  private readonly ended = new Set<Client>();

  constructor(
    readonly host: ResolvedHost,
    /** Jump hosts first, the host itself last. */
    private readonly clients: Client[],
    /** Seconds a command may run unless its RunOptions say otherwise (ssh.commandTimeout). */
    private readonly commandTimeout?: number,
  ) {
    for (const client of clients) client.once('close', () => this.ended.add(client));
    const own = this.client;
    own.on('error', (err: Error) => (this.lost ??= err.message));
    own.on('close', () => (this.lost ??= 'closed by the remote side'));
    for (const hop of clients.slice(0, -1)) hop.on('error', (err: Error) => (this.lost ??= `jump host: ${err.message}`));
  }

  private get client(): Client {
    return this.clients.at(-1) as Client;
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    this.ensureOpen();
    const release = await this.slots.acquire(options.signal);
    try {
      this.ensureOpen();
      const ctx = { host: this.host.name, label: hostLabel(this.host), lostReason: () => this.lost };
      return await execCommand(
        this.client,
        this.commandTimeout === undefined ? ctx : { ...ctx, commandTimeout: this.commandTimeout },
        command,
        options,
      );
    } finally {
      release();
    }
  }

  async interactive(command: Command, options: InteractiveOptions): Promise<InteractiveResult> {
    this.ensureOpen();
    const release = await this.slots.acquire();
    try {
      return await runInteractive(this.client, this.host.name, command, options);
    } finally {
      release();
    }
  }

  forwardOut(host: string, port: number): Promise<Duplex> {
    this.ensureOpen();
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (err) {
          const reason = err.message.replace(/^\(SSH\) Channel open failure: /, '');
          return reject(
            new ShipError(`${this.host.name}: cannot connect to ${host}:${port} from the host: ${reason}`, {
              host: this.host.name,
              cause: err,
            }),
          );
        }
        resolve(stream);
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= Promise.all(
      [...this.clients].reverse().map(
        (client) =>
          new Promise<void>((resolve) => {
            if (this.ended.has(client)) return resolve();
            client.once('close', () => resolve());
            // A host that stopped answering must not hold the process open.
            setTimeout(() => {
              client.destroy();
              resolve();
            }, 2_000).unref();
            client.end();
          }),
      ),
    ).then(() => {});
    return this.closing;
  }

  private ensureOpen(): void {
    if (this.closing) throw new ConnectionError(`${hostLabel(this.host)}: connection already closed`, this.host.name);
    if (this.lost)
      throw new ConnectionError(`${hostLabel(this.host)}: connection lost (${this.lost})`, this.host.name, 'run the command again');
  }
}

/** A counting semaphore whose waiters can be aborted. */
class Slots {
  private readonly waiting: Array<() => void> = [];
  constructor(private free: number) {}

  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
    } else {
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          this.waiting.splice(this.waiting.indexOf(wake), 1);
          reject(signal?.reason);
        };
        this.waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
