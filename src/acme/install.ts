/**
 * Putting a validated pair on one host, in two steps so every host can be checked before any
 * is reloaded:
 *   1. `prepare`: stage the key, the chain and the origin record (origin.ts) next to their final
 *      paths, swap them in (the old ones kept as .prev), and for nginx run `nginx -t`, which also
 *      loads the new key and chain. Any failure puts the old files back, so the files always
 *      match what the server runs.
 *   2. `activate`: reload the unit (the old pair goes back if that fails).
 */
import { certCommands } from '../remote/certs.js';
import { displayCommand } from '../remote/render.js';
import { ShipError } from '../errors.js';
import type { ResolvedCerts } from '../config/types.js';
import type { Connection } from '../transport/types.js';
import { originPath } from './origin.js';

/** What lands on a host: the pair, and the record of which CA directory it came from. */
export interface InstallFiles {
  keyPem: string;
  certPem: string;
  /** From `originRecord` (origin.ts). */
  origin: string;
}

export interface InstallOptions {
  certs: ResolvedCerts;
}

/** In the order `swap` moves them in: the chain after its key, the record last. */
function paths(certs: ResolvedCerts): string[] {
  return [certs.keyPath, certs.certPath, originPath(certs.certPath)];
}

export function isNginx(unit: string | undefined): boolean {
  return unit === 'nginx' || unit === 'nginx.service';
}

export async function prepare(host: string, connection: Connection, files: InstallFiles, options: InstallOptions): Promise<void> {
  const { certs } = options;
  try {
    await connection.run(certCommands.stage(certs.keyPath, '0600', Buffer.byteLength(files.keyPem)), {
      stdin: files.keyPem,
      stdinLabel: 'new private key',
    });
    await connection.run(certCommands.stage(certs.certPath, '0644', Buffer.byteLength(files.certPem)), {
      stdin: files.certPem,
      stdinLabel: 'new full chain',
    });
    await connection.run(certCommands.stage(originPath(certs.certPath), '0644', Buffer.byteLength(files.origin)), {
      stdin: files.origin,
      stdinLabel: 'origin record',
    });
  } catch (error) {
    await connection.run(certCommands.discard(paths(certs)), { allowFailure: true }).catch(() => {});
    throw stepError(host, 'could not write the new certificate files; the old ones are untouched', error);
  }
  try {
    await connection.run(certCommands.swap(paths(certs)));
  } catch (error) {
    await restore(connection, options);
    throw stepError(host, 'could not move the new certificate files into place; the old ones were put back', error);
  }
  if (!isNginx(certs.reload)) return;
  const test = certCommands.nginxTest();
  const result = await connection.run(test, { allowFailure: true });
  if (result.code !== 0) {
    await restore(connection, options);
    throw new ShipError(
      `${host}: \`${displayCommand(result.ran ?? test)}\` failed, so nginx was not reloaded and the previous certificate was put back${tail(result.stderr)}`,
      {
        host,
        hint: `fix the nginx configuration on ${host} until \`sudo nginx -t\` passes`,
      },
    );
  }
}

export async function activate(host: string, connection: Connection, options: InstallOptions): Promise<void> {
  const unit = options.certs.reload;
  if (!unit) return;
  const command = certCommands.reload(unit);
  const result = await connection.run(command, { allowFailure: true });
  if (result.code === 0) return;
  await restore(connection, options);
  throw new ShipError(
    `${host}: \`${displayCommand(result.ran ?? command)}\` failed (exit ${result.code ?? 'signal'}); the previous certificate was put back${tail(result.stderr)}`,
    {
      host,
      hint: `see \`journalctl -u ${unit}\` on ${host}`,
    },
  );
}

async function restore(connection: Connection, { certs }: InstallOptions): Promise<void> {
  await connection.run(certCommands.restore(paths(certs)), { allowFailure: true }).catch(() => {});
}

function stepError(host: string, what: string, cause: unknown): ShipError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ShipError(`${host}: ${what}: ${detail}`, { host, cause });
}

function tail(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean).slice(-5);
  return lines.length === 0 ? '' : `\n${lines.map((l) => `  | ${l}`).join('\n')}`;
}
