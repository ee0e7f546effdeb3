import { isIPv6 } from 'node:net';
import { ConfigError } from '../errors.js';

/** A host as written in `stages.<name>.hosts`, split into its parts. ssh config fills the gaps. */
export interface HostSpec {
  user?: string;
  /** Name, address or ~/.ssh/config alias; an IPv6 address without its brackets. */
  host: string;
  port?: number;
}

const FORMS = 'expected user@host[:port], [ipv6]:port or an ssh config alias';
// '@' inside a user name: OpenSSH splits at the last '@', so `ship@corp@web1` is user `ship@corp`.
const USER = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;
// Names, IPv4 addresses and ssh config aliases. Deliberately narrower than what ssh_config
// accepts: a host ends up in argv (ssh, ssh-keyscan) and in plans people read.
const HOST = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/;
const PORT = /^[0-9]{1,5}$/;
// Whitespace, control characters, and characters no host name contains but a shell gives
// meaning to. Commands are data in ship, but a host also reaches other tools' argv and config
// files, so refuse these outright. Brackets are left to the IPv6 parser.
const FORBIDDEN = /[\s\x00-\x1f\x7f;&|$`'"<>(){}*?!#~\\,=%^]/;

/** Split a host spec, or throw a ConfigError that says what is wrong with it. */
export function parseHostSpec(spec: string): HostSpec {
  const result = parse(spec);
  if ('problem' in result) throw new ConfigError(`invalid host ${JSON.stringify(spec)}: ${result.problem}`);
  return result.spec;
}

/** Why `spec` is not a usable host, or undefined when it is. For the hosts.ts validator. */
export function hostSpecProblem(spec: string): string | undefined {
  const result = parse(spec);
  return 'problem' in result ? result.problem : undefined;
}

type Parsed = { spec: HostSpec } | { problem: string };

function parse(spec: string): Parsed {
  if (spec.length === 0) return { problem: `empty; ${FORMS}` };
  // Before the character check: `-oProxyCommand=...` is the classic ssh argument injection,
  // and "starts with -" says why it is dangerous better than "contains =".
  if (spec.startsWith('-')) return { problem: `starts with "-", which ssh would read as an option; ${FORMS}` };
  const bad = FORBIDDEN.exec(spec);
  if (bad) return { problem: `contains ${describeChar(bad[0])}, which no host name has; ${FORMS}` };

  const split = splitHostSpec(spec);
  if ('problem' in split) return split;
  const { user, host } = split.spec;
  if (user !== undefined && !USER.test(user)) return { problem: `"${user}" is not a valid user name; ${FORMS}` };
  if (!host.includes(':') && !HOST.test(host)) return { problem: `"${host}" is not a valid host name; ${FORMS}` };
  return split;
}

/**
 * The one reading of `[user@]host[:port]`, as OpenSSH reads a destination: the user is everything
 * before the LAST "@" (`a@b@web1` is user `a@b` on web1), `[v6addr]:port` for IPv6, and an
 * address with several colons and no brackets is IPv6 without a port. Structure only: hosts.ts
 * adds its narrow character rules (parseHostSpec), the ssh config resolver its own for jump hosts.
 */
export function splitHostSpec(spec: string): Parsed {
  const at = spec.lastIndexOf('@');
  const user = at >= 0 ? spec.slice(0, at) : undefined;
  const rest = spec.slice(at + 1);
  if (user === '') return { problem: `nothing before "@"; ${FORMS}` };

  if (rest.startsWith('[')) {
    const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
    if (!bracketed) return { problem: `${JSON.stringify(rest)} is not [ipv6] or [ipv6]:port; ${FORMS}` };
    return withUser(user, parseIPv6(bracketed[1] ?? '', bracketed[2]));
  }

  const colons = rest.split(':').length - 1;
  if (colons > 1) {
    // ssh accepts a bare IPv6 address; a port after one cannot be told apart from the address.
    if (isIPv6(rest)) return withUser(user, { spec: { host: rest } });
    return { problem: `looks like an IPv6 address; write it in brackets, like [2001:db8::1]:22` };
  }
  const [host = '', port] = rest.split(':');
  if (host === '') return { problem: `no host name; ${FORMS}` };
  return withUser(user, withPort(host, port));
}

function parseIPv6(address: string, port: string | undefined): Parsed {
  if (!isIPv6(address)) return { problem: `"[${address}]" is not an IPv6 address; ${FORMS}` };
  return withPort(address, port);
}

function withPort(host: string, port: string | undefined): Parsed {
  if (port === undefined) return { spec: { host } };
  const number = Number(port);
  if (!PORT.test(port) || number < 1 || number > 65535) {
    return { problem: `port "${port}" is not a number from 1 to 65535` };
  }
  return { spec: { host, port: number } };
}

function withUser(user: string | undefined, parsed: Parsed): Parsed {
  if ('problem' in parsed || user === undefined) return parsed;
  return { spec: { user, ...parsed.spec } };
}

/** Name a character so it can be seen in a message: a space or newline prints as nothing. */
export function describeChar(char: string): string {
  const names: Record<string, string> = { ' ': 'a space', '\n': 'a newline', '\r': 'a carriage return', '\t': 'a tab', '\0': 'a NUL byte' };
  const code = char.codePointAt(0) ?? 0;
  return (
    names[char] ?? (code < 0x20 || code === 0x7f || /\s/.test(char) ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `"${char}"`)
  );
}
