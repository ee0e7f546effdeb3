import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WARN,
  decide,
  describeWarn,
  duration,
  lifetimeDecision,
  needsAttention,
  originProblem,
  parseWarn,
  windowDecision,
  type CertOrigin,
  type HostCert,
} from '../../../src/acme/policy.js';
import { ACME_DIRECTORIES } from '../../../src/config/rules.js';
import type { CertFacts } from '../../../src/acme/x509.js';

const DAY = 86_400_000;
const CA = 'https://ca.example/dir';
const wanted = { domains: ['a.example.com', 'b.example.com'], keyType: 'ecdsa-p256', directoryUrl: CA };

function facts(notBefore: string, lifetimeMs: number, extra: Partial<CertFacts> = {}): CertFacts {
  const start = new Date(notBefore);
  return {
    names: ['a.example.com', 'b.example.com'],
    keyType: 'ecdsa-p256',
    notBefore: start,
    notAfter: new Date(start.getTime() + lifetimeMs),
    serial: '01',
    fingerprint: 'AA',
    issuer: 'Test CA',
    ...extra,
  };
}

const on = (host: string, f: CertFacts, origin: CertOrigin = { trusted: false, directoryUrl: CA }): HostCert => ({
  host,
  state: 'present',
  facts: f,
  origin,
});
const at = (iso: string) => new Date(iso);

