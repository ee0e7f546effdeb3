/**
 * What ship needs to know about a certificate, read locally with node:crypto: no openssl on the
 * hosts or here. A "chain" is the full-chain PEM a host serves: leaf first, then intermediates.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { canonicalName } from '../config/cert-names.js';

export interface CertFacts {
  /** DNS names and IP addresses from subjectAltName, spelled as canonicalName does, in certificate order. */
  names: string[];
  /** 'ecdsa-p256', 'rsa-2048', or a description of anything else ('rsa-4096', 'ec-secp384r1'). */
  keyType: string;
  notBefore: Date;
  notAfter: Date;
  /** Hex, as openssl and most tools print it. */
  serial: string;
  /** SHA-256 fingerprint: what "the same certificate" means when comparing hosts. */
  fingerprint: string;
  /** The issuer's common name (or the whole issuer when it has none). */
  issuer: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM text, in order. Throws when there is none or one does not parse. */
export function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate found');
  return blocks.map((block) => new X509Certificate(block));
}

export function certFacts(cert: X509Certificate): CertFacts {
  return {
    names: certNames(cert),
    keyType: keyTypeOf(cert.publicKey),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    serial: cert.serialNumber.toLowerCase(),
    fingerprint: cert.fingerprint256,
    issuer: commonName(cert.issuer),
  };
}

/**
 * dNSName and iPAddress entries of subjectAltName. Node renders them as
 * `DNS:a.example, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1`.
 */
export function certNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '').split(', ').flatMap((entry) => {
    if (entry.startsWith('DNS:')) return [canonicalName(entry.slice(4).replace(/^"|"$/g, ''))];
    if (entry.startsWith('IP Address:')) return [canonicalName(entry.slice('IP Address:'.length))];
    return [];
  });
}

export function keyTypeOf(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') return details.namedCurve === 'prime256v1' ? 'ecdsa-p256' : `ec-${details.namedCurve ?? 'unknown'}`;
  if (key.asymmetricKeyType === 'rsa') return `rsa-${details.modulusLength ?? 'unknown'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

function commonName(distinguishedName: string): string {
  const cn = distinguishedName.split('\n').find((line) => line.startsWith('CN='));
  return cn ? cn.slice(3) : distinguishedName.replaceAll('\n', ', ');
}
