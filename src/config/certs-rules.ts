/**
 * Checks across the fields of a stage's `certs`, once the top-level `certs` is merged in (a
 * stage may take `domains` from one place and `dns` from the other). Each says what to change.
 */
import { baseName, canonicalName, isWildcard } from './cert-names.js';
import { dnsNameProblem, isIpAddress } from './rules.js';

/** HTTP-01, and so a webroot, is needed for every name without DNS-01, and always for IP addresses. */
export function needsWebroot(certs: { domains?: readonly unknown[]; dns?: unknown }): boolean {
  return certs.dns === undefined || (certs.domains ?? []).some((d) => typeof d === 'string' && isIpAddress(d));
}

/** Directories whose CA issues IP-address certificates only under the `shortlived` profile. */
const LETS_ENCRYPT = new Set([
  undefined,
  'letsencrypt',
  'letsencrypt-staging',
  'https://acme-v02.api.letsencrypt.org/directory',
  'https://acme-staging-v02.api.letsencrypt.org/directory',
]);

type Section = Record<string, unknown>;

/** `where(field)` locates a field of the merged section: the stage's own when it sets it, else the top level's. */
export function certsProblems(merged: Section, where: (field: string) => string): string[] {
  const domains = Array.isArray(merged.domains) ? merged.domains : [];
  const dns = isRecord(merged.dns) ? merged.dns : undefined;
  // A zone that is itself wrong is reported on its own; the names are not checked against it.
  const zone = typeof dns?.zone === 'string' && !dnsNameProblem(dns.zone) ? canonicalName(dns.zone) : undefined;
  const problems: string[] = [];
  domains.forEach((domain: unknown, i) => {
    if (typeof domain !== 'string') return;
    const at = `${where('domains')}[${i}]`;
    if (isWildcard(domain) && !dns) {
      problems.push(
        `${at}: ${JSON.stringify(domain)} is a wildcard name, which only DNS-01 can validate; set certs.dns: { server, zone, keyFile }`,
      );
    }
    const base = canonicalName(baseName(domain));
    if (zone && !isIpAddress(domain) && base !== zone && !base.endsWith(`.${zone}`)) {
      problems.push(
        `${at}: ${JSON.stringify(domain)} is not in the zone ${JSON.stringify(zone)} (certs.dns.zone), where ship adds the DNS-01 record`,
      );
    }
  });
  const ip = domains.find((d): d is string => typeof d === 'string' && isIpAddress(d));
  if (ip && LETS_ENCRYPT.has(merged.directory as string | undefined) && merged.profile !== 'shortlived') {
    problems.push(
      `${where('profile')}: Let's Encrypt issues certificates for IP addresses (${JSON.stringify(ip)}) only under the "shortlived" profile; set profile: "shortlived"`,
    );
  }
  return problems;
}

function isRecord(value: unknown): value is Section {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
