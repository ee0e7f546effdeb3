import { describe, expect, it } from 'vitest';
import { certsProblems, needsWebroot } from '../../../src/config/certs-rules.js';

const where = (field: string) => `stages.prod.certs.${field}`;

describe('needsWebroot', () => {
  it('is needed without dns, and for IP addresses even with dns', () => {
    expect(needsWebroot({ domains: ['a.example.com'] })).toBe(true);
    expect(needsWebroot({ domains: ['a.example.com'], dns: {} })).toBe(false);
    expect(needsWebroot({ domains: ['192.0.2.1'], dns: {} })).toBe(true);
  });
});

describe('certsProblems', () => {
  it('accepts names in the zone and a plain HTTP-01 section', () => {
    expect(certsProblems({ domains: ['a.example.com'] }, where)).toEqual([]);
    expect(certsProblems({ domains: ['*.example.com', 'example.com'], dns: { zone: 'example.com' } }, where)).toEqual([]);
  });

  it('names the field and what to set for a wildcard without dns', () => {
    expect(certsProblems({ domains: ['*.example.com'] }, where)).toEqual([
      'stages.prod.certs.domains[0]: "*.example.com" is a wildcard name, which only DNS-01 can validate; set certs.dns: { server, zone, keyFile }',
    ]);
  });

  it('reports a name outside the zone, but not a name that only ends with the zone text', () => {
    expect(certsProblems({ domains: ['a.other.org', 'badexample.com'], dns: { zone: 'example.com' } }, where)).toEqual([
      'stages.prod.certs.domains[0]: "a.other.org" is not in the zone "example.com" (certs.dns.zone), where ship adds the DNS-01 record',
      'stages.prod.certs.domains[1]: "badexample.com" is not in the zone "example.com" (certs.dns.zone), where ship adds the DNS-01 record',
    ]);
  });

  it("asks for the shortlived profile for an IP address at Let's Encrypt only", () => {
    expect(certsProblems({ domains: ['192.0.2.1'] }, where)).toEqual([
      `stages.prod.certs.profile: Let's Encrypt issues certificates for IP addresses ("192.0.2.1") only under the "shortlived" profile; set profile: "shortlived"`,
    ]);
    expect(certsProblems({ domains: ['192.0.2.1'], profile: 'shortlived' }, where)).toEqual([]);
    expect(certsProblems({ domains: ['192.0.2.1'], directory: 'https://ca.example/dir' }, where)).toEqual([]);
  });
});