describe('due policy', () => {
  const ninety = facts('2025-01-01T00:00:00Z', 90 * DAY);

  it('is due when the certificate is missing on any host, naming the hosts', () => {
    const d = decide(
      [on('h1', ninety), { host: 'h2', state: 'missing', detail: 'no certificate at /etc/x.pem' }],
      wanted,
      at('2025-01-02T00:00:00Z'),
    );
    expect(d).toEqual({ due: true, reason: 'no certificate at /etc/x.pem on h2' });
  });

  it('groups hosts that miss the same file', () => {
    const missing = (host: string): HostCert => ({ host, state: 'missing', detail: 'no certificate at /c.pem' });
    expect(decide([missing('h1'), missing('h2')], wanted, at('2025-01-02T00:00:00Z')).reason).toBe('no certificate at /c.pem on h1, h2');
  });

  it('is due when the key is missing or the file does not parse', () => {
    expect(decide([{ host: 'h1', state: 'key-missing', detail: 'no private key at /k.pem' }], wanted, at('2025-01-02T00:00:00Z')).due).toBe(
      true,
    );
    expect(decide([{ host: 'h1', state: 'unreadable', detail: 'garbage' }], wanted, at('2025-01-02T00:00:00Z')).due).toBe(true);
  });

  it('is due when the names changed, whatever the order or case in hosts.ts', () => {
    expect(decide([on('h1', ninety)], { ...wanted, domains: ['B.example.com', 'a.example.com'] }, at('2025-01-02T00:00:00Z')).due).toBe(
      false,
    );
    const d = decide([on('h1', ninety)], { ...wanted, domains: ['a.example.com', 'c.example.com'] }, at('2025-01-02T00:00:00Z'));
    expect(d.due).toBe(true);
    expect(d.reason).toBe(
      'h1: names changed: the certificate has a.example.com, b.example.com; hosts.ts wants a.example.com, c.example.com',
    );
  });

  it('is due when the key type changed in hosts.ts', () => {
    const d = decide([on('h1', ninety)], { ...wanted, keyType: 'rsa-2048' }, at('2025-01-02T00:00:00Z'));
    expect(d).toEqual({ due: true, reason: 'h1: key type changed: the certificate has ecdsa-p256; hosts.ts wants rsa-2048' });
  });

  it('is due when hosts serve different certificates', () => {
    const other = { ...ninety, fingerprint: 'BB', serial: '02' };
    expect(decide([on('h1', ninety), on('h2', other)], wanted, at('2025-01-02T00:00:00Z')).reason).toBe(
      'hosts serve different certificates (h1: serial 01, h2: serial 02)',
    );
  });

  it('is due when a fresh certificate comes from another CA than hosts.ts names', () => {
    const staging = { trusted: false, directoryUrl: 'https://staging.example/dir' };
    expect(decide([on('h1', ninety), on('h2', ninety, staging)], wanted, at('2025-01-02T00:00:00Z'))).toEqual({
      due: true,
      reason: 'h2: ordered from https://staging.example/dir (issuer Test CA); hosts.ts asks for https://ca.example/dir',
    });
    expect(decide([on('h1', ninety), on('h2', ninety)], wanted, at('2025-01-02T00:00:00Z')).due).toBe(false);
  });

  it('renews a 90-day certificate when less than 1/3 of its lifetime is left (day 60)', () => {
    expect(decide([on('h1', ninety)], wanted, at('2025-03-01T23:59:00Z'))).toMatchObject({
      due: false,
      renewAt: at('2025-03-02T00:00:00Z'),
    });
    expect(decide([on('h1', ninety)], wanted, at('2025-03-02T00:00:00Z'))).toEqual({
      due: true,
      reason: 'expires in 30 days, less than 1/3 of its lifetime (90 days) is left',
    });
  });

  it('renews a certificate living under 10 days when less than 1/2 is left', () => {
    const six = facts('2025-01-01T00:00:00Z', 6 * DAY);
    expect(lifetimeDecision(six, at('2025-01-03T23:00:00Z')).due).toBe(false);
    expect(lifetimeDecision(six, at('2025-01-04T00:00:00Z')).due).toBe(true);
    // 10 days exactly is not "under 10 days": back to 1/3.
    const ten = facts('2025-01-01T00:00:00Z', 10 * DAY);
    expect(lifetimeDecision(ten, at('2025-01-06T00:00:00Z')).due).toBe(false);
  });

  it('works for test certificates that live a minute', () => {
    const minute = facts('2025-01-01T00:00:00Z', 60_000);
    expect(lifetimeDecision(minute, at('2025-01-01T00:00:29Z')).due).toBe(false);
    expect(lifetimeDecision(minute, at('2025-01-01T00:00:30Z')).reason).toBe(
      'expires in 30 seconds, less than 1/2 of its lifetime (60 seconds) is left',
    );
  });

  it('is due once expired', () => {
    expect(decide([on('h1', ninety)], wanted, at('2025-04-02T00:00:00Z')).reason).toBe('expired 24 hours ago');
  });

  it('follows the CA window instead of the lifetime rule when there is one', () => {
    const window = { start: at('2025-01-10T00:00:00Z'), end: at('2025-01-12T00:00:00Z'), selected: at('2025-01-11T00:00:00Z') };
    // Early by the lifetime rule (day 10 of 90), yet due: the CA asked.
    expect(decide([on('h1', ninety)], wanted, at('2025-01-11T00:00:00Z'), { window }).due).toBe(true);
    expect(decide([on('h1', ninety)], wanted, at('2025-01-10T12:00:00Z'), { window })).toMatchObject({
      due: false,
      renewAt: window.selected,
    });
    // Late by the lifetime rule (day 61), yet not due: the window says later.
    const late = { start: at('2025-03-20T00:00:00Z'), end: at('2025-03-22T00:00:00Z'), selected: at('2025-03-21T00:00:00Z') };
    expect(decide([on('h1', ninety)], wanted, at('2025-03-03T00:00:00Z'), { window: late }).due).toBe(false);
  });

  it('names the explanation URL the CA gives', () => {
    const window = {
      start: at('2025-01-10T00:00:00Z'),
      end: at('2025-01-12T00:00:00Z'),
      selected: at('2025-01-10T00:00:00Z'),
      explanationUrl: 'https://ca.example/incident',
    };
    expect(windowDecision(window, at('2025-01-11T00:00:00Z')).reason).toContain('explanation: https://ca.example/incident');
  });

  it('is due regardless of anything when forced', () => {
    expect(decide([on('h1', ninety)], wanted, at('2025-01-02T00:00:00Z'), { force: true })).toEqual({
      due: true,
      reason: 'forced (--force)',
    });
  });

  it('flags the last 1/6 of the lifetime for monitoring', () => {
    expect(needsAttention(ninety, at('2025-03-17T00:00:00Z'))).toBe(false);
    expect(needsAttention(ninety, at('2025-03-17T00:00:01Z'))).toBe(true);
    expect(needsAttention(ninety, at('2025-05-01T00:00:00Z'))).toBe(true);
  });

  it('says durations in whole units', () => {
    expect([duration(90 * DAY), duration(36 * 3600_000), duration(90_000), duration(1000), duration(-5)]).toEqual([
      '90 days',
      '36 hours',
      '90 seconds',
      '1 second',
      '0 seconds',
    ]);
  });
});

