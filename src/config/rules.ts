import { isIP } from 'node:net';
import { posix } from 'node:path';
import { describeChar } from './host-spec.js';

/**
 * Checks on single values from hosts.ts. Each returns why a value is unusable, or undefined.
 * They are stricter than the systems they feed: these values name files and units on servers,
 * appear in every plan a person reads, and a narrow alphabet keeps both boring.
 */

const PATH_CHARS = /[^A-Za-z0-9/._@+-]/;
const PATH_ALPHABET = 'use letters, digits and / . _ - @ + only';

/** An absolute, normalised directory or file on the hosts. */
export function remotePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'expected an absolute path, starting with /';
  const bad = PATH_CHARS.exec(path);
  if (bad) return `contains ${describeChar(bad[0])}; ${PATH_ALPHABET}`;
  if (path.split('/').includes('..')) return 'must not contain ".."';
  const normal = posix.normalize(path).replace(/(.)\/$/, '$1');
  if (normal !== path) return `is not normalised; did you mean "${normal}"?`;
  return undefined;
}

/** The deploy root: like any remote path, but `/` itself would put releases/ into the root. */
export function deployPathProblem(path: string): string | undefined {
  return path === '/' ? 'must be a directory below /, such as /srv/hello' : remotePathProblem(path);
}

/** An entry of `shared`: relative to shared/ and to the release, a trailing / for directories. */
export function sharedPathProblem(entry: string): string | undefined {
  if (entry.startsWith('/')) return 'expected a path relative to the release, without a leading /';
  const bad = PATH_CHARS.exec(entry);
  if (bad) return `contains ${describeChar(bad[0])}; ${PATH_ALPHABET}`;
  const segments = entry.replace(/\/$/, '').split('/');
  if (segments.includes('..')) return 'must not contain ".."';
  if (segments.some((s) => s === '' || s === '.')) return 'is not normalised (empty, "." or "//" parts)';
  return undefined;
}

// systemd's alphabet for unit names, minus the leading "-" that systemctl would take as an option.
const UNIT = /^[A-Za-z0-9_:.\\@][A-Za-z0-9_:.\\@-]{0,254}$/;

export function unitNameProblem(name: string): string | undefined {
  return UNIT.test(name) ? undefined : 'expected a systemd unit name such as "hello" or "nginx.service"';
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS name such as `hello.example.com`: at least two labels, not all-numeric at the end. */
export function dnsNameProblem(name: string): string | undefined {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  if (name.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels.at(-1) ?? '')) {
    return 'expected a DNS name such as "hello.example.com"';
  }
  return undefined;
}

/** An IPv4 or IPv6 address as written in a certificate: no zone (`%eth0`), no brackets. */
export function isIpAddress(name: string): boolean {
  return isIP(name) !== 0 && !name.includes('%');
}

/**
 * A name a certificate can carry: a DNS name, a wildcard `*.example.com` (DNS-01 only, which
 * certs-rules.ts checks), or an IP address (HTTP-01 to that address).
 */
export function certNameProblem(name: string): string | undefined {
  if (isIpAddress(name)) return undefined;
  const base = name.startsWith('*.') ? name.slice(2) : name;
  return (
    dnsNameProblem(base) &&
    'expected a DNS name such as "hello.example.com", a wildcard such as "*.example.com" or an IP address such as "192.0.2.10"'
  );
}

/** An ACME profile name as CAs publish them (`classic`, `tlsserver`, `shortlived`). */
export function profileProblem(name: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) ? undefined : 'expected a profile name the CA offers, such as "shortlived"';
}

/** Where RFC 2136 updates go: `ns1.example.com`, `192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:53`. */
export function dnsServerProblem(server: string): string | undefined {
  const expected = 'expected a DNS server as host or host:port, such as "ns1.example.com" or "192.0.2.53:53"';
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : isIpAddress(server)
      ? [server, undefined]
      : [server.replace(/:\d{1,5}$/, ''), /:(\d{1,5})$/.exec(server)?.[1]];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return expected;
  if (bracketed && isIP(host) !== 6) return expected;
  return isIpAddress(host) || !dnsNameProblem(host) ? undefined : expected;
}

/** A value that ends up on one line of a unit file or an env file. */
export function singleLineProblem(value: string): string | undefined {
  const bad = /[\n\r\0]/.exec(value);
  return bad ? `contains ${describeChar(bad[0])}; it must fit on one line` : undefined;
}

export const ACME_DIRECTORIES = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export function acmeDirectoryProblem(directory: string): string | undefined {
  if (directory in ACME_DIRECTORIES) return undefined;
  return httpUrlProblem(directory, 'https:') && 'expected "letsencrypt", "letsencrypt-staging" or an https:// directory URL';
}

/** The health check is fetched on the host side of the SSH connection, so plain HTTP is right. */
export function healthUrlProblem(url: string): string | undefined {
  return httpUrlProblem(url, 'http:') && 'expected an http:// URL as seen from the host, such as "http://127.0.0.1:4000/health"';
}

function httpUrlProblem(url: string, protocol: 'http:' | 'https:'): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === protocol && parsed.hostname !== '' ? undefined : `not ${protocol}`;
  } catch {
    return 'not a URL';
  }
}
