import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * known_hosts, read and checked the way OpenSSH does (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 * comma-separated patterns with `*`, `?` and `!negation`, `[host]:port` for ports other than 22,
 * hashed `|1|salt|hmac` names (read, and written under HashKnownHosts), `@revoked` keys
 * refused, `@cert-authority` lines ignored (ship does not do host certificates). The
 * RevokedHostKeys file has its own format: see revoked-keys.ts.
 */

export interface KnownHostsEntry {
  file: string;
  /** 1-based, as editors and `ssh-keygen -R` report it. */
  line: number;
  marker?: 'revoked';
  /** The host field as written: patterns or a hashed name. */
  hosts: string;
  /** Key type read from the key itself, e.g. `ssh-ed25519`. */
  keyType: string;
  key: Buffer;
}

export type HostKeyCheck =
  | { status: 'match'; entry: KnownHostsEntry }
  | { status: 'revoked'; entry: KnownHostsEntry }
  /** A key of the same type is known for this host and it is not this one. */
  | { status: 'changed'; entry: KnownHostsEntry }
  /** Nothing of this type is known; `knownTypes` lists the types that are. */
  | { status: 'unknown'; knownTypes: string[] };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` elsewhere; the alias as-is. */
export function knownHostsName(hostname: string, port: number, hostKeyAlias?: string): string {
  if (hostKeyAlias !== undefined) return hostKeyAlias.toLowerCase();
  const host = hostname.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      if (fields[0] !== '@revoked') return; // @cert-authority or an unknown marker: not a host key
      marker = 'revoked';
      fields.shift();
    }
    const [hosts, , base64] = fields;
    if (hosts === undefined || base64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return;
    const key = Buffer.from(base64, 'base64');
    const keyType = keyTypeOf(key);
    if (keyType === undefined) return; // malformed: OpenSSH skips it too
    entries.push({ file, line: index + 1, hosts, keyType, key, ...(marker ? { marker } : {}) });
  });
  return entries;
}

/** Whether a host field matches `name` (already in knownHostsName form). */
export function hostFieldMatches(hosts: string, name: string): boolean {
  const lower = name.toLowerCase();
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(lower).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (globMatch(negated ? pattern.slice(1) : pattern, lower)) {
      if (negated) return false; // a negated match wins over every positive one
      matched = true;
    }
  }
  return matched;
}

function globMatch(pattern: string, name: string): boolean {
  const regex = pattern
    .toLowerCase()
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 's').test(name);
}

/** Check a presented host key blob (as ssh2's hostVerifier gives it) against known_hosts files. */
export async function checkHostKey(files: readonly string[], name: string, key: Buffer): Promise<HostKeyCheck> {
  const entries = (await Promise.all(files.map(readEntries))).flat().filter((e) => hostFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = entries.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key.equals(key));
  if (match) return { status: 'match', entry: match };
  const type = keyTypeOf(key);
  const conflict = plain.find((e) => e.keyType === type);
  if (conflict) return { status: 'changed', entry: conflict };
  return { status: 'unknown', knownTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** Key types known for a host, so they can be asked for first (as ssh orders HostKeyAlgorithms). */
export async function knownKeyTypes(files: readonly string[], name: string): Promise<string[]> {
  const entries = (await Promise.all(files.map(readEntries))).flat();
  return [...new Set(entries.filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

async function readEntries(file: string): Promise<KnownHostsEntry[]> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'), file);
  } catch {
    return []; // missing or unreadable: ssh treats it as empty too
  }
}

/** Concurrent connections may accept new keys into the same file: one append at a time per file. */
const appendQueues = new Map<string, Promise<unknown>>();

/**
 * Append `name type base64`, creating the directory (0700) and file (0600) when missing. With
 * `hash` (ssh_config's `HashKnownHosts yes`) the name is written hashed, as ssh does, so the
 * file does not list the hosts this machine reaches.
 */
export async function appendKnownHost(file: string, name: string, key: Buffer, options: { hash?: boolean } = {}): Promise<void> {
  const previous = appendQueues.get(file) ?? Promise.resolve();
  const next = previous
    .catch(() => {})
    .then(async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      const written = options.hash ? hashedHostName(name) : name;
      const line = `${written} ${keyTypeOf(key) ?? 'unknown'} ${key.toString('base64')}\n`;
      await appendFile(file, (await endsWithoutNewline(file)) ? `\n${line}` : line, { mode: 0o600 });
    });
  appendQueues.set(file, next);
  return next;
}

/**
 * `|1|salt|hash`: HMAC-SHA1 of the name keyed with a random 20-byte salt, both base64, the
 * form ssh writes under HashKnownHosts and `ssh-keygen -H` produces (see hostFieldMatches).
 */
export function hashedHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const hash = createHmac('sha1', salt).update(name.toLowerCase()).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}

/** A file whose last line lacks its newline would have our entry glued onto it. */
async function endsWithoutNewline(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}

/** The key type string at the start of an SSH public key blob. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  const type = blob.subarray(4, 4 + length).toString('latin1');
  return /^[a-z0-9@.-]+$/.test(type) ? type : undefined;
}

/** `SHA256:…` exactly as `ssh-keygen -l` and ssh's prompts print it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** `ED25519`, `ECDSA`, `RSA`: the names ssh uses in its messages. */
export function keyTypeLabel(type: string | undefined): string {
  if (type === undefined) return 'unknown';
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type.startsWith('ecdsa-')) return 'ECDSA';
  if (type === 'ssh-rsa') return 'RSA';
  if (type === 'ssh-dss') return 'DSA';
  return type;
}
