/**
 * When a certificate is due for renewal. Pure: facts and a clock in, a decision and a reason out.
 *
 * Due when it is missing (or unreadable) on any host, when the hosts disagree, when its names or
 * key type differ from hosts.ts, when it is not from the CA hosts.ts names (see `originProblem`)
 * or not ordered with the profile hosts.ts names, when it has expired, or when the CA's ACME
 * Renewal Information window says so. Without a window: when less than 1/3 of its lifetime is
 * left, or 1/2 for certificates that live under 10 days (short-lived ones get a bigger margin, as
 * Let's Encrypt advises, since a failed run costs a larger share of their life). Let's Encrypt's
 * own windows sit on the same points. A window is followed, but never into the last 1/6 of the
 * lifetime, where `certs status` starts to warn.
 */
import { isPublicDirectory } from './trust.js';
import type { CertFacts } from './x509.js';

export type HostCert =
  | { host: string; state: 'present'; facts: CertFacts; origin: CertOrigin }
  | { host: string; state: 'missing' | 'key-missing' | 'unreadable'; detail: string };

/** Who issued a certificate, as far as the host can tell. */
export interface CertOrigin {
  /** Its chain leads to a root browsers trust (trust.ts). */
  trusted: boolean;
  /** The ACME directory ship recorded ordering it from (origin.ts), if it did. */
  directoryUrl?: string;
  /** The profile it was ordered with, when ship recorded its origin (absent there: none). */
  profile?: string;
}

export interface Wanted {
  domains: readonly string[];
  keyType: string;
}

/** What hosts.ts asks for, down to the CA and its profile. */
export interface Configured extends Wanted {
  directoryUrl: string;
  profile?: string;
}

/** A suggested renewal window from the CA (RFC 9773), with the moment picked inside it. */
export interface RenewalWindow {
  start: Date;
  end: Date;
  selected: Date;
  explanationUrl?: string;
}

export interface Decision {
  due: boolean;
  reason: string;
  /** When not due: the moment it becomes due. */
  renewAt?: Date;
}

const DAY = 86_400_000;
const SHORT_LIFETIME = 10 * DAY;

export interface DecideOptions {
  force?: boolean;
  /** The CA's window for the certificate the hosts share, when the CA offers ARI and answered. */
  window?: RenewalWindow;
}

export function decide(hosts: readonly HostCert[], wanted: Configured, now: Date, options: DecideOptions = {}): Decision {
  if (options.force) return { due: true, reason: 'forced (--force)' };
  const absent = new Map<string, string[]>();
  for (const h of hosts) if (h.state !== 'present') absent.set(h.detail, [...(absent.get(h.detail) ?? []), h.host]);
  if (absent.size > 0) return { due: true, reason: [...absent].map(([detail, names]) => `${detail} on ${names.join(', ')}`).join('; ') };

  const present = hosts.flatMap((h) => (h.state === 'present' ? [h] : []));
  const first = present[0];
  if (!first) return { due: true, reason: 'no hosts' };
  for (const { host, facts, origin } of present) {
    const problem = configuredProblem(facts, origin, wanted);
    if (problem) return { due: true, reason: `${host}: ${problem}` };
  }
  if (new Set(present.map((p) => p.facts.fingerprint)).size > 1) {
    return {
      due: true,
      reason: `hosts serve different certificates (${present.map((p) => `${p.host}: serial ${p.facts.serial}`).join(', ')})`,
    };
  }
  const facts = first.facts;
  if (now >= facts.notAfter) return { due: true, reason: `expired ${duration(now.getTime() - facts.notAfter.getTime())} ago` };
  return options.window ? windowDecision(notPastAttention(options.window, facts), now) : lifetimeDecision(facts, now);
}

/** Anything that makes a certificate not the one hosts.ts asks for, however fresh. */
export function configuredProblem(facts: CertFacts, origin: CertOrigin, wanted: Configured): string | undefined {
  return mismatch(facts, wanted) ?? originProblem(origin, facts, wanted.directoryUrl) ?? profileChange(origin, wanted.profile);
}

/**
 * A certificate not ordered with the profile hosts.ts names. Its profile is known only from the
 * record ship wrote beside it; when hosts.ts names one and there is no record, it is due once.
 */
export function profileChange(origin: CertOrigin, profile: string | undefined): string | undefined {
  const recorded = origin.directoryUrl !== undefined;
  const had = origin.profile === undefined ? "without a profile (the CA's default)" : `with profile "${origin.profile}"`;
  if (profile === undefined)
    return recorded && origin.profile !== undefined ? `profile changed: ordered ${had}; hosts.ts names none (the CA's default)` : undefined;
  if (!recorded) return `not recorded as ordered with profile "${profile}", which hosts.ts names`;
  return origin.profile === profile ? undefined : `profile changed: ordered ${had}; hosts.ts names "${profile}"`;
}

/** What changed between a certificate and hosts.ts, if anything. */
export function mismatch(facts: CertFacts, wanted: Wanted): string | undefined {
  const have = [...facts.names].sort();
  const want = [...wanted.domains].map((d) => d.toLowerCase()).sort();
  if (have.join(',') !== want.join(',')) return `names changed: the certificate has ${have.join(', ')}; hosts.ts wants ${want.join(', ')}`;
  if (facts.keyType !== wanted.keyType) return `key type changed: the certificate has ${facts.keyType}; hosts.ts wants ${wanted.keyType}`;
  return undefined;
}

