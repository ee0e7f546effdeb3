/**
 * A bounded HTTP load loop for zero-downtime checks (the e2e test and bench/socket-restart.ts):
 * a few workers per URL send requests back to back, each on a new connection, so every
 * request goes through the listening socket a restart would close. Bounded by a request count
 * and a time limit whatever happens.
 */
import http from 'node:http';

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** A few distinct failure reasons, for the report. */
  errors: string[];
  /** Response bodies seen (versions, during a deploy). */
  bodies: Set<string>;
}

export interface LoadOptions {
  /** Only http:// URLs of the test hosts. */
  urls: string[];
  workersPerUrl?: number;
  maxRequests?: number;
  maxMs?: number;
  requestTimeoutMs?: number;
}

export function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false -> a new TCP connection per request, closed after it.
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Run load until `stop` resolves (then a short tail), or a bound is hit. */
export async function loadUntil(stop: Promise<unknown>, options: LoadOptions): Promise<LoadResult> {
  const { urls, workersPerUrl = 4, maxRequests = 50_000, maxMs = 120_000, requestTimeoutMs = 5_000 } = options;
  for (const url of urls) if (!url.startsWith('http://')) throw new Error(`load: not an http:// URL: ${url}`);
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, errors: [], bodies: new Set() };
  const deadline = Date.now() + maxMs;
  let stopping = false;
  // Keep going half a second past the end, to catch a process that died just after it.
  void stop
    .then(
      () => new Promise((r) => setTimeout(r, 500)),
      () => undefined,
    )
    .finally(() => (stopping = true));

  const worker = async (url: string) => {
    while (!stopping && Date.now() < deadline && result.sent < maxRequests) {
      result.sent++;
      try {
        const { status, body } = await get(url, requestTimeoutMs);
        if (status === 200) {
          result.ok++;
          result.bodies.add(body.trim());
        } else fail(`HTTP ${status}`);
      } catch (error) {
        fail((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      }
    }
  };
  const fail = (why: string) => {
    result.failed++;
    if (result.errors.length < 5 && !result.errors.includes(why)) result.errors.push(why);
  };
  await Promise.all(urls.flatMap((url) => Array.from({ length: workersPerUrl }, () => worker(url))));
  return result;
}
