/**
 * HTTP-01 answered over SSH: each token goes into `<webroot>/.well-known/acme-challenge/` on
 * every host of the stage, because a load balancer may send the CA to any of them, and is
 * removed afterwards from every host, also those where writing it failed half-way. Before the CA is asked, each host is checked from its own side (through
 * the SSH tunnel, port 80 on 127.0.0.1 with the right Host header): a webroot that is not
 * served shows up here with a clear message rather than as a failed validation at the CA.
 */
import { isIP } from 'node:net';
import { certCommands } from '../remote/certs.js';
import { RemoteCommandError, ShipError } from '../errors.js';
import { tunnelGet } from '../transport/tunnel-get.js';
import type { Connection } from '../transport/types.js';
import type { ChallengeResponder } from './order.js';

export interface HostTarget {
  host: string;
  connection: Connection;
}

export interface ResponderOptions {
  webroot: string;
  /** hosts.ts `sudo`: only for the hint when the webroot is not writable. */
  sudo: boolean;
  /** A problem worth telling the user that does not stop the order (the CA decides). */
  warn: (text: string, host: string) => void;
  /** Ends a self-check at once (each has its own deadline as well). */
  signal?: AbortSignal;
}

export function webrootResponder(targets: readonly HostTarget[], options: ResponderOptions): ChallengeResponder {
  return {
    type: 'http-01',
    async place(domain, token, keyAuthorization) {
      const results = await Promise.allSettled(
        targets.map(async ({ host, connection }) => {
          await connection.run(certCommands.placeToken(options.webroot, token), {
            stdin: keyAuthorization,
            stdinLabel: 'key authorization',
          });
          const served = await fetchFromHost(
            connection,
            domain,
            `/.well-known/acme-challenge/${token}`,
            SELF_CHECK_TIMEOUT_MS,
            options.signal,
          ).catch((error: Error) => `error: ${error.message}`);
          if (served !== keyAuthorization) {
            options.warn(
              `http://${isIP(domain) === 6 ? `[${domain}]` : domain}/.well-known/acme-challenge/ on this host does not serve ${options.webroot} (${summary(served)}); the CA may fail to validate`,
              host,
            );
          }
        }),
      );
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ host: targets[i]!.host, reason: r.reason as unknown }] : []));
      if (failed.length > 0) throw tokenWriteError(failed, options);
    },
    async remove(token) {
      await Promise.all(
        targets.map(async ({ host, connection }) => {
          const result = await connection
            .run(certCommands.removeToken(options.webroot, token), { allowFailure: true })
            .catch((e: Error) => ({ code: -1, stderr: e.message }));
          if (result.code !== 0) options.warn(`could not remove the HTTP-01 token ${token}: ${result.stderr.trim()}`, host);
        }),
      );
    },
  };
}

/** The self-check's deadline: a port 80 that accepts and never answers must not hold the renew (and its locks). */
export const SELF_CHECK_TIMEOUT_MS = 5_000;
/** A key authorization is under 100 bytes; anything much longer is not it. */
const MAX_BODY = 4096;

/**
 * GET a path from port 80 as the host itself sees it, with `Host: domain` (an IP address for IP
 * certificates). Resolves the body, or `HTTP <status>` for anything but 200; rejects after
 * `timeoutMs` in all (opening the channel, the answer, the body) or when `signal` aborts.
 */
export async function fetchFromHost(
  connection: Connection,
  domain: string,
  path: string,
  timeoutMs = SELF_CHECK_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<string> {
  const host = isIP(domain) === 6 ? `[${domain}]` : domain;
  const answer = await tunnelGet(connection, {
    hostname: '127.0.0.1',
    port: 80,
    path,
    headers: { host },
    timeoutMs,
    maxBody: MAX_BODY,
    ...(signal ? { signal } : {}),
  });
  return answer.status === 200 ? answer.body.toString() : `HTTP ${answer.status}`;
}

/** Which hosts could not take the token and why, with what to check there. */
function tokenWriteError(failed: ReadonlyArray<{ host: string; reason: unknown }>, options: ResponderOptions): ShipError {
  const dir = `${options.webroot}/.well-known/acme-challenge`;
  const hosts = failed.map((f) => f.host);
  return new ShipError(
    failed.map(({ host, reason }) => `${host}: could not write the HTTP-01 token to ${dir}/: ${detail(reason)}`).join('\n'),
    {
      ...(hosts.length === 1 ? { host: hosts[0] } : {}),
      hint: `check that ${dir} on ${hosts.join(', ')} is a directory ${options.sudo ? 'root' : 'the SSH user'} can write`,
    },
  );
}

/** What the host said, without the command line a person does not need here. */
function detail(reason: unknown): string {
  if (reason instanceof RemoteCommandError) return reason.stderr.trim().split('\n').at(-1) || `exit ${reason.code ?? 'signal'}`;
  return reason instanceof Error ? reason.message : String(reason);
}

function summary(served: string): string {
  return served.startsWith('HTTP ') || served.startsWith('error: ') ? `got ${served}` : 'got other content';
}
