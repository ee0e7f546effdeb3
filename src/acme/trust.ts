/**
 * "Production" means: chains to a root in Node's bundled Mozilla store (tls.rootCertificates),
 * the roots browsers trust. A staging or test CA's certificate does not, which is what stops a
 * staging certificate from replacing one that browsers accept.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { ACME_DIRECTORIES } from '../config/rules.js';

/** Directories of CAs whose certificates browsers trust: a certificate that is not trusted is not theirs. */
const PUBLIC_DIRECTORIES: readonly string[] = [ACME_DIRECTORIES.letsencrypt];

export function isPublicDirectory(directoryUrl: string): boolean {
  return PUBLIC_DIRECTORIES.includes(directoryUrl);
}

let roots: X509Certificate[] | undefined;

export function isPubliclyTrusted(chain: readonly X509Certificate[], trusted: readonly X509Certificate[] = publicRoots()): boolean {
  const top = chain.at(-1);
  if (!top) return false;
  // The chain itself must hold together, leaf to top, before its top is compared with the roots.
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!;
    const issuer = chain[i + 1]!;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false;
  }
  return trusted.some((root) => root.fingerprint256 === top.fingerprint256 || (top.checkIssued(root) && top.verify(root.publicKey)));
}

function publicRoots(): X509Certificate[] {
  roots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return roots;
}
