/**
 * Just enough DER to read two fields node:crypto's X509Certificate does not expose as bytes:
 * the serial number exactly as encoded, and the Authority Key Identifier. ACME Renewal
 * Information (RFC 9773) names a certificate by those two, byte for byte.
 */

interface Tlv {
  tag: number;
  /** Offsets of the value (contents) inside the buffer. */
  start: number;
  end: number;
}

function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('DER: truncated');
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('DER: unsupported length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (der[start + i] ?? 0);
    start += octets;
  }
  const end = start + length;
  if (end > der.length) throw new Error('DER: length past the end');
  return { tag, start, end };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = readTlv(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OID = 0x06;
const OCTET_STRING = 0x04;
const EXTENSIONS = 0xa3; // [3] EXPLICIT in TBSCertificate
const KEY_IDENTIFIER = 0x80; // [0] IMPLICIT in AuthorityKeyIdentifier
const AKI_OID = Buffer.from([0x55, 0x1d, 0x23]); // 2.5.29.35

export interface CertificateIds {
  /** Contents octets of the serial number INTEGER (a leading 0x00 kept when DER has one). */
  serial: Buffer;
  /** keyIdentifier of the Authority Key Identifier extension, when present. */
  authorityKeyId?: Buffer;
}

/** Serial and AKI of a DER certificate. Throws on anything that is not a certificate. */
export function certificateIds(der: Uint8Array): CertificateIds {
  const certificate = readTlv(der, 0);
  const tbs = children(der, certificate)[0];
  if (certificate.tag !== SEQUENCE || tbs?.tag !== SEQUENCE) throw new Error('DER: not a certificate');
  const fields = children(der, tbs);
  const serialField = fields.find((f) => f.tag === INTEGER);
  if (!serialField) throw new Error('DER: certificate has no serial number');
  const ids: CertificateIds = { serial: Buffer.from(der.subarray(serialField.start, serialField.end)) };

  const extensions = fields.find((f) => f.tag === EXTENSIONS);
  const list = extensions && children(der, extensions)[0];
  if (!list) return ids;
  for (const extension of children(der, list)) {
    const parts = children(der, extension);
    const oid = parts[0];
    const value = parts.at(-1);
    if (oid?.tag !== OID || value?.tag !== OCTET_STRING) continue;
    if (!AKI_OID.equals(der.subarray(oid.start, oid.end))) continue;
    const aki = readTlv(der, value.start);
    const keyId = children(der, aki).find((f) => f.tag === KEY_IDENTIFIER);
    if (keyId) ids.authorityKeyId = Buffer.from(der.subarray(keyId.start, keyId.end));
  }
  return ids;
}
