/**
 * Getting a certificate from an ACME CA with acme-client: register (or find) the account, order
 * the names, answer HTTP-01 through a responder that puts each token on every host, finalize
 * with a CSR for a key made here, download the full chain.
 */
import acme from 'acme-client';
import type { Account } from './account.js';
import { saveAccountUrl } from './account.js';
import { fetchDirectory } from './directory.js';

export interface ChallengeResponder {
  /** Make `http://<domain>/.well-known/acme-challenge/<token>` answer `keyAuthorization` everywhere. */
  place(domain: string, token: string, keyAuthorization: string): Promise<void>;
  /** Remove it wherever it is; also called after a `place` that failed on some hosts. */
  remove(token: string): Promise<void>;
}

export interface OrderRequest {
  account: Account;
  email: string;
  domains: readonly string[];
  keyType: 'ecdsa-p256' | 'rsa-2048';
  /** RFC 9773 id of the certificate this one replaces, when the CA offers ARI. */
  replaces?: string;
  responder: ChallengeResponder;
  log?: (text: string) => void;
}

export interface IssuedPair {
  keyPem: string;
  /** Leaf first, then intermediates. */
  certPem: string;
  /** The ACME directory it was ordered from. */
  directoryUrl: string;
}

// acme-client retries unreachable CAs five times with growing pauses (over a minute in all);
// a cron job should say "CA unreachable" sooner, and a hung CA must not hang it forever.
const settings = (acme.axios.defaults as unknown as { acmeSettings: { retryMaxAttempts: number; retryDefaultDelay: number } }).acmeSettings;
settings.retryMaxAttempts = 2;
settings.retryDefaultDelay = 2;
acme.axios.defaults.timeout = 30_000;

/** ACME tokens are base64url; anything else must not become part of a path on the hosts. */
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

export async function orderCertificate(request: OrderRequest): Promise<IssuedPair> {
  const { account, responder } = request;
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

  const keyPem = (request.keyType === 'rsa-2048' ? await acme.crypto.createPrivateRsaKey(2048) : await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  // Always pass the key: without one acme-client makes an RSA 2048 key of its own.
  const [, csr] = await acme.crypto.createCsr({ commonName: request.domains[0], altNames: [...request.domains] }, keyPem);

  const identifiers = request.domains.map((value) => ({ type: 'dns' as const, value }));
  let order: acme.Order;
  try {
    // `replaces` (RFC 9773) is not in acme-client's types; it passes the payload through as is.
    const payload: Parameters<acme.Client['createOrder']>[0] & { replaces?: string } = { identifiers, ...(request.replaces ? { replaces: request.replaces } : {}) };
    order = await client.createOrder(payload);
  } catch (error) {
    if (!request.replaces) throw error;
    // A CA may refuse `replaces` (already replaced, unknown); the order itself is still wanted.
    log(`order with replaces=${request.replaces} refused (${errorText(error)}); ordering without it`);
    order = await client.createOrder({ identifiers });
  }
  log(`order ${order.url}`);

  const authorizations = await client.getAuthorizations(order);
  const placed: string[] = [];
  try {
    const pending = authorizations.filter((authz) => authz.status !== 'valid');
    const answers = [];
    for (const authz of pending) {
      const domain = authz.identifier.value;
      const challenge = authz.challenges.find((c) => c.type === 'http-01');
      if (!challenge) throw new Error(`the CA offers no http-01 challenge for ${domain} (ship answers HTTP-01 only)`);
      if (!TOKEN.test(challenge.token)) throw new Error(`the CA sent a malformed http-01 token for ${domain}`);
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      // Before placing: when it fails on one host it may have been written on the others.
      placed.push(challenge.token);
      await responder.place(domain, challenge.token, keyAuthorization);
      answers.push({ domain, challenge });
    }
    await Promise.all(answers.map(async ({ domain, challenge }) => {
      await client.completeChallenge(challenge);
      try {
        await client.waitForValidStatus(challenge);
      } catch (error) {
        throw new Error(`the CA could not validate ${domain} over HTTP-01: ${errorText(error)}`);
      }
      log(`${domain}: validated`);
    }));
  } finally {
    for (const token of placed) await responder.remove(token);
  }

  const finalized = await client.finalizeOrder(order, csr);
  const certPem = await client.getCertificate(finalized);
  return { keyPem, certPem, directoryUrl: account.directoryUrl };
}

export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // acme-client's retry interceptor loses a network error once retries run out (response undefined).
  if (/reading 'config'/.test(message)) return 'the ACME server stopped answering (network error)';
  return message;
}
