/**
 * TSIG (RFC 8945): the shared-secret signature a DNS server checks before it takes an update, and
 * that ship checks on the server's reply. HMAC over the message and the TSIG variables, computed
 * with node:crypto.
 *
 * Keys come from a file in BIND's format, as `tsig-keygen -a hmac-sha256 NAME` (or
 * `ddns-confgen`) writes it and `named.conf` includes it:
 *
 *   key "ship-acme" {
 *       algorithm hmac-sha256;
 *       secret "c2VjcmV0IGJ5dGVz...";
 *   };
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS, TYPE, decodeMessage, encodeName, encodeRecord, readName } from './wire.js';

export const ALGORITHMS = ['hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha224', 'hmac-sha1'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface TsigKey {
  name: string;
  algorithm: Algorithm;
  secret: Buffer;
}

/** Seconds of clock difference either side that a signature tolerates (RFC 8945 recommends 300). */
export const FUDGE = 300;

/** The one key in a BIND-format key file. Throws saying what is wrong, never with the secret. */
export function parseKeyFile(text: string): TsigKey {
  const uncommented = withoutComments(text);
  const blocks = [...uncommented.matchAll(/\bkey\s+(?:"([^"]+)"|([^\s{]+))\s*\{([^}]*)\}\s*;?/g)];
  if (blocks.length === 0) throw new Error('no `key "name" { algorithm ...; secret "..."; };` block in it');
  if (blocks.length > 1) throw new Error(`it holds ${blocks.length} keys; keep the one for these updates`);
  const [, quoted, bare, body = ''] = blocks[0]!;
  const name = (quoted ?? bare ?? '').replace(/\.$/, '');
  const algorithm = /\balgorithm\s+"?([A-Za-z0-9.-]+?)\.?"?\s*;/.exec(body)?.[1]?.toLowerCase();
  const secret = /\bsecret\s+"([^"]*)"\s*;/.exec(body)?.[1];
  if (!algorithm) throw new Error(`key "${name}" has no algorithm`);
  if (!(ALGORITHMS as readonly string[]).includes(algorithm))
    throw new Error(
      `key "${name}" uses ${algorithm}; ship signs with ${ALGORITHMS.join(', ')} (make a new key with tsig-keygen -a hmac-sha256)`,
    );
  if (secret === undefined || !/^[A-Za-z0-9+/]+=*$/.test(secret.replace(/\s+/g, ''))) throw new Error(`key "${name}" has no base64 secret`);
  return { name, algorithm: algorithm as Algorithm, secret: Buffer.from(secret.replace(/\s+/g, ''), 'base64') };
}

/**
 * The text with BIND's three comment forms (`#`, `//`, `/* *\/`) removed, except inside a quoted
 * string: a base64 secret may hold `//` (about one tsig-keygen key in a hundred does).
 */
function withoutComments(text: string): string {
  // One pass, left to right: a quoted string is kept whole, so no comment marker inside it counts.
  return text.replace(
    /("[^"]*"?)|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g,
    (match, quoted: string | undefined) => quoted ?? (match.startsWith('/*') ? ' ' : ''),
  );
}

function hmacName(algorithm: Algorithm): string {
  return algorithm.slice('hmac-'.length);
}

/** Time Signed (48 bits), Fudge, then `tail`: the part of the TSIG RDATA after the algorithm name. */
function timeAndFudge(timeSigned: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeUIntBE(timeSigned, 0, 6);
  buffer.writeUInt16BE(FUDGE, 6);
  return buffer;
}

/** The TSIG variables of RFC 8945 section 4.3.3, canonical (lowercase, uncompressed names). */
function variables(key: TsigKey, algorithmName: string, timeAndFudgeBytes: Buffer, error: number, other: Buffer): Buffer {
  const classTtl = Buffer.alloc(6);
  classTtl.writeUInt16BE(CLASS.ANY, 0);
  const errorOther = Buffer.alloc(4);
  errorOther.writeUInt16BE(error, 0);
  errorOther.writeUInt16BE(other.length, 2);
  return Buffer.concat([
    encodeName(key.name.toLowerCase()),
    classTtl,
    encodeName(algorithmName.toLowerCase()),
    timeAndFudgeBytes,
    errorOther,
    other,
  ]);
}

