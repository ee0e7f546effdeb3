import { Readable, pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import type { Command } from '../remote/command.js';
import { displayCommand, renderCommand } from '../remote/render.js';
import { ConnectionError, RemoteCommandError, ShipError } from '../errors.js';
import type { RunOptions, RunResult } from './types.js';

/**
 * One command over one exec channel. Success is the exit code alone: stderr output is normal for
 * many tools. The command line comes from renderCommand only (never node-ssh's `cwd`, which
 * joins with `;`, so a failed cd would still run the command).
 */

/** How long an aborted run waits for its command to exit before it rejects anyway. */
export const ABORT_GRACE_MS = 3_000;

/** Collected stdout/stderr are capped so a command printing gigabytes cannot exhaust memory. */
export const OUTPUT_CAP_CHARS = 1024 * 1024;

/** Keeps the last `cap` characters of a stream of text, noting how much was dropped. */
export class TailText {
  private chunks: string[] = [];
  private length = 0;
  private dropped = 0;
  constructor(private readonly cap = OUTPUT_CAP_CHARS) {}

  push(text: string): void {
    this.chunks.push(text);
    this.length += text.length;
    // Whole chunks fall off the front, so a long stream costs O(1) per chunk and copies nothing.
    while (this.chunks.length > 1 && this.length - (this.chunks[0] as string).length >= this.cap) {
      const first = this.chunks.shift() as string;
      this.length -= first.length;
      this.dropped += first.length;
    }
  }

  toString(): string {
    let text = this.chunks.join('');
    let dropped = this.dropped;
    if (text.length > this.cap) {
      dropped += text.length - this.cap;
      text = text.slice(-this.cap);
    }
    return dropped > 0 ? `[... ${dropped} earlier characters not kept ...]\n${text}` : text;
  }
}

export interface ExecContext {
  /** Host name as written in hosts.ts, for errors. */
  host: string;
  /** `web2 (10.0.0.5:22)`, for connection errors. */
  label: string;
  /** Why the connection went away, when it did: asked only after a channel closed without exit status. */
  lostReason?: () => string | undefined;
  /** Seconds a command may run when its RunOptions set no `timeout` (ssh.commandTimeout); none when unset. */
  commandTimeout?: number;
}

/** A command ran past its deadline and was stopped. */
export class CommandTimeoutError extends ShipError {
  constructor(host: string, shown: string, seconds: number, fromConfig: boolean) {
    super(`${host}: ${shown} did not finish within ${seconds} s; ship stopped it`, {
      host,
      hint: fromConfig
        ? `if it needs longer, raise ssh.commandTimeout in hosts.ts (now ${seconds} s); otherwise look on the host for what it waits on`
        : `if it needs longer, raise the timeout this command is run with (now ${seconds} s); otherwise look on the host for what it waits on`,
    });
    this.name = 'CommandTimeoutError';
  }
}

export function execCommand(client: Client, ctx: ExecContext, command: Command, options: RunOptions = {}): Promise<RunResult> {
  const line = renderCommand(command);
  const shown = command.label ?? displayCommand(command);
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<RunResult>((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    /** Set once the run is being stopped (Ctrl-C, deadline, broken input): what it rejects with. */
    let stopping: { error: unknown } | undefined;
    let grace: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    /**
     * Stop the command: TERM to it, close the channel, and reject once sshd has closed it too,
     * which it does when the command has exited: whatever undoes this command (recipe/undo.ts)
     * then never runs beside it. A command that outlives TERM (a root process sshd may not
     * signal, a stopped one) is waited for ABORT_GRACE_MS at most.
     */
    const halt = (error: unknown): void => {
      if (settled || stopping) return;
      stopping = { error };
      clearTimeout(deadline);
      if (channel) stop(channel);
      grace = setTimeout(() => fail(error), ABORT_GRACE_MS);
    };
    const onAbort = (): void => halt(signal?.reason);
    const stop = (ch: ClientChannel): void => {
      sendSignal(ch, 'TERM');
      ch.close();
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      // An input stream nobody will read (the command never started) must not hold its file open.
      if (!channel && options.stdin instanceof Readable) options.stdin.destroy();
      reject(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // The deadline: from now, or with a stream as input from the end of the input (below).
    const seconds = options.timeout ?? ctx.commandTimeout ?? 0;
    const armDeadline = (): void => {
      if (seconds > 0 && !settled && !stopping && deadline === undefined) {
        deadline = setTimeout(() => halt(new CommandTimeoutError(ctx.host, shown, seconds, options.timeout === undefined)), seconds * 1000);
      }
    };
    if (!(options.stdin instanceof Readable)) armDeadline();

    // A callback, not a promise: ssh2 may deliver the exit status in the same read as the channel,
    // and a listener attached one microtask later would miss it.
    openExec(client, line, signal, (err, ch) => {
      if (err || !ch)
        return fail(
          stopping
            ? stopping.error
            : new ConnectionError(`${ctx.label}: could not start ${shown}: ${err?.message}`, ctx.host, undefined, err),
        );
      if (settled) return void stop(ch); // the grace ran out while the channel was opening
      channel = ch;
      attach(ch);
      // Stopped while the channel was opening: sshd has started the command by now, so it is
      // stopped like a running one. It never gets the input (only EOF); scripts that write stdin
      // to a file check its length (remote/sh/lib/received-whole.sh), so none is cut short.
      if (stopping) stop(ch);
    });

    function attach(ch: ClientChannel): void {
      const stdout = new TailText();
      const stderr = new TailText();
      // A multi-byte character may be split across chunks: the decoders hold partial bytes.
      const outDecoder = new StringDecoder('utf8');
      const errDecoder = new StringDecoder('utf8');
      let exitCode: number | null | undefined;
      let exitSignal: string | undefined;
      let callbackError: unknown;
      const emit = (text: string, into: TailText, callback?: (t: string) => void): void => {
        if (text === '') return;
        into.push(text);
        // A throwing callback must not unwind into ssh2's packet parser (it would kill the
        // connection); the run fails with it once the command is done.
        try {
          callback?.(text);
        } catch (error) {
          callbackError ??= error;
        }
      };

      ch.on('data', (chunk: Buffer) => emit(outDecoder.write(chunk), stdout, options.onStdout));
      ch.stderr.on('data', (chunk: Buffer) => emit(errDecoder.write(chunk), stderr, options.onStderr));
      ch.on('exit', (code: number | null, sig?: string) => {
        exitCode = code;
        if (sig) exitSignal = sig;
      });
      ch.on('error', () => {}); // the outcome is decided on 'close'
      ch.on('close', () => {
        emit(outDecoder.end(), stdout, options.onStdout);
        emit(errDecoder.end(), stderr, options.onStderr);
        if (options.stdin instanceof Readable && !options.stdin.readableEnded) options.stdin.destroy();
        if (settled) return;
        if (stopping) return fail(stopping.error);
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        if (callbackError !== undefined) return fail(callbackError);
        if (exitCode === undefined) {
          const why = ctx.lostReason?.();
          return fail(new ConnectionError(`${ctx.label}: connection lost${why ? ` (${why})` : ''} while running ${shown}`, ctx.host));
        }
        const result: RunResult = { code: exitCode, stdout: stdout.toString(), stderr: stderr.toString() };
        if (exitSignal) result.signal = exitSignal;
        settled = true;
        if (exitCode === 0 || options.allowFailure) resolve(result);
        else reject(new RemoteCommandError(ctx.host, shown, exitCode, result.stderr));
      });

      const input = options.stdin;
      if (stopping) return;
      if (input instanceof Readable) {
        // The command would wait for input that never comes, or (stuck) never exit: stop it.
        input.once('error', (e) =>
          halt(new ShipError(`${ctx.host}: reading the input for ${shown} failed: ${e.message}`, { host: ctx.host, cause: e })),
        );
        // pipe() respects the SSH window: a 1 GB tarball streams in 64 KiB pieces, never buffered.
        // The input has ended once it is all read, even while its tail still waits in the
        // channel for a host that stopped reading: the deadline starts there, so that host is
        // stopped too (a stall earlier in the input is the sender's to see: release/fanout.ts).
        input.once('end', armDeadline);
        pipeline(input, ch, () => {}); // a failure: the input's 'error' above, or the channel's 'close'
      } else {
        // Without input the remote side must see EOF at once, or a command reading stdin would hang.
        ch.end(input);
      }
    }
  });
}

/**
 * sshd refuses a session beyond MaxSessions ("open failed"), and frees the slot of a finished
 * command only once it has reaped its process, which can be a moment after we saw the channel
 * close. Queueing (see Slots in ssh.ts) keeps us under the limit; this absorbs the lag.
 */
function openExec(
  client: Client,
  line: string,
  signal: AbortSignal | undefined,
  done: (err: Error | undefined, ch?: ClientChannel) => void,
): void {
  let attempt = 0;
  const open = (): void => {
    try {
      client.exec(line, (err, ch) => {
        if (!err) return done(undefined, ch);
        if (/open failed/i.test(err.message) && attempt < 8 && !signal?.aborted) return void setTimeout(open, 25 * 2 ** attempt++);
        done(err);
      });
    } catch (error) {
      done(error as Error); // ssh2 throws "Not connected" synchronously
    }
  };
  open();
}

/**
 * sshd (OpenSSH >= 7.9) delivers a `signal` request to the command's process group. ssh2's
 * Channel.signal() silently drops it once our side of the channel is closed for writing, which
 * it always is here (stdin gets EOF), so the request goes through the protocol object directly.
 */
export function sendSignal(channel: ClientChannel, name: string): void {
  const ch = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  const protocol = ch._client?._protocol;
  if (!ch.outgoing || ch.outgoing.state === 'closing' || ch.outgoing.state === 'closed' || !protocol) return channel.signal(name);
  try {
    protocol.signal(ch.outgoing.id, name);
  } catch {
    // The connection is already gone; closing the channel below is all that is left to do.
  }
}
