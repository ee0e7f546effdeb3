/**
 * The names on a certificate, as hosts.ts writes them and as a certificate carries them: DNS
 * names, wildcards (`*.example.com`) and IP addresses. One spelling for each, so "have the names
 * changed?" compares like with like: lowercase, no trailing dot, IPv6 in its short form.
 */
import { isIpAddress } from './rules.js';

export function canonicalName(name: string): string {
  if (isIpAddress(name) && name.includes(':')) return new URL(`http://[${name}]/`).hostname.slice(1, -1);
  return name.toLowerCase().replace(/\.$/, '');
}

export function isWildcard(name: string): boolean {
  return name.startsWith('*.');
}

/** The name without its wildcard label: what DNS-01 proves control of. */
export function baseName(name: string): string {
  return isWildcard(name) ? name.slice(2) : name;
}

/** The directory name of a certificate's default paths: no `*` (a glob) and no `:` in a path. */
export function fileStem(name: string): string {
  return baseName(name).replaceAll(':', '-');
}

/**
 * The TLS server name that reaches the site serving this certificate: a plain DNS name if there
 * is one, else a name under the first wildcard; none for IP addresses (SNI carries no addresses).
 */
export function tlsServerName(domains: readonly string[]): string | undefined {
  const plain = domains.find((d) => !isWildcard(d) && !isIpAddress(d));
  if (plain) return plain;
  const wildcard = domains.find(isWildcard);
  return wildcard ? `ship-tls-check.${baseName(wildcard)}` : undefined;
}
