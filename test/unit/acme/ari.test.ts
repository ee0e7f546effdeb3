import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ariCertId, renewalWindow, retryAfterSeconds } from '../../../src/acme/ari.js';
import { certificateIds } from '../../../src/acme/der.js';
import { cert } from './fixtures.js';

describe('ARI certificate id', () => {
  it('is base64url(AKI keyIdentifier) "." base64url(serial DER bytes), as in RFC 9773', () => {
    // The fixture uses the RFC's example AKI and serial 0x87654321, whose DER has a leading 00.
    expect(ariCertId(cert('leaf.pem'))).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('reads the serial bytes exactly as encoded', () => {
    expect(certificateIds(cert('leaf.pem').raw).serial.toString('hex')).toBe('0087654321');
  });

  it('is undefined for a certificate without an Authority Key Identifier', () => {
    expect(certificateIds(cert('noaki.pem').raw).authorityKeyId).toBeUndefined();
    expect(ariCertId(cert('noaki.pem'))).toBeUndefined();
  });

  it('rejects bytes that are not a certificate', () => {
    expect(() => certificateIds(Buffer.from([0x30, 0x05, 0x02]))).toThrow(/DER/);
  });
});

describe('Retry-After', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  it('takes seconds or an HTTP date, clamped to 1 minute .. 1 day, 6 hours when absent', () => {
    expect(retryAfterSeconds('3600', now)).toBe(3600);
    expect(retryAfterSeconds('Wed, 01 Jan 2025 02:00:00 GMT', now)).toBe(7200);
    expect(retryAfterSeconds('1', now)).toBe(60);
    expect(retryAfterSeconds('9999999', now)).toBe(86_400);
    expect(retryAfterSeconds(null, now)).toBe(21_600);
    expect(retryAfterSeconds('soon', now)).toBe(21_600);
  });
});

/** A renewalInfo endpoint on localhost: real HTTP, answers set by the test. */
async function renewalInfoServer(
  answer: () => { status: number; body?: unknown; retryAfter?: string },
): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const a = answer();
    res.writeHead(a.status, { 'content-type': 'application/json', ...(a.retryAfter ? { 'retry-after': a.retryAfter } : {}) });
    res.end(a.body === undefined ? '' : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/renewal-info/`, requests, server };
}

describe('renewal window', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  const window = {
    suggestedWindow: { start: '2025-02-01T00:00:00Z', end: '2025-02-03T00:00:00Z' },
    explanationURL: 'https://ca.example/why',
  };
  const id = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';

  it('GETs <renewalInfo>/<id>, picks a moment inside the window and caches it until Retry-After', async () => {
    const ca = await renewalInfoServer(() => ({ status: 200, body: window, retryAfter: '3600' }));
    server = ca.server;
    const cacheDir = await mkdtemp(join(tmpdir(), 'ship-ari-'));
    const now = new Date('2025-01-15T00:00:00Z');
    const got = await renewalWindow(ca.url, id, { now, cacheDir, random: () => 0.25 });
    expect(ca.requests).toEqual([`/renewal-info/${id}`]);
    expect(got).toEqual({
      start: new Date('2025-02-01T00:00:00Z'),
      end: new Date('2025-02-03T00:00:00Z'),
      selected: new Date('2025-02-01T12:00:00Z'),
      explanationUrl: 'https://ca.example/why',
    });
    expect(JSON.parse(await readFile(join(cacheDir, `${id}.json`), 'utf8'))).toMatchObject({ retryAfter: '2025-01-15T01:00:00.000Z' });

    // Within Retry-After: no request, same answer.
    const again = await renewalWindow(ca.url, id, { now: new Date('2025-01-15T00:59:00Z'), cacheDir, random: () => 0.9 });
    expect(ca.requests).toHaveLength(1);
    expect(again).toEqual(got);

    // After it: asked again; the window is unchanged, so the picked moment stays.
    const later = await renewalWindow(ca.url, id, { now: new Date('2025-01-15T01:00:00Z'), cacheDir, random: () => 0.9 });
    expect(ca.requests).toHaveLength(2);
    expect(later?.selected).toEqual(got?.selected);
  });

  it('falls back to the cached window, or to nothing, when the CA fails', async () => {
    let status = 200;
    const ca = await renewalInfoServer(() => ({ status, body: window, retryAfter: '60' }));
    server = ca.server;
    const cacheDir = await mkdtemp(join(tmpdir(), 'ship-ari-'));
    const log: string[] = [];
    expect(
      await renewalWindow(ca.url, 'other.id', {
        now: new Date('2025-01-15T00:00:00Z'),
        cacheDir,
        random: () => 0,
        log: (t) => log.push(t),
      }),
    ).toBeDefined();
    status = 500;
    const stale = await renewalWindow(ca.url, 'other.id', { now: new Date('2025-01-16T00:00:00Z'), cacheDir, log: (t) => log.push(t) });
    expect(stale?.selected).toEqual(new Date('2025-02-01T00:00:00Z'));
    expect(
      await renewalWindow(ca.url, 'never.seen', { now: new Date('2025-01-16T00:00:00Z'), cacheDir, log: (t) => log.push(t) }),
    ).toBeUndefined();
    expect(log.join('\n')).toMatch(/HTTP 500/);
  });

  it('ignores an answer without a usable window', async () => {
    const ca = await renewalInfoServer(() => ({ status: 200, body: { suggestedWindow: { start: 'x' } } }));
    server = ca.server;
    const cacheDir = await mkdtemp(join(tmpdir(), 'ship-ari-'));
    expect(await renewalWindow(ca.url, id, { now: new Date(), cacheDir })).toBeUndefined();
  });
});
