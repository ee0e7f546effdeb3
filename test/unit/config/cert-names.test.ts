import { describe, expect, it } from 'vitest';
import { baseName, canonicalName, fileStem, isWildcard, tlsServerName } from '../../../src/config/cert-names.js';

describe('certificate names', () => {
  it('canonicalizes case, a trailing dot and IPv6 spellings', () => {
    expect(canonicalName('Hello.Example.COM.')).toBe('hello.example.com');
    expect(canonicalName('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalName('192.0.2.1')).toBe('192.0.2.1');
  });

  it('tells wildcards and their base name, and makes a file stem without colons', () => {
    expect(isWildcard('*.example.com')).toBe(true);
    expect(isWildcard('example.com')).toBe(false);
    expect(baseName('*.example.com')).toBe('example.com');
    expect(fileStem('*.example.com')).toBe('example.com');
    expect(fileStem('2001:db8::1')).toBe('2001-db8--1');
  });

  it('checks TLS with the first plain name, else a name under the wildcard, never an IP', () => {
    expect(tlsServerName(['192.0.2.1', '*.example.com', 'www.example.com'])).toBe('www.example.com');
    expect(tlsServerName(['*.example.com'])).toBe('ship-tls-check.example.com');
    expect(tlsServerName(['192.0.2.1'])).toBeUndefined();
  });
});
