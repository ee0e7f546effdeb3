/**
 * Health check from the host's side: the URL (usually http://127.0.0.1:PORT/health) is fetched
 * through an SSH tunnel over the existing connection, so the app's port need not be public and
 * the host needs no curl. Retried until the timeout; any 2xx/3xx answer is healthy.
 */
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Connection } from '../transport/types.js';

export interface HealthResult {
  ok: boolean;
  attempts: number;
  /** The last answer or error, for the failure message. */
  last: string;
}

/** Healthy means two good answers this far apart, so a crash right after start is caught. */
const SETTLE_MS = 1500;

export async function checkHealth(
  connection: Connection,
  url: string,
  timeoutSeconds: number,
  options: { signal?: AbortSignal; progress?: (text: string) => void; unitState?: () => Promise<string> } = {},
): Promise<HealthResult> {
  const target = new URL(url);
  const port = Number(target.port || 80);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let attempts = 0;
  let last = 'no attempt';
  let shown = '';
  let settled = false;
  while (true) {
    options.signal?.throwIfAborted();
    attempts++;
    try {
      const stream = await connection.forwardOut(target.hostname, port);
      const status = await get(stream, target, Math.min(5000, Math.max(1000, deadline - Date.now())));
      last = `HTTP ${status}`;
      if (status >= 200 && status < 400) {
        // An app that answers once and then crashes is not healthy: ask again after a settle.
        if (!settled) {
          settled = true;
          await new Promise((r) => setTimeout(r, SETTLE_MS));
          continue;
        }
        return { ok: true, attempts, last };
      }
      settled = false;
    } catch (error) {
      // The caller names the host; drop a "host: " the transport put in front.
      last = (error instanceof Error ? error.message : String(error)).replace(/^[^\s:]+: (?=cannot connect)/, '');
    }
    // A unit systemd has given up on will not become healthy: say so now, not at the timeout.
    if (options.unitState && (await options.unitState()) === 'failed') return { ok: false, attempts, last: `${last}; the unit has failed` };
    // One progress line per new reason, not one per attempt.
    if (last !== shown) options.progress?.(`health: ${last}; retrying until ${timeoutSeconds}s`);
    shown = last;
    if (Date.now() + 500 > deadline) return { ok: false, attempts, last };
    await new Promise((r) => setTimeout(r, 500));
  }
}

function get(stream: Duplex, url: URL, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port || 80, path: `${url.pathname}${url.search}`, method: 'GET', createConnection: () => stream as never, timeout: timeoutMs, headers: { 'user-agent': 'ship-healthcheck', connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * One GET of a health URL through the tunnel, no retries, for `ship status`: `HTTP 200`, or why
 * nothing answered (`connection refused`).
 */
export async function healthAnswer(connection: Connection, url: string, timeoutMs = 5000): Promise<{ ok: boolean; answer: string }> {
  const target = new URL(url);
  try {
    const status = await get(await connection.forwardOut(target.hostname, Number(target.port || 80)), target, timeoutMs);
    return { ok: status >= 200 && status < 400, answer: `HTTP ${status}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, answer: (/from the host: (.*)$/.exec(message)?.[1] ?? message).toLowerCase() };
  }
}
