/**
 * Getting a certificate from an ACME CA with acme-client: register (or find) the account, order
 * the names (DNS names and IP addresses, with the profile hosts.ts names), answer each
 * authorization's challenge through a responder (HTTP-01: a token on every host; DNS-01: a TXT
 * record on the zone's servers), finalize with a CSR for a key made here, download the full chain.
 */
import acme from 'acme-client';
import { isIpAddress } from '../config/rules.js';
import type { Account } from './account.js';
import { saveAccountUrl } from './account.js';
import { fetchDirectory } from './directory.js';

export type ChallengeType = 'http-01' | 'dns-01';

export interface ChallengeResponder {
  readonly type: ChallengeType;
  /**
   * Make the CA's check of `identifier` for `token` see `keyAuthorization` (HTTP-01: at
   * `http://<identifier>/.well-known/acme-challenge/<token>` on every host; DNS-01: in a TXT record).
   */
  place(identifier: string, token: string, keyAuthorization: string): Promise<void>;
  /** Once everything is placed, before the CA is asked to look (DNS-01: wait for every name server). */
  ready?(): Promise<void>;
  /** Remove it wherever it is; also called after a `place` that failed half-way. */
  remove(token: string): Promise<void>;
}

export interface Responders {
  /** IP addresses, and DNS names when there is no `dns`. */
  http?: ChallengeResponder;
  /** Every DNS name, wildcards included. */
  dns?: ChallengeResponder;
}

export interface OrderRequest {
  account: Account;
  email: string;
  domains: readonly string[];
  keyType: 'ecdsa-p256' | 'rsa-2048';
  /** The CA's certificate profile (draft-ietf-acme-profiles); the CA's default when absent. */
  profile?: string;
  /** RFC 9773 id of the certificate this one replaces, when the CA offers ARI. */
  replaces?: string;
  responders: Responders;
  log?: (text: string) => void;
}

export interface IssuedPair {
  keyPem: string;
  /** Leaf first, then intermediates. */
  certPem: string;
  /** The ACME directory it was ordered from. */
  directoryUrl: string;
  /** The profile hosts.ts asked for, if any. */
  profile?: string;
}

/** The CA did not accept a challenge's answer. */
export class ChallengeFailed extends Error {
  constructor(
    readonly identifier: string,
    readonly type: ChallengeType,
    detail: string,
  ) {
    super(`the CA could not validate ${identifier} over ${type.toUpperCase()}: ${detail}`);
    this.name = 'ChallengeFailed';
  }
}

// acme-client retries unreachable CAs five times with growing pauses (over a minute in all);
// a cron job should say "CA unreachable" sooner, and a hung CA must not hang it forever.
const settings = (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number } }).acmeSettings;
settings.retryMaxAttempts = 2;
settings.retryDefaultDelay = 2;
acme.axios.defaults.timeout = 30_000;

/** ACME tokens are base64url; anything else must not become part of a path on the hosts or a DNS name. */
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