/**
 * A certificate from another CA than hosts.ts names, however fresh: a staging certificate must
 * not stay on the hosts for months after `directory` was switched to production.
 *
 * - The configured CA is a public one (Let's Encrypt): due unless browsers trust it. Any
 *   trusted certificate will do until its normal renewal, so certificates from before records
 *   existed are not all renewed at once.
 * - Any other directory: due unless ship recorded ordering it from that very URL. A publicly
 *   trusted certificate is the exception: it is replaced at its normal time, because ship never
 *   swaps a trusted certificate for one that may not be (see certs-renew's staging refusal),
 *   and ordering one only to refuse it would happen on every run.
 */
export function originProblem(origin: CertOrigin, facts: CertFacts, directoryUrl: string): string | undefined {
  if (isPublicDirectory(directoryUrl)) {
    return origin.trusted
      ? undefined
      : `issued by ${facts.issuer}, which browsers do not trust (a staging or test CA); hosts.ts asks for ${directoryUrl}`;
  }
  if (origin.trusted || origin.directoryUrl === directoryUrl) return undefined;
  if (origin.directoryUrl) return `ordered from ${origin.directoryUrl} (issuer ${facts.issuer}); hosts.ts asks for ${directoryUrl}`;
  return `issued by ${facts.issuer}, not recorded as ordered from ${directoryUrl}, which hosts.ts asks for`;
}

/** The lifetime rule: renew when less than 1/3 (1/2 under 10 days) of the lifetime is left. */
export function lifetimeDecision(facts: CertFacts, now: Date): Decision {
  const lifetime = facts.notAfter.getTime() - facts.notBefore.getTime();
  const [fraction, label] = lifetime < SHORT_LIFETIME ? [1 / 2, '1/2'] : [1 / 3, '1/3'];
  const renewAt = new Date(facts.notAfter.getTime() - lifetime * fraction);
  const left = facts.notAfter.getTime() - now.getTime();
  if (now >= renewAt) {
    return { due: true, reason: `expires in ${duration(left)}, less than ${label} of its lifetime (${duration(lifetime)}) is left` };
  }
  return {
    due: false,
    reason: `renews in ${duration(renewAt.getTime() - now.getTime())}, when ${label} of its lifetime (${duration(lifetime)}) is left`,
    renewAt,
  };
}

export function windowDecision(window: RenewalWindow, now: Date): Decision {
  const range = `${window.start.toISOString()} to ${window.end.toISOString()}`;
  const why = window.explanationUrl ? ` (explanation: ${window.explanationUrl})` : '';
  if (now >= window.selected) return { due: true, reason: `the CA's renewal window is open, ${range}${why}` };
  return {
    due: false,
    reason: `renews in ${duration(window.selected.getTime() - now.getTime())}, inside the CA's renewal window ${range}`,
    renewAt: window.selected,
  };
}

/** The moment picked in a window, moved up to where the last 1/6 of the lifetime begins if it is later. */
function notPastAttention(window: RenewalWindow, facts: CertFacts): RenewalWindow {
  const latest = new Date(facts.notAfter.getTime() - lifetimeOf(facts) * DEFAULT_WARN.value);
  return window.selected > latest ? { ...window, selected: latest } : window;
}

/** When `certs status` warns: fewer than `value` days left, or less than `value` of the lifetime. */
export type Warn = { kind: 'days'; value: number } | { kind: 'fraction'; value: number };

export const DEFAULT_WARN: Warn & { kind: 'fraction' } = { kind: 'fraction', value: 1 / 6 };

/** `--warn 14` (days), `--warn 0.2` or `--warn 1/6` (a fraction of the lifetime); undefined when it is neither. */
export function parseWarn(text: string): Warn | undefined {
  const ratio = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (ratio) {
    const value = Number(ratio[1]) / Number(ratio[2]);
    return value > 0 && value < 1 ? { kind: 'fraction', value } : undefined;
  }
  if (!/^\d+(\.\d+)?$/.test(text.trim())) return undefined;
  const value = Number(text);
  if (value <= 0) return undefined;
  return value < 1 ? { kind: 'fraction', value } : { kind: 'days', value };
}

export function describeWarn(warn: Warn): string {
  if (warn.kind === 'days') return `fewer than ${warn.value} day${warn.value === 1 ? '' : 's'} left`;
  const fraction = Math.abs(warn.value - 1 / 6) < 1e-9 ? '1/6' : String(warn.value);
  return `within the last ${fraction} of its lifetime`;
}

/** For monitoring (`certs status`): expired, or inside the warning threshold (default: the last 1/6 of its lifetime). */
export function needsAttention(facts: CertFacts, now: Date, warn: Warn = DEFAULT_WARN): boolean {
  const left = facts.notAfter.getTime() - now.getTime();
  return warn.kind === 'days' ? left < warn.value * DAY : left < lifetimeOf(facts) * warn.value;
}

function lifetimeOf(facts: CertFacts): number {
  return facts.notAfter.getTime() - facts.notBefore.getTime();
}

/** A duration for people: the largest whole unit, `90 days`, `5 hours`, `40 seconds`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [n, unit] =
    s >= 2 * 86_400
      ? [Math.floor(s / 86_400), 'day']
      : s >= 2 * 3600
        ? [Math.floor(s / 3600), 'hour']
        : s >= 120
          ? [Math.floor(s / 60), 'minute']
          : [s, 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
