/**
 * One release stream, read once, sent to several hosts at the same time: every host gets its own
 * output, fed with backpressure (the slowest host sets the pace), and the stream's sha256 is
 * computed on the way. A host that fails is dropped without stalling the others.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';

export class Fanout {
  /** The sha256 of everything sent, once the stream has ended; rejects if producing it failed. */
  readonly done: Promise<string>;
  /** Why the stream itself failed (a file changed while it was read), if it did. */
  error: unknown;
  private readonly outputs = new Map<string, Transform>();
  private readonly source: Readable;

  constructor(stream: Readable, hosts: readonly string[], onBytes: (host: string, sent: number, last: boolean) => void) {
    const hash = createHash('sha256');
    const hashing = new Transform({
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    this.done = new Promise<string>((resolve, reject) => {
      hashing.on('end', () => resolve(hash.digest('hex')));
      const fail = (error: unknown) => {
        this.error ??= error;
        reject(error);
        for (const out of this.outputs.values()) out.destroy(error as Error);
      };
      stream.on('error', fail);
      hashing.on('error', fail);
    });
    this.done.catch(() => {}); // a failure reaches whoever awaits it, not the process
    this.source = stream.pipe(hashing);
    for (const host of hosts) {
      let sent = 0;
      // Counts bytes as the host's channel pulls them: a 'data' listener would be one more consumer.
      const out = new Transform({
        highWaterMark: 1 << 20,
        transform(chunk: Buffer, _encoding, callback) {
          onBytes(host, (sent += chunk.length), false);
          callback(null, chunk);
        },
        // The whole count once more at the end, so a throttled progress line never stays behind.
        flush(callback) {
          onBytes(host, sent, true);
          callback();
        },
      });
      this.outputs.set(host, out);
      this.source.pipe(out);
      out.on('close', () => this.drop(host));
    }
  }

  /** What to send to this host (its command's stdin). */
  output(host: string): Transform {
    const out = this.outputs.get(host);
    if (!out) throw new Error(`fanout: ${host} is not a receiver`);
    return out;
  }

  /** Stop sending to a host (it failed); when nobody is left, stop reading. */
  drop(host: string): void {
    const out = this.outputs.get(host);
    if (!out) return;
    this.outputs.delete(host);
    this.source.unpipe(out);
    if (!out.destroyed) out.destroy();
    if (this.outputs.size === 0 && !this.source.readableEnded) this.source.destroy();
  }
}
