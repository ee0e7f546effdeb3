/**
 * Proof that a host serves the new certificate: a TLS handshake with the host's port 443 made
 * through the SSH tunnel (so it works for hosts behind a load balancer or a firewall), with the
 * certificate's first plain DNS name as SNI (none for an IP-address certificate: SNI carries no
 * addresses). Only the served leaf is compared; trust is not the question.
 */
import { connect } from 'node:tls';
import type { Connection } from '../transport/types.js';

export interface Served {
  fingerprint: string;
  serial: string;
}

export async function servedCertificate(
  connection: Connection,
  servername: string | undefined,
  port = 443,
  timeoutMs = 5_000,
): Promise<Served> {
  const stream = await connection.forwardOut('127.0.0.1', port);
  return new Promise((resolve, reject) => {
    const socket = connect({ socket: stream as never, ...(servername ? { servername } : {}), rejectUnauthorized: false });
    const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake with 127.0.0.1:${port} timed out`)), timeoutMs);
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      clearTimeout(timer);
      socket.end();
      if (!peer.fingerprint256) return reject(new Error(`127.0.0.1:${port} presented no certificate`));
      resolve({ fingerprint: peer.fingerprint256, serial: peer.serialNumber.toLowerCase() });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Wait until the host serves `fingerprint`: a reload is asynchronous (nginx's old workers keep
 * answering for a moment), so a few tries over several seconds. Returns what was served last.
 */
export async function confirmServed(
  connection: Connection,
  servername: string | undefined,
  fingerprint: string,
  options: { attempts?: number; delayMs?: number } = {},
): Promise<{ ok: boolean; last: string }> {
  const attempts = options.attempts ?? 10;
  let last = '';
  for (let i = 0; i < attempts; i++) {
    try {
      const served = await servedCertificate(connection, servername);
      if (served.fingerprint === fingerprint) return { ok: true, last: served.serial };
      last = `serial ${served.serial}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (i + 1 < attempts) await new Promise((r) => setTimeout(r, options.delayMs ?? 500));
  }
  return { ok: false, last };
}
