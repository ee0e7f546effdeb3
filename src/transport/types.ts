import type { Duplex, Readable, Writable } from 'node:stream';
import type { Command } from '../remote/command.js';

export interface RunOptions {
  /** Called with each chunk of remote stdout / stderr as it arrives (already utf-8 decoded). */
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Sent to the command's stdin, then stdin is closed. A stream is piped with backpressure. */
  stdin?: string | Buffer | Readable;
  /** Resolve with the result instead of throwing RemoteCommandError on a non-zero exit. */
  allowFailure?: boolean;
  /** Abort: the remote command gets a signal and the promise rejects. */
  signal?: AbortSignal;
  /** A query that changes nothing: it runs for real under --dry-run too. */
  readOnly?: boolean;
  /**
   * How a read-only query is answered under --dry-run --offline, where no host is asked: what a
   * host ship has not touched yet would print and exit with. Default: exit 0, no output.
   */
  offline?: { code?: number; stdout?: string };
  /** How a dry-run plan names the stdin, e.g. `release.tar.gz (12 MB)`. */
  stdinLabel?: string;
  /**
   * Seconds the command may run before it is stopped (TERM, channel closed) and the run fails
   * naming the host and the command; 0 for none (`ship logs -f`, which runs until Ctrl-C).
   * Default: the connection's (ssh.commandTimeout in hosts.ts). With a stream as stdin the time
   * counts from the end of the input: how fast a host takes the input is the sender's to watch
   * (the release stream's stall timeout, ssh.stallTimeout, in release/fanout.ts).
   */
  timeout?: number;
}

/** A terminal's size, for `ship console`'s remote PTY. */
export interface TerminalSize {
  rows: number;
  cols: number;
}

export interface InteractiveOptions {
  /** A remote PTY of this size and terminal type; without it, no PTY (stdin is a pipe or file). */
  pty?: TerminalSize & { term: string };
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Called once the channel is open with a function that resizes the remote PTY; returns its undo. */
  onResize?: (resize: (size: TerminalSize) => void) => () => void;
  /** Called once the channel is open with a function that sends the remote program a signal (`INT`); returns its undo. */
  onSignal?: (send: (name: string) => void) => () => void;
}

export interface InteractiveResult {
  /** The remote exit code; a program killed by a signal counts as 128 + its number, as in a shell. */
  code: number;
}

export interface RunResult {
  code: number | null;
  /** Signal name when the remote command was killed by one. */
  signal?: string;
  stdout: string;
  stderr: string;
  /**
   * The command as it ran, after the stage's sudo rule: set by the connections that apply that
   * rule (session/sudo-rule.ts, session/plan.ts), so a caller that judges the exit code itself
   * shows a failure as it ran. Undefined from a bare transport, which runs what it is given.
   */
  ran?: Command;
}

/** Where a host spec from hosts.ts resolved to, after ~/.ssh/config. */
export interface ResolvedHost {
  /** The spec exactly as written in hosts.ts (`deploy@web1:2222`, `web2`): the name users see. */
  name: string;
  hostname: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** Jump hosts in order, each already resolved. Empty for a direct connection. */
  proxyJump: ResolvedHost[];
  knownHostsFiles: string[];
  strictHostKeyChecking: 'yes' | 'no' | 'accept-new' | 'ask';
  /** Whether ssh config sets `IdentitiesOnly yes`. */
  identitiesOnly: boolean;
  connectTimeoutMs: number;
  /** `HostKeyAlias`: the name looked up in known_hosts instead of hostname (and port). */
  hostKeyAlias?: string;
  /** `GlobalKnownHostsFile`: read like knownHostsFiles, never written. */
  globalKnownHostsFiles?: string[];
  /** `IdentityAgent`: `none`, a socket path, or undefined for $SSH_AUTH_SOCK. */
  identityAgent?: string;
  /**
   * `ServerAliveInterval` / `ServerAliveCountMax` from ssh config: how soon a host that stopped
   * answering (cable pulled, host frozen) is given up on. Unset: ship's own default (15 s x 3),
   * never off, since a deploy must not hang on a dead host.
   */
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
  /** `HostKeyAlgorithms` as ssh would offer them; known_hosts types are moved first at connect. */
  hostKeyAlgorithms?: string[];
  /** `HashKnownHosts yes`: a key accepted under accept-new is recorded under a hashed name. */
  hashKnownHosts?: boolean;
  /** `RevokedHostKeys`, expanded: keys (or a KRL) refused whatever known_hosts says. */
  revokedHostKeys?: string;
}

/** One live connection to one host: every command and transfer of a run goes through it. */
export interface Connection {
  readonly host: ResolvedHost;
  /** Run one command (rendered by renderCommand). Throws RemoteCommandError on non-zero exit. */
  run(command: Command, options?: RunOptions): Promise<RunResult>;
  /**
   * Run one command attached to this process's terminal or pipes (`ship console`); only live SSH
   * connections have it (a dry-run plan has no terminal to give).
   */
  interactive?(command: Command, options: InteractiveOptions): Promise<InteractiveResult>;
  /** Open a TCP stream to host:port as seen from the remote side (ssh -L). */
  forwardOut(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** ssh_config file to read instead of ~/.ssh/config (like `ssh -F`). */
  sshConfigFile?: string;
  /** Overrides ConnectTimeout from ssh config; default 10 s. */
  connectTimeoutMs?: number;
  /** Prompts for a key passphrase when stdin is a terminal; undefined means never prompt. */
  askPassphrase?: (keyFile: string) => Promise<string>;
  /** Called when a new host key is appended under accept-new. */
  onNotice?: (message: string) => void;
  /** Seconds any command may run unless its RunOptions say otherwise (ssh.commandTimeout); default none. */
  commandTimeout?: number;
}
