/**
 * The gate before a new certificate goes anywhere near a host: it parses, the chain holds
 * together, the key is the certificate's, its names and key type are what hosts.ts asks for,
 * and it is valid now. Returns the facts for the report; throws with the reason otherwise.
 */
import { createPrivateKey } from 'node:crypto';
import { mismatch, type Wanted } from './policy.js';
import { certFacts, parseChain, type CertFacts } from './x509.js';

export class InvalidCertificate extends Error {}

export function validatePair(keyPem: string, certPem: string, wanted: Wanted, now: Date): CertFacts {
  let chain;
  try {
    chain = parseChain(certPem);
  } catch (error) {
    throw new InvalidCertificate(`the new certificate does not parse: ${(error as Error).message}`);
  }
  const leaf = chain[0]!;
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new InvalidCertificate(`the new private key does not parse: ${(error as Error).message}`);
  }
  if (!leaf.checkPrivateKey(key)) throw new InvalidCertificate('the new private key does not belong to the new certificate');
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) {
      throw new InvalidCertificate(`the new chain is broken: certificate ${i + 1} is not issued by certificate ${i + 2}`);
    }
  }
  const facts = certFacts(leaf);
  const problem = mismatch(facts, wanted);
  if (problem) throw new InvalidCertificate(`the new certificate is not what hosts.ts asks for: ${problem}`);
  // A minute of slack for clocks; a CA backdates notBefore for the same reason.
  if (facts.notBefore.getTime() > now.getTime() + 60_000 || facts.notAfter <= now) {
    throw new InvalidCertificate(
      `the new certificate is not valid now (${facts.notBefore.toISOString()} to ${facts.notAfter.toISOString()})`,
    );
  }
  return facts;
}
