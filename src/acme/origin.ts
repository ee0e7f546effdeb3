/**
 * Which ACME directory a certificate on a host was ordered from. ship writes a small record
 * beside every certificate it installs, `<certPath>.ship.json`, moved into place together with
 * the key and the chain (and kept as .prev with them):
 *
 *   {"directoryUrl":"https://acme-v02.api.letsencrypt.org/directory","fingerprint":"AB:CD:..."}
 *
 * It names the certificate it belongs to by fingerprint, so a record left beside another
 * certificate (a pair put there by hand, a half-finished install) says nothing about it. It
 * lives on the hosts, with the certificate, so every machine that runs ship for the stage
 * (a laptop, the cron host) reads the same answer.
 */

export function originPath(certPath: string): string {
  return `${certPath}.ship.json`;
}

export function originRecord(directoryUrl: string, fingerprint: string): string {
  return `${JSON.stringify({ directoryUrl, fingerprint })}\n`;
}

/** The directory URL the record gives for the certificate with `fingerprint`, if it is about that one. */
export function recordedDirectory(text: string, fingerprint: string): string | undefined {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const { directoryUrl, fingerprint: recorded } = record as Record<string, unknown>;
  return typeof directoryUrl === 'string' && recorded === fingerprint ? directoryUrl : undefined;
}
