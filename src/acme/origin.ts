/**
 * Which ACME directory a certificate on a host was ordered from. ship writes a small record
 * beside every certificate it installs, `<certPath>.ship.json`, moved into place together with
 * the key and the chain (and kept as .prev with them):
 *
 *   {"directoryUrl":"https://acme-v02.api.letsencrypt.org/directory","fingerprint":"AB:CD:...","profile":"shortlived"}
 *
 * `profile` is the one hosts.ts asked for (absent: none, the CA's default), so a changed profile
 * makes the certificate due.
 * It names the certificate it belongs to by fingerprint, so a record left beside another
 * certificate (a pair put there by hand, a half-finished install) says nothing about it. It
 * lives on the hosts, with the certificate, so every machine that runs ship for the stage
 * (a laptop, the cron host) reads the same answer.
 */

export function originPath(certPath: string): string {
  return `${certPath}.ship.json`;
}

/** What a record says about the certificate it names. */
export interface Origin {
  directoryUrl: string;
  profile?: string;
}

export function originRecord(directoryUrl: string, fingerprint: string, profile?: string): string {
  return `${JSON.stringify({ directoryUrl, fingerprint, ...(profile ? { profile } : {}) })}\n`;
}

/** Where the certificate with `fingerprint` came from, if the record is about that one. */
export function recordedOrigin(text: string, fingerprint: string): Origin | undefined {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const { directoryUrl, fingerprint: recorded, profile } = record as Record<string, unknown>;
  if (typeof directoryUrl !== 'string' || recorded !== fingerprint) return undefined;
  return { directoryUrl, ...(typeof profile === 'string' ? { profile } : {}) };
}
