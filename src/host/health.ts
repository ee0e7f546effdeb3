/**
 * Health check from the host's side: the URL (usually http://127.0.0.1:PORT/health) is fetched
 * through an SSH tunnel over the existing connection, so the app's port need not be public and
 * the host needs no curl. Any 2xx/3xx answer is healthy.
 *
 * Two looks: `firstAnswer` polls (from 50 ms, backing off to 500 ms) until the app answers or the
 * timeout passes; `secondLook`, `confirm` seconds later, checks it still answers and was not
 * restarted meanwhile (systemd's InvocationID), which catches an app that dies after answering
 * once. The deploy goes on between the two (host/host.ts), so the wait costs its length once.
 */
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { sleep } from '../session/sleep.js';
import type { Connection } from '../transport/types.js';

export interface HealthResult {
  ok: boolean;
  attempts: number;
  /** The last answer or error, for the failure message. */
  last: string;
}

/** What systemd says of the unit: `active`, `failed`, ..., and which run of it this is. */
export interface UnitProbe {
  state: string;
  invocation: string;
}

export interface HealthOptions {
  signal?: AbortSignal;
  progress?: (text: string) => void;
  unit?: () => Promise<UnitProbe>;
}

const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 500;

/** Poll until the URL answers 2xx/3xx, the unit fails, or `timeoutSeconds` pass. */
export async function firstAnswer(connection: Connection, url: string, timeoutSeconds: number, options: HealthOptions = {}): Promise<HealthResult> {
  const target = new URL(url);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let attempts = 0;
  let last = 'no attempt';
  let shown = '';
  let pause = FIRST_POLL_MS;
  while (true) {
    options.signal?.throwIfAborted();
    attempts++;
    const answer = await ask(connection, target, Math.min(5000, Math.max(1000, deadline - Date.now())));
    last = answer.text;
    if (answer.ok) return { ok: true, attempts, last };
    // A unit systemd has given up on will not become healthy: say so now, not at the timeout.
    if (options.unit && (await options.unit()).state === 'failed') return { ok: false, attempts, last: `${last}; the unit has failed` };
    // One progress line per new reason, not one per attempt.
    if (last !== shown) options.progress?.(`health: ${last}; retrying until ${timeoutSeconds}s`);
    shown = last;
    if (Date.now() + pause > deadline) return { ok: false, attempts, last };
    await sleep(pause, options.signal);
    pause = Math.min(MAX_POLL_MS, pause * 2);
  }
}

/**
 * After `confirmSeconds`: undefined when the app still answers and the unit was not restarted
 * since `since`; else why not.
 */
export async function secondLook(connection: Connection, url: string | undefined, confirmSeconds: number, since: UnitProbe | undefined, options: HealthOptions = {}): Promise<string | undefined> {
  await sleep(confirmSeconds * 1000, options.signal);
  const now = options.unit ? await options.unit() : undefined;
  if (now && since && now.invocation !== since.invocation) return `the unit was restarted within ${confirmSeconds}s of answering (it is ${now.state} now)`;
  if (now && now.state !== 'active') return `the unit is ${now.state || 'not active'} ${confirmSeconds}s after it answered`;
  if (url === undefined) return undefined;
  const answer = await ask(connection, new URL(url), 5000);
  return answer.ok ? undefined : `${answer.text} ${confirmSeconds}s after it first answered`;
}

async function ask(connection: Connection, target: URL, timeoutMs: number): Promise<{ ok: boolean; text: string }> {
  try {
    const stream = await connection.forwardOut(target.hostname, Number(target.port || 80));
    const status = await get(stream, target, timeoutMs);
    return { ok: status >= 200 && status < 400, text: `HTTP ${status}` };
  } catch (error) {
    // The caller names the host; drop a "host: " the transport put in front.
    return { ok: false, text: (error instanceof Error ? error.message : String(error)).replace(/^[^\s:]+: (?=cannot connect)/, '') };
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

/** Without `health`: how long to wait for systemd to call the unit active, and the second look. */
export const DEFAULT_HEALTH_TIMEOUT_S = 30;
export const DEFAULT_CONFIRM_S = 1.5;

/** Poll the unit (from 50 ms, backing off to 500 ms) until it is active, failed, or time is up. */
export async function untilActive(unit: () => Promise<UnitProbe>, seconds: number, signal: AbortSignal): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  let pause = 50;
  while (true) {
    const { state } = await unit();
    if (state === 'active' || state === 'failed' || Date.now() + pause > deadline) return state;
    await sleep(pause, signal);
    pause = Math.min(500, pause * 2);
  }
}
