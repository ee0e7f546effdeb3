/**
 * ACME Renewal Information (RFC 9773): the CA says when to renew each certificate, e.g. early
 * when it must revoke a batch. acme-client 5 does not implement it, so it is done here.
 *
 * A certificate is named by base64url(AKI keyIdentifier) "." base64url(serial DER contents).
 * GET <renewalInfo>/<id> answers { suggestedWindow: { start, end }, explanationURL? }. The client
 * picks one moment inside the window and renews once it has passed; the answer is cached and not
 * asked again before its Retry-After.
 */
import type { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateIds } from './der.js';
import { writePrivate } from './files.js';
import { privateDir } from './paths.js';
import type { RenewalWindow } from './policy.js';

/** The RFC 9773 certificate identifier, or undefined when the certificate has no AKI. */
export function ariCertId(cert: X509Certificate): string | undefined {
  const ids = certificateIds(cert.raw);
  if (!ids.authorityKeyId) return undefined;
  return `${ids.authorityKeyId.toString('base64url')}.${ids.serial.toString('base64url')}`;
}

interface Cached {
  start: string;
  end: string;
  selected: string;
  explanationUrl?: string;
  /** Not asked again before this moment. */
  retryAfter: string;
}

export interface WindowOptions {
  now: Date;
  /** Where answers are cached, one JSON file per certificate id. */
  cacheDir: string;
  /** Picks the moment inside the window; Math.random by default. */
  random?: () => number;
  timeoutMs?: number;
  log?: (text: string) => void;
}

const DEFAULT_RETRY_S = 6 * 3600;
const MIN_RETRY_S = 60;
const MAX_RETRY_S = 86_400;

/**
 * The CA's window for one certificate: from the cache while its Retry-After has not passed,
 * else asked afresh. Undefined when the CA does not answer usefully and nothing is cached, in
 * which case the caller falls back to the lifetime rule.
 */
export async function renewalWindow(renewalInfoUrl: string, certId: string, options: WindowOptions): Promise<RenewalWindow | undefined> {
  const file = join(options.cacheDir, `${certId}.json`);
  const cached = await readCached(file);
  if (cached && options.now < new Date(cached.retryAfter)) return toWindow(cached);
  try {
    const url = `${renewalInfoUrl.replace(/\/+$/, '')}/${certId}`;
    const response = await fetch(url, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    const body = (await response.json()) as { suggestedWindow?: { start?: unknown; end?: unknown }; explanationURL?: unknown };
    const start = new Date(String(body.suggestedWindow?.start));
    const end = new Date(String(body.suggestedWindow?.end));
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start)
      throw new Error(`GET ${url}: no valid suggestedWindow`);
    // Keep the moment already picked while the window is unchanged, so runs agree with each other.
    const same = cached && cached.start === start.toISOString() && cached.end === end.toISOString();
    const selected = same
      ? new Date(cached.selected)
      : new Date(start.getTime() + (options.random ?? Math.random)() * (end.getTime() - start.getTime()));
    const fresh: Cached = {
      start: start.toISOString(),
      end: end.toISOString(),
      selected: selected.toISOString(),
      ...(typeof body.explanationURL === 'string' ? { explanationUrl: body.explanationURL } : {}),
      retryAfter: new Date(
        options.now.getTime() + retryAfterSeconds(response.headers.get('retry-after'), options.now) * 1000,
      ).toISOString(),
    };
    await privateDir(options.cacheDir);
    await writePrivate(file, `${JSON.stringify(fresh, null, 2)}\n`);
    return toWindow(fresh);
  } catch (error) {
    options.log?.(`renewal information for ${certId}: ${error instanceof Error ? error.message : String(error)}`);
    return cached ? toWindow(cached) : undefined;
  }
}

/** Retry-After as seconds or an HTTP date, clamped to 1 minute .. 1 day; 6 hours when absent. */
export function retryAfterSeconds(header: string | null, now: Date): number {
  let seconds = DEFAULT_RETRY_S;
  if (header && /^\d+$/.test(header.trim())) seconds = Number(header.trim());
  else if (header && !Number.isNaN(Date.parse(header))) seconds = (Date.parse(header) - now.getTime()) / 1000;
  return Math.min(MAX_RETRY_S, Math.max(MIN_RETRY_S, Math.round(seconds)));
}

async function readCached(file: string): Promise<Cached | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Cached;
    return [data.start, data.end, data.selected, data.retryAfter].every((d) => typeof d === 'string') ? data : undefined;
  } catch {
    return undefined;
  }
}

function toWindow(cached: Cached): RenewalWindow {
  return {
    start: new Date(cached.start),
    end: new Date(cached.end),
    selected: new Date(cached.selected),
    ...(cached.explanationUrl ? { explanationUrl: cached.explanationUrl } : {}),
  };
}
