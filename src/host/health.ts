/**
 * Health check from the host's side: the URL (usually http://127.0.0.1:PORT/health) is fetched
 * through an SSH tunnel over the existing connection, so the app's port need not be public and
 * the host needs no curl. Any 2xx/3xx answer is healthy.
 *
 * Two looks: `firstAnswer` polls (from 50 ms, backing off to 500 ms) until the app answers or the
 * timeout passes; `secondLook`, `confirm` seconds later, checks it still answers and was not
 * restarted meanwhile (systemd's InvocationID), which catches an app that dies after answering
 * once. The deploy goes on between the two (host/host.ts), so the wait costs its length once.
 *
 * Every request has a deadline (the budget left, at most 5 s, at least 1 s) and ends at once on
 * the abort signal (Ctrl-C): an app that accepts and never answers is unhealthy at the timeout,
 * not a wait without end (transport/tunnel-get.ts says why http.request's own timeout is not enough).
 */
import { sleep } from '../session/sleep.js';
import { tunnelGet } from '../transport/tunnel-get.js';
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
/** One request's cap: a first answer's poll asks again at least this often. */
const REQUEST_CAP_MS = 5000;
/** The least a request gets even near the end of the budget (a request of 3 ms proves nothing). */
const REQUEST_FLOOR_MS = 1000;
/** A health answer is a status; a body that streams forever is cut here. */
const MAX_BODY = 64 * 1024;

/** Poll until the URL answers 2xx/3xx, the unit fails, or `timeoutSeconds` pass. */
export async function firstAnswer(
  connection: Connection,
  url: string,
  timeoutSeconds: number,
  options: HealthOptions = {},
): Promise<HealthResult> {
  const target = new URL(url);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let attempts = 0;
  let last = 'no attempt';
  let shown = '';
  let pause = FIRST_POLL_MS;
  while (true) {
    options.signal?.throwIfAborted();
    attempts++;
    const answer = await ask(
      connection,
      target,
      Math.min(REQUEST_CAP_MS, Math.max(REQUEST_FLOOR_MS, deadline - Date.now())),
      options.signal,
    );
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
export async function secondLook(
  connection: Connection,
  url: string | undefined,
  confirmSeconds: number,
  since: UnitProbe | undefined,
  options: HealthOptions = {},
): Promise<string | undefined> {
  await sleep(confirmSeconds * 1000, options.signal);
  const now = options.unit ? await options.unit() : undefined;
  if (now && since && now.invocation !== since.invocation)
    return `the unit was restarted within ${confirmSeconds}s of answering (it is ${now.state} now)`;
  if (now && now.state !== 'active') return `the unit is ${now.state || 'not active'} ${confirmSeconds}s after it answered`;
  if (url === undefined) return undefined;
  const answer = await ask(connection, new URL(url), REQUEST_CAP_MS, options.signal);
  return answer.ok ? undefined : `${answer.text} ${confirmSeconds}s after it first answered`;
}

/** One GET; an abort rejects (the caller stops), anything else is an unhealthy answer. */
async function ask(connection: Connection, target: URL, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: boolean; text: string }> {
  try {
    const status = await get(connection, target, timeoutMs, signal);
    return { ok: status >= 200 && status < 400, text: `HTTP ${status}` };
  } catch (error) {
    signal?.throwIfAborted();
    // The caller names the host; drop a "host: " the transport put in front.
    return { ok: false, text: (error instanceof Error ? error.message : String(error)).replace(/^[^\s:]+: (?=cannot connect)/, '') };
  }
}

async function get(connection: Connection, url: URL, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const answer = await tunnelGet(connection, {
    hostname: url.hostname,
    port: Number(url.port || 80),
    path: `${url.pathname}${url.search}`,
    headers: { 'user-agent': 'ship-healthcheck' },
    timeoutMs,
    maxBody: MAX_BODY,
    ...(signal ? { signal } : {}),
  });
  return answer.status;
}

/**
 * One GET of a health URL through the tunnel, no retries, for `ship status`: `HTTP 200`, or why
 * nothing answered (`connection refused`, `no answer within 5 s`).
 */
export async function healthAnswer(
  connection: Connection,
  url: string,
  timeoutMs = REQUEST_CAP_MS,
): Promise<{ ok: boolean; answer: string }> {
  const target = new URL(url);
  try {
    const status = await get(connection, target, timeoutMs);
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