describe('whether a certificate is from the CA hosts.ts names', () => {
  const fresh = facts('2025-01-01T00:00:00Z', 90 * DAY);
  const letsencrypt = ACME_DIRECTORIES.letsencrypt;

  it('for any directory but a public one: only what ship recorded ordering from that URL', () => {
    expect(originProblem({ trusted: false, directoryUrl: CA }, fresh, CA)).toBeUndefined();
    expect(originProblem({ trusted: false, directoryUrl: 'https://other.example/dir' }, fresh, CA)).toBe(
      'ordered from https://other.example/dir (issuer Test CA); hosts.ts asks for https://ca.example/dir',
    );
    expect(originProblem({ trusted: false }, fresh, CA)).toBe(
      'issued by Test CA, not recorded as ordered from https://ca.example/dir, which hosts.ts asks for',
    );
    // Let's Encrypt's staging directory is one of these: its certificates are not trusted.
    const staging = ACME_DIRECTORIES['letsencrypt-staging'];
    expect(originProblem({ trusted: false, directoryUrl: letsencrypt }, fresh, staging)).toMatch(/^ordered from https:\/\/acme-v02/);
  });

  it('leaves a publicly trusted certificate to its normal renewal under any directory', () => {
    expect(originProblem({ trusted: true }, fresh, CA)).toBeUndefined();
    expect(originProblem({ trusted: true, directoryUrl: 'https://other.example/dir' }, fresh, CA)).toBeUndefined();
  });

  it("for Let's Encrypt: due unless browsers trust it, whatever was recorded", () => {
    expect(originProblem({ trusted: true }, fresh, letsencrypt)).toBeUndefined();
    const reason = `issued by Test CA, which browsers do not trust (a staging or test CA); hosts.ts asks for ${letsencrypt}`;
    expect(originProblem({ trusted: false }, fresh, letsencrypt)).toBe(reason);
    expect(originProblem({ trusted: false, directoryUrl: letsencrypt }, fresh, letsencrypt)).toBe(reason);
  });
});

describe('whether a certificate has the profile hosts.ts names', () => {
  const ninety = facts('2025-01-01T00:00:00Z', 90 * DAY);
  const now = at('2025-01-02T00:00:00Z');
  const recorded = (profile?: string): CertOrigin => ({ trusted: false, directoryUrl: CA, ...(profile ? { profile } : {}) });

  it('is due when the profile changed, either way', () => {
    expect(decide([on('h1', ninety, recorded('shortlived'))], { ...wanted, profile: 'shortlived' }, now).due).toBe(false);
    expect(decide([on('h1', ninety, recorded('shortlived'))], { ...wanted, profile: 'classic' }, now)).toEqual({
      due: true,
      reason: 'h1: profile changed: ordered with profile "shortlived"; hosts.ts names "classic"',
    });
    expect(decide([on('h1', ninety, recorded())], { ...wanted, profile: 'shortlived' }, now).reason).toBe(
      'h1: profile changed: ordered without a profile (the CA\'s default); hosts.ts names "shortlived"',
    );
    expect(decide([on('h1', ninety, recorded('shortlived'))], wanted, now).reason).toBe(
      'h1: profile changed: ordered with profile "shortlived"; hosts.ts names none (the CA\'s default)',
    );
    expect(decide([on('h1', ninety, recorded())], wanted, now).due).toBe(false);
  });

  it('renews a certificate without a record once, when hosts.ts names a profile', () => {
    const letsencrypt = { ...wanted, directoryUrl: ACME_DIRECTORIES.letsencrypt };
    expect(decide([on('h1', ninety, { trusted: true })], letsencrypt, now).due).toBe(false);
    expect(decide([on('h1', ninety, { trusted: true })], { ...letsencrypt, profile: 'shortlived' }, now).reason).toBe(
      'h1: not recorded as ordered with profile "shortlived", which hosts.ts names',
    );
  });
});

