/**
 * One HTTP GET through a stream to the host's side (an SSH direct-tcpip channel), with a deadline
 * that really fires. `http.request`'s own `timeout` option arms `socket.setTimeout`, which an
 * ssh2 channel does not implement: with it alone, an app that accepts and never answers (or
 * streams a body forever) held ship, and Ctrl-C did not stop it. Here one timer covers the whole
 * exchange (opening the channel, the answer, the body), an abort signal ends it at once, and the
 * body is read up to a size bound; every way out destroys the request and the channel.
 */
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Connection } from './types.js';

export interface TunnelGetOptions {
  /** Where the channel goes, as seen from the host. */
  hostname: string;
  port: number;
  path: string;
  headers?: Record<string, string>;
  /** For the whole exchange, from opening the channel to the body's end. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Body bytes kept; past them the answer counts as complete and the rest is not read. */
  maxBody?: number;
}

export interface TunnelAnswer {
  status: number;
  body: Buffer;
  /** True when the body was cut at `maxBody`. */
  cut: boolean;
}

const DEFAULT_MAX_BODY = 64 * 1024;

/** Thrown when the deadline passes; the message says how long was waited. */
export class TunnelTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${formatMs(timeoutMs)}`);
    this.name = 'TunnelTimeout';
  }
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

export async function tunnelGet(connection: Connection, options: TunnelGetOptions): Promise<TunnelAnswer> {
  options.signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const stop = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const reason = () => (options.signal?.aborted ? options.signal.reason : new TunnelTimeout(options.timeoutMs));
  const stream = await untilStopped(connection.forwardOut(options.hostname, options.port), stop, reason);
  return exchange(stream, options, stop, reason);
}

/** `opening`, unless `stop` comes first; a channel that opens after that is closed at once. */
function untilStopped(opening: Promise<Duplex>, stop: AbortSignal, reason: () => unknown): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const onStop = () => reject(reason());
    stop.addEventListener('abort', onStop, { once: true });
    opening.then(
      (stream) => {
        stop.removeEventListener('abort', onStop);
        if (stop.aborted) stream.destroy();
        else resolve(stream);
      },
      (error: unknown) => {
        stop.removeEventListener('abort', onStop);
        reject(error);
      },
    );
  });
}

function exchange(stream: Duplex, options: TunnelGetOptions, stop: AbortSignal, reason: () => unknown): Promise<TunnelAnswer> {
  const maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
  return new Promise((resolve, reject) => {
    const req = request({
      host: options.hostname,
      port: options.port,
      path: options.path,
      method: 'GET',
      createConnection: () => stream as never,
      headers: { connection: 'close', ...options.headers },
    });
    // Every way out: no timer or listener left, the request and the channel gone.
    const settle = (fn: () => void) => {
      stop.removeEventListener('abort', onStop);
      req.destroy();
      stream.destroy();
      fn();
    };
    const onStop = () => settle(() => reject(reason()));
    if (stop.aborted) return onStop();
    stop.addEventListener('abort', onStop, { once: true });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (cut: boolean) =>
        settle(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, maxBody), cut }));
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > maxBody) done(true);
      });
      res.on('end', () => done(false));
      res.on('error', (error) => settle(() => reject(error)));
      // Closed before the end (after it, the answer is settled already and this does nothing).
      res.on('close', () => settle(() => reject(new Error('the connection closed before the answer ended'))));
    });
    req.on('error', (error) => settle(() => reject(error)));
    req.end();
  });
}
