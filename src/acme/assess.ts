/**
 * The due decision for one stage's certificate from what its hosts have: the policy, plus the
 * CA's renewal window when every host has the same certificate and the CA offers ARI.
 */
import { join } from 'node:path';
import type { ResolvedCerts } from '../config/types.js';
import { ariCertId, renewalWindow } from './ari.js';
import { renewalInfoUrl } from './directory.js';
import { accountDir, stateDir } from './paths.js';
import { configuredProblem, decide, type Decision, type RenewalWindow } from './policy.js';
import type { HostReading } from './read.js';

export interface Assessment {
  decision: Decision;
  /** RFC 9773 id of the certificate all hosts share, when the CA offers ARI: the new order `replaces` it. */
  replaces?: string;
}

export interface AssessOptions {
  now: Date;
  force?: boolean;
  log?: (text: string) => void;
  /** Ask the CA for its renewal window (a plain GET; default true). */
  ari?: boolean;
}

export async function assess(readings: readonly HostReading[], certs: ResolvedCerts, options: AssessOptions): Promise<Assessment> {
  const wanted = { domains: certs.domains, keyType: certs.keyType, directoryUrl: certs.directoryUrl, profile: certs.profile };
  const hosts = readings.map((r) => r.cert);
  const chains = readings.flatMap((r) =>
    r.chain && r.cert.state === 'present' ? [{ chain: r.chain, facts: r.cert.facts, origin: r.cert.origin }] : [],
  );
  const shared = chains.length === readings.length && new Set(chains.map((c) => c.facts.fingerprint)).size === 1 ? chains[0] : undefined;

  let window: RenewalWindow | undefined;
  let replaces: string | undefined;
  // Only the configured CA can say when its own certificate should be renewed.
  if (shared && options.ari !== false && !configuredProblem(shared.facts, shared.origin, wanted)) {
    const info = await renewalInfoUrl(certs.directoryUrl, options.log);
    const id = info ? ariCertId(shared.chain[0]!) : undefined;
    if (info && id) {
      replaces = id;
      if (!options.force) {
        window = await renewalWindow(info, id, {
          now: options.now,
          cacheDir: join(accountDir(certs.directoryUrl, stateDir()), 'ari'),
          log: options.log,
        });
      }
    }
  }
  return { decision: decide(hosts, wanted, options.now, { force: options.force, window }), ...(replaces ? { replaces } : {}) };
}
