/** What a host has now: its full chain read over SSH and parsed here (no openssl needed there). */
import type { X509Certificate } from 'node:crypto';
import { certCommands, READ_MISSING_CERT, READ_MISSING_KEY } from '../commands/certs.js';
import { displayCommand } from '../commands/render.js';
import { RemoteCommandError } from '../errors.js';
import type { ResolvedCerts } from '../config/types.js';
import type { Connection } from '../transport/types.js';
import type { HostCert } from './policy.js';
import { certFacts, parseChain } from './x509.js';

export interface HostReading {
  cert: HostCert;
  /** The parsed chain, when present: for ARI ids and the production-vs-staging check. */
  chain?: X509Certificate[];
}

export async function readHostCert(host: string, connection: Connection, certs: ResolvedCerts, sudo: boolean): Promise<HostReading> {
  const command = certCommands.read(certs.certPath, certs.keyPath, sudo);
  const result = await connection.run(command, { allowFailure: true, readOnly: true });
  if (result.code === READ_MISSING_CERT) return { cert: { host, state: 'missing', detail: `no certificate at ${certs.certPath}` } };
  if (result.code === READ_MISSING_KEY) return { cert: { host, state: 'key-missing', detail: `no private key at ${certs.keyPath}` } };
  if (result.code !== 0) throw new RemoteCommandError(host, displayCommand(command), result.code, result.stderr);
  try {
    const chain = parseChain(result.stdout);
    return { cert: { host, state: 'present', facts: certFacts(chain[0]!) }, chain };
  } catch (error) {
    return { cert: { host, state: 'unreadable', detail: `${certs.certPath} does not parse as a certificate (${(error as Error).message})` } };
  }
}
