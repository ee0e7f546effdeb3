/**
 * One release stream, read once, sent to several hosts at the same time: every host gets its own
 * output, fed with backpressure (the slowest host sets the pace), and the stream's sha256 is
 * computed on the way. A host that fails is dropped without stalling the others; so is a host
 * that takes none of the stream for `stallSeconds` while bytes wait for it (a live sshd whose
 * receiving process is stuck, which keepalives never catch): without that, one stuck host held
 * every other host of the stream at the bytes it had taken.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { ShipError } from '../errors.js';
import { formatBytes } from '../output/units.js';

export interface FanoutOptions {
  /** Seconds a host may take nothing while bytes wait for it; 0 for no limit. */
  stallSeconds?: number;
}

/** A host took none of the release stream for the stall timeout. */
export class StallError extends ShipError {
  constructor(host: string, seconds: number, sent: number) {
    super(`${host}: took none of the release stream for ${seconds} s (after ${formatBytes(sent)}); ship dropped it from this upload`, {
      host,
      hint: `the host stopped reading (a stuck or stopped process, a full disk): look on the host; if it is only that slow, raise ssh.stallTimeout in hosts.ts (now ${seconds} s)`,
    });
    this.name = 'StallError';
  }
}

interface Receiver {
  out: Transform;
  /** Bytes that went into the output so far (the host has taken them, or they wait in it). */
  sent: number;
  /** What the host had taken at the last look, and how long that has not moved while bytes waited. */
  seen: number;
  waited: number;
}

export class Fanout {
  /** The sha256 of everything sent, once the stream has ended; rejects if producing it failed. */
  readonly done: Promise<string>;
  /** Why the stream itself failed (a file changed while it was read), if it did. */
  error: unknown;
  private readonly receivers = new Map<string, Receiver>();
  private readonly stalled = new Map<string, StallError>();
  private readonly source: Readable;
  private watch: NodeJS.Timeout | undefined;

  constructor(
    stream: Readable,
    hosts: readonly string[],
    onBytes: (host: string, sent: number, last: boolean) => void,
    options: FanoutOptions = {},
  ) {
    const hash = createHash('sha256');
    const hashing = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    // Every receiver is one pipe, and a pipe is a few listeners on the source: a fleet of more
    // than ten hosts is expected here, not a leak.
    hashing.setMaxListeners(0);
    this.done = new Promise<string>((resolve, reject) => {
      hashing.on('end', () => resolve(hash.digest('hex')));
      const fail = (error: unknown) => {
        this.error ??= error;
        reject(error);
        for (const { out } of this.receivers.values()) out.destroy(error as Error);
      };
      stream.on('error', fail);
      hashing.on('error', fail);
    });
    this.done.catch(() => {}); // a failure reaches whoever awaits it, not the process
    this.source = stream.pipe(hashing);
    for (const host of hosts) {
      const receiver: Receiver = { out: undefined as unknown as Transform, sent: 0, seen: 0, waited: 0 };
      // Counts bytes as the host's channel pulls them: a 'data' listener would be one more consumer.
      receiver.out = new Transform({
        highWaterMark: 1 << 20,
        transform(chunk: Buffer, _encoding, callback) {
          onBytes(host, (receiver.sent += chunk.length), false);
          callback(null, chunk);
        },
        // The whole count once more at the end, so a throttled progress line never stays behind.
        flush(callback) {
          onBytes(host, receiver.sent, true);
          callback();
        },
      });
      // Whoever feeds the host sees the failure (its run ends; stallOf and error say why).
      receiver.out.on('error', () => {});
      this.receivers.set(host, receiver);
      this.source.pipe(receiver.out);
      receiver.out.on('close', () => this.drop(host));
    }
    const seconds = options.stallSeconds ?? 0;
    if (seconds > 0 && hosts.length > 0) this.watchStalls(seconds);
  }

  /** What to send to this host (its command's stdin). */
  output(host: string): Transform {
    const receiver = this.receivers.get(host);
    if (!receiver) throw new Error(`fanout: ${host} is not a receiver`);
    return receiver.out;
  }

  /** Why this host was dropped by the stall watch, if it was. */
  stallOf(host: string): StallError | undefined {
    return this.stalled.get(host);
  }

  /** Stop sending to a host (it failed); when nobody is left, stop reading. */
  drop(host: string, why?: Error): void {
    const receiver = this.receivers.get(host);
    if (!receiver) return;
    this.receivers.delete(host);
    this.source.unpipe(receiver.out);
    if (!receiver.out.destroyed) receiver.out.destroy(why);
    if (this.receivers.size === 0) {
      clearInterval(this.watch);
      if (!this.source.readableEnded) this.source.destroy();
    }
  }

  /**
   * Look every so often: a host has stalled when bytes wait for it in its output and what it has
   * taken has not moved since the last look, for the whole timeout. A source that is slow itself
   * (a compressor) leaves nothing waiting, so it is never a stall. The tail of a stream that fits
   * in the channel's buffer and the SSH window waits in neither: the command's own deadline
   * (ssh.commandTimeout, from the end of its input) covers that.
   */
  private watchStalls(seconds: number): void {
    const every = Math.min(1000, (seconds * 1000) / 4);
    this.watch = setInterval(() => {
      for (const [host, r] of this.receivers) {
        const taken = r.sent - r.out.readableLength;
        const waiting = r.out.writableLength > 0 || r.out.readableLength > 0;
        r.waited = waiting && taken === r.seen ? r.waited + every : 0;
        r.seen = taken;
        if (r.waited >= seconds * 1000) {
          const error = new StallError(host, seconds, taken);
          this.stalled.set(host, error);
          this.drop(host, error);
        }
      }
    }, every);
    this.watch.unref();
  }
}