export async function orderCertificate(request: OrderRequest): Promise<IssuedPair> {
  const { account } = request;
  const log = request.log ?? (() => {});
  await fetchDirectory(account.directoryUrl);
  const client = new acme.Client({
    directoryUrl: account.directoryUrl,
    accountKey: account.keyPem,
    // Poll validations and finalization briskly: every 1-5 s for up to about a minute.
    backoffAttempts: 12,
    backoffMin: 1000,
    backoffMax: 5000,
  });

  // newAccount with a known key returns the existing account, so a CA that forgot it (or a
  // changed contact address) heals itself; the URL is saved for people and for the record.
  await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${request.email}`] });
  const url = client.getAccountUrl();
  if (url !== account.url) await saveAccountUrl(account, url, request.email);
  log(`account ${url}`);

  const keyPem = (
    request.keyType === 'rsa-2048' ? await acme.crypto.createPrivateRsaKey(2048) : await acme.crypto.createPrivateEcdsaKey('P-256')
  ).toString();
  // Always pass the key: without one acme-client makes an RSA 2048 key of its own. No common
  // name for an IP address: CAs take names from subjectAltName, where acme-client marks IPs.
  const first = request.domains[0]!;
  const [, csr] = await acme.crypto.createCsr(
    { ...(isIpAddress(first) ? {} : { commonName: first }), altNames: [...request.domains] },
    keyPem,
  );

  const identifiers = request.domains.map((value) => ({ type: isIpAddress(value) ? ('ip' as const) : ('dns' as const), value }));
  // `profile` and `replaces` (RFC 9773) are not in acme-client's types; it passes the payload through as is.
  type Payload = Parameters<acme.Client['createOrder']>[0] & { profile?: string; replaces?: string };
  const base: Payload = { identifiers, ...(request.profile ? { profile: request.profile } : {}) };
  let order: acme.Order;
  try {
    order = await client.createOrder({ ...base, ...(request.replaces ? { replaces: request.replaces } : {}) });
  } catch (error) {
    if (!request.replaces) throw error;
    // A CA may refuse `replaces` (already replaced, unknown); the order itself is still wanted.
    log(`order with replaces=${request.replaces} refused (${errorText(error)}); ordering without it`);
    order = await client.createOrder(base);
  }
  log(
    `order ${order.url}${request.profile ? ` with profile ${request.profile}` : ''}${request.replaces ? `, replacing ${request.replaces}` : ''}`,
  );

  const authorizations = await client.getAuthorizations(order);
  const placed: Array<{ responder: ChallengeResponder; token: string }> = [];
  try {
    const pending = authorizations.filter((authz) => authz.status !== 'valid');
    const answers = [];
    for (const authz of pending) {
      const identifier = authz.identifier.value;
      const label = authz.wildcard ? `*.${identifier}` : identifier;
      const responder = responderFor(authz.identifier.type, request.responders);
      if (!responder)
        throw new Error(`nothing can answer a challenge for ${label} (a wildcard needs certs.dns, an IP address certs.webroot)`);
      const challenge = authz.challenges.find((c) => c.type === responder.type);
      if (!challenge)
        throw new Error(
          `the CA offers no ${responder.type} challenge for ${label} (it offers ${authz.challenges.map((c) => c.type).join(', ') || 'none'})`,
        );
      if (!TOKEN.test(challenge.token)) throw new Error(`the CA sent a malformed ${responder.type} token for ${label}`);
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      // Before placing: when it fails half-way it may be in place on some hosts or servers.
      placed.push({ responder, token: challenge.token });
      await responder.place(identifier, challenge.token, keyAuthorization);
      answers.push({ label, challenge, type: responder.type });
    }
    for (const responder of new Set(placed.map((p) => p.responder))) await responder.ready?.();
    await Promise.all(
      answers.map(async ({ label, challenge, type }) => {
        await client.completeChallenge(challenge);
        try {
          await client.waitForValidStatus(challenge);
        } catch (error) {
          throw new ChallengeFailed(label, type, errorText(error));
        }
        log(`${label}: validated over ${type.toUpperCase()}`);
      }),
    );
  } finally {
    for (const { responder, token } of placed) await responder.remove(token);
  }

  const finalized = await client.finalizeOrder(order, csr);
  const certPem = await client.getCertificate(finalized);
  return { keyPem, certPem, directoryUrl: account.directoryUrl, ...(request.profile ? { profile: request.profile } : {}) };
}

/** DNS-01 for DNS names when there is a DNS responder; HTTP-01 for IP addresses and otherwise. */
function responderFor(type: string, responders: Responders): ChallengeResponder | undefined {
  return type === 'dns' && responders.dns ? responders.dns : responders.http;
}

export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // acme-client's retry interceptor loses a network error once retries run out (response undefined).
  if (/reading 'config'/.test(message)) return 'the ACME server stopped answering (network error)';
  return message;
}
