import { describe, expect, it } from 'vitest';
import { isPubliclyTrusted } from '../../../src/acme/trust.js';
import { validatePair } from '../../../src/acme/validate.js';
import { certFacts, parseChain } from '../../../src/acme/x509.js';
import { cert, fixture } from './fixtures.js';

const wanted = { domains: ['a.example.com', 'b.example.com'], keyType: 'ecdsa-p256' };
const now = new Date('2030-01-01T00:00:00Z');

describe('certificate facts', () => {
  it('reads names, key type, serial, issuer and dates with node:crypto', () => {
    const facts = certFacts(cert('leaf.pem'));
    expect(facts).toMatchObject({
      names: ['a.example.com', 'b.example.com'],
      keyType: 'ecdsa-p256',
      serial: '87654321',
      issuer: 'ship test CA',
    });
    expect(facts.notAfter.getUTCFullYear()).toBe(2126);
    expect(certFacts(cert('rsa.pem')).keyType).toBe('rsa-2048');
  });

  it('parses a full chain leaf first', () => {
    expect(parseChain(fixture('fullchain.pem')).map((c) => c.subject)).toEqual(['CN=a.example.com', 'CN=ship test CA']);
    expect(() => parseChain('not a certificate')).toThrow(/no PEM certificate/);
  });
});

describe('validating a new pair before it is installed', () => {
  it('accepts a chain whose key matches and whose names and key type are wanted', () => {
    expect(validatePair(fixture('leaf.key'), fixture('fullchain.pem'), wanted, now).serial).toBe('87654321');
  });

  it("refuses a key that is not the certificate's", () => {
    expect(() => validatePair(fixture('other.key'), fixture('fullchain.pem'), wanted, now)).toThrow(
      'the new private key does not belong to the new certificate',
    );
  });

  it('refuses names other than the wanted ones', () => {
    expect(() => validatePair(fixture('leaf.key'), fixture('fullchain.pem'), { ...wanted, domains: ['a.example.com'] }, now)).toThrow(
      /names changed/,
    );
  });

  it('refuses another key type than configured', () => {
    expect(() => validatePair(fixture('rsa.key'), fixture('rsa.pem'), wanted, now)).toThrow(
      /key type changed: the certificate has rsa-2048/,
    );
    expect(validatePair(fixture('rsa.key'), fixture('rsa.pem'), { ...wanted, keyType: 'rsa-2048' }, now).keyType).toBe('rsa-2048');
  });

  it('refuses what does not parse', () => {
    expect(() => validatePair(fixture('leaf.key'), 'garbage', wanted, now)).toThrow(/does not parse/);
    expect(() => validatePair('garbage', fixture('fullchain.pem'), wanted, now)).toThrow(/private key does not parse/);
  });

  it('refuses a chain in the wrong order', () => {
    expect(() => validatePair(fixture('leaf.key'), fixture('leaf.pem') + fixture('rsa.pem'), wanted, now)).toThrow(/chain is broken/);
  });

  it('refuses a certificate that is not valid now', () => {
    expect(() => validatePair(fixture('leaf.key'), fixture('fullchain.pem'), wanted, new Date('2200-01-01T00:00:00Z'))).toThrow(
      /not valid now/,
    );
  });
});

describe('production or not', () => {
  const chain = parseChain(fixture('fullchain.pem'));
  it('is trusted when the chain ends at, or is issued by, a trusted root', () => {
    expect(isPubliclyTrusted(chain, [cert('ca.pem')])).toBe(true);
    expect(isPubliclyTrusted([cert('leaf.pem')], [cert('ca.pem')])).toBe(true);
  });

  it('is not trusted against the public roots (a test CA, like staging or Pebble)', () => {
    expect(isPubliclyTrusted(chain)).toBe(false);
  });

  it('is not trusted when the chain does not hold together', () => {
    expect(isPubliclyTrusted([cert('leaf.pem'), cert('rsa.pem'), cert('ca.pem')], [cert('ca.pem')])).toBe(false);
  });
});
