import { quote } from '../remote/render.js';
import { ConnectionError } from '../errors.js';
import { appendKnownHost, checkHostKey, fingerprint, keyTypeLabel, keyTypeOf, knownHostsName } from './known-hosts.js';
import { checkRevoked, RevokedKeysFileError } from './revoked-keys.js';
import type { ResolvedHost } from './types.js';

/**
 * ssh2 accepts any host key unless told otherwise; this is the "otherwise". The policy is
 * OpenSSH's StrictHostKeyChecking, except that a changed key is refused under every setting
 * (OpenSSH's `no` would still connect): a deploy tool must never talk to an impostor.
 * `ask` refuses like `yes`, because ship does not prompt for host keys. A key in the
 * RevokedHostKeys file is refused before known_hosts is even read, under every setting; a
 * RevokedHostKeys file that cannot be read refuses every key, as with ssh.
 */
export type HostKeyVerdict = { ok: true } | { ok: false; error: ConnectionError };

export interface HostKeyContext {
  /** `web2 (10.0.0.5:22)`: how messages name the host. */
  label: string;
  /** Whether the host is reached through ProxyJump (ssh-keyscan from here would not reach it). */
  viaJump: boolean;
  onNotice?: (message: string) => void;
}

export async function verifyHostKey(host: ResolvedHost, key: Buffer, ctx: HostKeyContext): Promise<HostKeyVerdict> {
  const name = knownHostsName(host.hostname, host.port, host.hostKeyAlias);
  const files = [...host.knownHostsFiles, ...(host.globalKnownHostsFiles ?? [])];
  const type = keyTypeLabel(keyTypeOf(key));
  const print = fingerprint(key);
  const userFile = host.knownHostsFiles[0];

  if (host.revokedHostKeys !== undefined) {
    const file = host.revokedHostKeys;
    let revocation;
    try {
      revocation = await checkRevoked(file, key);
    } catch (error) {
      if (!(error instanceof RevokedKeysFileError)) throw error;
      return refuse(
        `${ctx.label}: cannot check the ${type} host key ${print} against RevokedHostKeys ${file}: ${error.message}; refusing to connect, as ssh does`,
        `fix ${quote(file)}, or change RevokedHostKeys in ssh config`,
      );
    }
    if (revocation.revoked) {
      return refuse(
        `${ctx.label}: the ${type} host key ${print} is revoked by RevokedHostKeys ${file} (${revocation.where}); refusing to connect`,
        "ask the host's administrator for its current key",
      );
    }
  }

  const check = await checkHostKey(files, name, key);
  switch (check.status) {
    case 'match':
      return { ok: true };
    case 'revoked':
      return refuse(
        `${ctx.label}: the ${type} host key ${print} is marked @revoked in ${check.entry.file} line ${check.entry.line}; refusing to connect`,
        "ask the host's administrator for its current key",
      );
    case 'changed':
      return refuse(
        [
          `${ctx.label}: HOST KEY HAS CHANGED, refusing to connect.`,
          `The host sent the ${type} key ${print}, but ${check.entry.file} line ${check.entry.line} holds a different ${type} key for ${name}.`,
          'Someone may be intercepting this connection (man-in-the-middle), or the host was reinstalled and has a new key.',
        ].join('\n'),
        `if the change is expected, check the new fingerprint with the host's administrator, then remove the old key: ssh-keygen -R ${quote(name)} -f ${quote(check.entry.file)}`,
      );
    case 'unknown':
      break;
  }

  if (host.strictHostKeyChecking === 'accept-new' || host.strictHostKeyChecking === 'no') {
    // Like ssh: a failure to record the key is a warning, not a reason to refuse.
    const where = userFile ?? '(no UserKnownHostsFile)';
    try {
      if (userFile === undefined) throw new Error('no UserKnownHostsFile configured');
      await appendKnownHost(userFile, name, key, { hash: host.hashKnownHosts === true });
      const hashed = host.hashKnownHosts ? ', name hashed (HashKnownHosts yes)' : '';
      ctx.onNotice?.(
        `${ctx.label}: added ${type} host key ${print} for ${name} to ${where} (StrictHostKeyChecking ${host.strictHostKeyChecking}${hashed})`,
      );
    } catch (error) {
      ctx.onNotice?.(
        `${ctx.label}: accepted new ${type} host key ${print} but could not record it in ${where}: ${(error as Error).message}`,
      );
    }
    return { ok: true };
  }

  const others =
    check.knownTypes.length > 0
      ? ` (${userFile ?? 'known_hosts'} knows its ${check.knownTypes.map(keyTypeLabel).join(', ')} key, but the host offered ${type})`
      : '';
  const file = quote(userFile ?? '~/.ssh/known_hosts');
  const add = ctx.viaJump
    ? `connect once with ssh (ssh ${quote(host.name)}) and confirm the fingerprint`
    : `add it with: ssh-keyscan -p ${host.port} ${quote(host.hostname)} >> ${file}`;
  return refuse(
    `${ctx.label}: host key is not known${others}: ${type} ${print}; refusing to connect (StrictHostKeyChecking ${host.strictHostKeyChecking})`,
    `check that fingerprint with the host's administrator (on the host: ssh-keygen -lf /etc/ssh/ssh_host_${type.toLowerCase()}_key.pub), then ${add}; or trust it on first use with "StrictHostKeyChecking accept-new" for this host in ~/.ssh/config`,
  );

  function refuse(message: string, hint: string): HostKeyVerdict {
    return { ok: false, error: new ConnectionError(message, host.name, hint) };
  }
}
