/**
 * What a host has now: its full chain read over SSH and parsed here (no openssl needed there),
 * and who issued it: whether browsers trust it, and the CA directory ship recorded beside it.
 */
import type { X509Certificate } from 'node:crypto';
import { certCommands, READ_MISSING_CERT, READ_MISSING_KEY } from '../remote/certs.js';
import { displayCommand } from '../remote/render.js';
import { RemoteCommandError } from '../errors.js';
import type { ResolvedCerts } from '../config/types.js';
import type { Connection } from '../transport/types.js';
import { originPath, recordedOrigin, type Origin } from './origin.js';
import type { HostCert } from './policy.js';
import { isPubliclyTrusted } from './trust.js';
import { certFacts, parseChain } from './x509.js';

export interface HostReading {
  cert: HostCert;
  /** The parsed chain, when present: for the ARI id of the certificate. */
  chain?: X509Certificate[];
}

export async function readHostCert(host: string, connection: Connection, certs: ResolvedCerts): Promise<HostReading> {
  const command = certCommands.read(certs.certPath, certs.keyPath);
  const result = await connection.run(command, { allowFailure: true, readOnly: true, offline: { code: READ_MISSING_CERT } });
  if (result.code === READ_MISSING_CERT) return { cert: { host, state: 'missing', detail: `no certificate at ${certs.certPath}` } };
  if (result.code === READ_MISSING_KEY) return { cert: { host, state: 'key-missing', detail: `no private key at ${certs.keyPath}` } };
  if (result.code !== 0) throw new RemoteCommandError(host, displayCommand(result.ran ?? command), result.code, result.stderr);
  let chain: X509Certificate[];
  try {
    chain = parseChain(result.stdout);
  } catch (error) {
    return {
      cert: { host, state: 'unreadable', detail: `${certs.certPath} does not parse as a certificate (${(error as Error).message})` },
    };
  }
  const facts = certFacts(chain[0]!);
  const recorded = await readOrigin(connection, certs.certPath, facts.fingerprint);
  const origin = { trusted: isPubliclyTrusted(chain), ...recorded };
  return { cert: { host, state: 'present', facts, origin }, chain };
}

async function readOrigin(connection: Connection, certPath: string, fingerprint: string): Promise<Origin | undefined> {
  const result = await connection.run(certCommands.readOrigin(originPath(certPath)), { readOnly: true });
  return recordedOrigin(result.stdout, fingerprint);
}