export interface Signed {
  wire: Buffer;
  /** The request's MAC: a reply's MAC covers it. */
  mac: Buffer;
}

/** `message` (a whole request without TSIG) with a TSIG record appended and ARCOUNT raised. */
export function sign(message: Buffer, key: TsigKey, now: Date = new Date()): Signed {
  const timeSigned = Math.floor(now.getTime() / 1000);
  const tf = timeAndFudge(timeSigned);
  const mac = createHmac(hmacName(key.algorithm), key.secret)
    .update(message)
    .update(variables(key, key.algorithm, tf, 0, Buffer.alloc(0)))
    .digest();
  const macSize = Buffer.alloc(2);
  macSize.writeUInt16BE(mac.length, 0);
  const tail = Buffer.alloc(6);
  tail.writeUInt16BE(message.readUInt16BE(0), 0); // Original ID
  const data = Buffer.concat([encodeName(key.algorithm), tf, macSize, mac, tail]);
  const withCount = Buffer.from(message);
  withCount.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { wire: Buffer.concat([withCount, encodeRecord({ name: key.name, type: TYPE.TSIG, class: CLASS.ANY, ttl: 0, data })]), mac };
}

export interface ReplySignature {
  /** The TSIG error the server reports (0: it accepted our signature). */
  error: number;
  /** Whether the reply's own signature checked out; false when the server could not sign it. */
  verified: boolean;
  /** Why it did not, when it did not. */
  problem?: string;
}

/**
 * Check the TSIG on a reply to a request signed with `requestMac` (RFC 8945 section 5.3): its MAC
 * covers the request MAC, the reply without its TSIG (ARCOUNT lowered, original ID) and its own
 * variables. A reply with a TSIG error (BADSIG, BADKEY) carries no MAC to check.
 */
export function verifyReply(reply: Buffer, requestMac: Buffer, key: TsigKey, now: Date = new Date()): ReplySignature {
  const decoded = decodeMessage(reply);
  const tsig = decoded.additionals.at(-1);
  if (!tsig || tsig.type !== TYPE.TSIG || decoded.lastAdditionalOffset === undefined)
    return { error: 0, verified: false, problem: 'the reply is not signed' };
  // The algorithm name may be compressed against the rest of the reply, so read it in place.
  const algorithm = readName(reply, tsig.data.byteOffset - reply.byteOffset);
  let at = algorithm.end;
  const tf = reply.subarray(at, at + 8);
  const timeSigned = reply.readUIntBE(at, 6);
  at += 8;
  const macSize = reply.readUInt16BE(at);
  const mac = reply.subarray(at + 2, at + 2 + macSize);
  at += 2 + macSize;
  const originalId = reply.readUInt16BE(at);
  const error = reply.readUInt16BE(at + 2);
  const otherLength = reply.readUInt16BE(at + 4);
  const other = reply.subarray(at + 6, at + 6 + otherLength);
  if (error !== 0) return { error, verified: false, problem: 'the server did not accept our signature' };
  if (tsig.name.toLowerCase() !== key.name.toLowerCase() || algorithm.name.toLowerCase() !== key.algorithm) {
    return { error, verified: false, problem: `the reply is signed with key "${tsig.name}" (${algorithm.name}), not "${key.name}"` };
  }
  const unsigned = Buffer.from(reply.subarray(0, decoded.lastAdditionalOffset));
  unsigned.writeUInt16BE(originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const requestMacSize = Buffer.alloc(2);
  requestMacSize.writeUInt16BE(requestMac.length, 0);
  const expected = createHmac(hmacName(key.algorithm), key.secret)
    .update(requestMacSize)
    .update(requestMac)
    .update(unsigned)
    .update(variables(key, algorithm.name, tf, error, other))
    .digest();
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected))
    return { error, verified: false, problem: "the reply's signature does not match our key" };
  if (Math.abs(now.getTime() / 1000 - timeSigned) > FUDGE)
    return { error, verified: false, problem: "the reply was signed more than 5 minutes away from this machine's clock" };
  return { error, verified: true };
}
