/**
 * The due decision for a stage: the policy's, asked of the CA's renewal window (ARI) only when
 * every host holds the same certificate, the configured CA issued it, and ARI is not turned off.
 * The "CA" is a local HTTP server that counts what it is asked; its directory offers no ARI, so
 * the policy's own decision stands and nothing is replaced.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assess } from '../../../src/acme/assess.js';
import { decide, type HostCert } from '../../../src/acme/policy.js';
import type { CertFacts } from '../../../src/acme/x509.js';
import type { ResolvedCerts } from '../../../src/config/types.js';
import { cert } from './fixtures.js';

/** What assess takes per host (from acme/read.ts, named here so this test imports only what it tests). */
type HostReading = Parameters<typeof assess>[0][number];

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');
let server: Server;
let asked: string[] = [];
let directoryUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ newNonce: 'x', newAccount: 'x', newOrder: 'x' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  directoryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dir`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
let run = 0;
beforeEach(() => {
  asked = [];
  // A directory of its own per test: ship reads a CA's directory once per process.
  directoryUrl = directoryUrl.replace(/\/dir.*$/, `/dir${++run}`);
});

const certs = (): ResolvedCerts =>
  ({ domains: ['a.example.com'], keyType: 'ecdsa-p256', directoryUrl, profile: undefined }) as unknown as ResolvedCerts;

function facts(fingerprint: string, ageDays: number): CertFacts {
  const notBefore = new Date(NOW.getTime() - ageDays * DAY);
  return {
    names: ['a.example.com'],
    keyType: 'ecdsa-p256',
    notBefore,
    notAfter: new Date(notBefore.getTime() + 90 * DAY),
    serial: '01',
    fingerprint,
    issuer: 'Test CA',
  };
}

function reading(host: string, fingerprint: string, ageDays: number): HostReading {
  const hostCert: HostCert = { host, state: 'present', facts: facts(fingerprint, ageDays), origin: { trusted: false, directoryUrl } };
  // The chain only matters for the ARI id; a real certificate so one could be made.
  return { cert: hostCert, chain: [cert('leaf.pem')] };
}

describe('assess', () => {
  it('with one certificate on every host, asks the CA for its window; without ARI there, the policy decides', async () => {
    const readings = [reading('h1', 'AA', 80), reading('h2', 'AA', 80)];
    const result = await assess(readings, certs(), { now: NOW });
    expect(asked).toEqual([`/dir${run}`]);
    expect(result).toEqual({
      decision: decide(
        readings.map((r) => r.cert),
        certs(),
        NOW,
        { window: undefined },
      ),
    });
    expect(result.decision).toMatchObject({ due: true });
  });

  it('hosts with different certificates: the CA is not asked (its window is for one certificate)', async () => {
    const readings = [reading('h1', 'AA', 10), reading('h2', 'BB', 10)];
    const result = await assess(readings, certs(), { now: NOW });
    expect(asked).toEqual([]);
    expect(result).toEqual({
      decision: decide(
        readings.map((r) => r.cert),
        certs(),
        NOW,
        {},
      ),
    });
  });

  it('ari: false, or a host without the certificate: the CA is not asked', async () => {
    await assess([reading('h1', 'AA', 10)], certs(), { now: NOW, ari: false });
    const missing: HostReading = { cert: { host: 'h2', state: 'missing', detail: 'no certificate at /etc/x' } };
    const result = await assess([reading('h1', 'AA', 10), missing], certs(), { now: NOW });
    expect(asked).toEqual([]);
    expect(result.decision).toMatchObject({ due: true });
  });
});
