import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { keyTypeOf } from './known-hosts.js';

/**
 * ssh_config's `RevokedHostKeys FILE`, read the way OpenSSH does (sshkey_check_revoked): the
 * file is a KRL (`ssh-keygen -k`) when it starts with the KRL magic, else public keys one per
 * line (`ssh-ed25519 AAAA... comment`; blank lines and `#` comments skipped).
 *
 * As with ssh, a file that cannot be read or understood is an error, and the caller refuses
 * the connection: a list of revoked keys that is not checked must not pass for an empty one.
 */

export type Revocation = { revoked: false } | { revoked: true; where: string };

/** The reason a revoked keys file could not be checked, for the person who wrote it. */
export class RevokedKeysFileError extends Error {}

const KRL_MAGIC = Buffer.from('SSHKRL\n\0', 'latin1');

export async function checkRevoked(file: string, key: Buffer): Promise<Revocation> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (error) {
    throw new RevokedKeysFileError(`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return content.subarray(0, KRL_MAGIC.length).equals(KRL_MAGIC) ? checkKrl(content, key) : checkKeyList(content.toString('utf8'), key);
}

function checkKeyList(text: string, key: Buffer): Revocation {
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/^[ \t]+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const [type, base64] = line.split(/[ \t]+/);
    const blob = base64 !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : undefined;
    if (blob === undefined || keyTypeOf(blob) !== type) {
      throw new RevokedKeysFileError(
        `line ${index + 1} is not a public key (want one per line, as in a .pub file, or a KRL from ssh-keygen -k)`,
      );
    }
    if (blob.equals(key)) return { revoked: true, where: `line ${index + 1}` };
  }
  return { revoked: false };
}

/**
 * A Key Revocation List (OpenSSH's PROTOCOL.krl). Plain host keys can be revoked by the key
 * itself or by its SHA1 or SHA256 hash; the certificates section only revokes certificates,
 * which ship never accepts as host keys, so it is skipped. Signed KRLs are refused: ship cannot
 * check their signatures.
 */
function checkKrl(data: Buffer, key: Buffer): Revocation {
  const reader = new Reader(data, KRL_MAGIC.length);
  const version = reader.uint32();
  if (version !== 1) throw new RevokedKeysFileError(`KRL format version ${version} is not one ship reads (it reads version 1)`);
  reader.skip(8 * 3); // krl_version, generated_date, flags
  reader.string(); // reserved
  reader.string(); // comment
  const sha1 = createHash('sha1').update(key).digest();
  const sha256 = createHash('sha256').update(key).digest();
  while (!reader.done()) {
    const type = reader.byte();
    if (type === KRL_SIGNATURE)
      throw new RevokedKeysFileError('signed KRLs are not supported (ship cannot check the signature); write it without -s');
    const section = new Reader(reader.string(), 0);
    if (type === KRL_CERTIFICATES) continue;
    const wanted = type === KRL_EXPLICIT_KEY ? key : type === KRL_SHA1 ? sha1 : type === KRL_SHA256 ? sha256 : undefined;
    if (wanted === undefined) throw new RevokedKeysFileError(`KRL section type ${type} is not one ship knows`);
    while (!section.done()) {
      if (section.string().equals(wanted)) return { revoked: true, where: `KRL ${KRL_SECTION_NAMES[type]}` };
    }
  }
  return { revoked: false };
}

const KRL_CERTIFICATES = 1;
const KRL_EXPLICIT_KEY = 2;
const KRL_SHA1 = 3;
const KRL_SIGNATURE = 4;
const KRL_SHA256 = 5;
const KRL_SECTION_NAMES: Record<number, string> = { [KRL_EXPLICIT_KEY]: 'key', [KRL_SHA1]: 'SHA1 hash', [KRL_SHA256]: 'SHA256 hash' };

/** SSH wire format (RFC 4251): big-endian integers, strings with a uint32 length. */
class Reader {
  constructor(
    private readonly data: Buffer,
    private at: number,
  ) {}

  done(): boolean {
    return this.at >= this.data.length;
  }

  byte(): number {
    this.need(1);
    return this.data[this.at++]!;
  }

  uint32(): number {
    this.need(4);
    const value = this.data.readUInt32BE(this.at);
    this.at += 4;
    return value;
  }

  skip(bytes: number): void {
    this.need(bytes);
    this.at += bytes;
  }

  string(): Buffer {
    const length = this.uint32();
    this.need(length);
    const value = this.data.subarray(this.at, this.at + length);
    this.at += length;
    return value;
  }

  private need(bytes: number): void {
    if (this.at + bytes > this.data.length) throw new RevokedKeysFileError('the KRL is truncated or corrupt');
  }
}
