/**
 * The CA's directory, read once per run: first as a reachability check with a plain message
 * (acme-client turns a refused connection into "Cannot read properties of undefined"), and for
 * the one entry acme-client does not use, `renewalInfo` (RFC 9773).
 */
const cache = new Map<string, Promise<Record<string, unknown>>>();

/** The directory object; rejects with "cannot reach the ACME server at URL: <why>". */
export function fetchDirectory(directoryUrl: string): Promise<Record<string, unknown>> {
  let pending = cache.get(directoryUrl);
  if (!pending) {
    pending = (async () => {
      let response: Response;
      try {
        response = await fetch(directoryUrl, { signal: AbortSignal.timeout(15_000), headers: { accept: 'application/json' } });
      } catch (error) {
        throw new Error(`cannot reach the ACME server at ${directoryUrl}: ${networkReason(error)}`);
      }
      if (!response.ok) throw new Error(`the ACME server at ${directoryUrl} answered HTTP ${response.status}`);
      const body: unknown = await response.json().catch(() => undefined);
      if (typeof body !== 'object' || body === null || !('newOrder' in body)) throw new Error(`${directoryUrl} is not an ACME directory`);
      return body as Record<string, unknown>;
    })();
    // A failure is not remembered: a later call in the same run may find the CA back.
    pending.catch(() => cache.delete(directoryUrl));
    cache.set(directoryUrl, pending);
  }
  return pending;
}

export async function renewalInfoUrl(directoryUrl: string, log?: (text: string) => void): Promise<string | undefined> {
  try {
    const { renewalInfo } = await fetchDirectory(directoryUrl);
    return typeof renewalInfo === 'string' ? renewalInfo : undefined;
  } catch (error) {
    log?.((error as Error).message);
    return undefined;
  }
}

/** fetch() says only "fetch failed"; the reason (ECONNREFUSED, a certificate error) is its cause. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  if (cause?.message) return cause.message;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return (error as Error).message ?? String(error);
}