describe('the CA window and the lifetime', () => {
  it('follows a window, but not into the last 1/6 of the lifetime', () => {
    const ninety = facts('2025-01-01T00:00:00Z', 90 * DAY);
    // A window that ends at expiry, with the moment picked on day 88: ship renews at day 75.
    const late = { start: at('2025-03-01T00:00:00Z'), end: at('2025-04-01T00:00:00Z'), selected: at('2025-03-29T00:00:00Z') };
    expect(decide([on('h1', ninety)], wanted, at('2025-03-15T23:59:00Z'), { window: late })).toMatchObject({
      due: false,
      renewAt: at('2025-03-17T00:00:00Z'),
    });
    expect(decide([on('h1', ninety)], wanted, at('2025-03-17T00:00:00Z'), { window: late }).due).toBe(true);
  });

  it('is due at once for a window wholly in the past, the CA\'s "renew now"', () => {
    const six = facts('2025-01-01T00:00:00Z', 6 * DAY + 16 * 3600_000);
    const now = at('2025-01-01T01:00:00Z');
    const past = { start: at('2025-01-01T00:00:00Z'), end: at('2025-01-01T00:00:01Z'), selected: at('2025-01-01T00:00:00.500Z') };
    expect(decide([on('h1', six)], wanted, now, { window: past })).toEqual({
      due: true,
      reason: "the CA's renewal window is open, 2025-01-01T00:00:00.000Z to 2025-01-01T00:00:01.000Z",
    });
    expect(decide([on('h1', six)], wanted, now).due).toBe(false);
  });
});

describe('monitoring thresholds (certs status --warn)', () => {
  const ninety = facts('2025-01-01T00:00:00Z', 90 * DAY);

  it('reads days, decimal fractions and n/m fractions, and nothing else', () => {
    expect(parseWarn('14')).toEqual({ kind: 'days', value: 14 });
    expect(parseWarn('1.5')).toEqual({ kind: 'days', value: 1.5 });
    expect(parseWarn('0.25')).toEqual({ kind: 'fraction', value: 0.25 });
    expect(parseWarn('1/6')).toEqual({ kind: 'fraction', value: 1 / 6 });
    for (const bad of ['', '0', '-3', '1/1', '3/2', '14d', 'two', '0x10', '1e3']) expect(parseWarn(bad)).toBeUndefined();
  });

  it('warns with fewer days left, or less of the lifetime left, than asked', () => {
    expect(needsAttention(ninety, at('2025-03-18T00:00:00Z'), { kind: 'days', value: 14 })).toBe(false);
    expect(needsAttention(ninety, at('2025-03-18T00:00:01Z'), { kind: 'days', value: 14 })).toBe(true);
    expect(needsAttention(ninety, at('2025-03-08T00:00:00Z'), { kind: 'fraction', value: 0.25 })).toBe(false);
    expect(needsAttention(ninety, at('2025-03-09T12:00:01Z'), { kind: 'fraction', value: 0.25 })).toBe(true);
    expect(describeWarn({ kind: 'days', value: 14 })).toBe('fewer than 14 days left');
    expect(describeWarn(DEFAULT_WARN)).toBe('within the last 1/6 of its lifetime');
  });
});
