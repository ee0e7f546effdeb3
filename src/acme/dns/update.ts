/**
 * RFC 2136 dynamic updates, signed with TSIG, sent by ship itself over TCP (RFC 7766 framing: a
 * two-byte length, then the message), so nothing needs `nsupdate` on the machine that runs ship.
 * TCP rather than UDP: no truncation, no retransmission that could apply an update twice.
 */
import { randomInt } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import {
  CLASS,
  OPCODE_UPDATE,
  RCODE_NAMES,
  TYPE,
  decodeMessage,
  encodeMessage,
  opcodeOf,
  rcodeOf,
  txtData,
  type ResourceRecord,
} from './wire.js';
import { sign, verifyReply, type TsigKey } from './tsig.js';

export interface DnsServer {
  host: string;
  port: number;
}

/** `ns1.example.com`, `192.0.2.53:5353`, `[2001:db8::53]:53` or a bare IPv6 address; port 53 unless given. */
export function parseServer(text: string): DnsServer {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  if (isIP(text) === 6) return { host: text, port: 53 };
  const withPort = /^(.*):(\d+)$/.exec(text);
  return withPort ? { host: withPort[1]!, port: Number(withPort[2]) } : { host: text, port: 53 };
}

export function formatServer(server: DnsServer): string {
  const host = isIP(server.host) === 6 ? `[${server.host}]` : server.host;
  return server.port === 53 ? host : `${host}:${server.port}`;
}

/** Why a server did not take an update: its RCODE (and TSIG error), or a check of its reply. */
export class DnsUpdateError extends Error {
  constructor(
    message: string,
    readonly rcode?: string,
  ) {
    super(message);
    this.name = 'DnsUpdateError';
  }
}

/** Add one TXT record (class IN). */
export function addTxt(name: string, value: string, ttl: number): ResourceRecord {
  return { name, type: TYPE.TXT, class: CLASS.IN, ttl, data: txtData(value) };
}

/** Delete exactly this TXT record, leaving others of the name alone (class NONE, RFC 2136 2.5.4). */
export function deleteTxt(name: string, value: string): ResourceRecord {
  return { name, type: TYPE.TXT, class: CLASS.NONE, ttl: 0, data: txtData(value) };
}

/** The UPDATE message for `zone`: no prerequisites, `updates` in its update section. */
export function updateMessage(id: number, zone: string, updates: readonly ResourceRecord[]): Buffer {
  return encodeMessage({
    id,
    flags: OPCODE_UPDATE << 11,
    questions: [{ name: zone, type: TYPE.SOA, class: CLASS.IN }],
    answers: [],
    authorities: [...updates],
    additionals: [],
  });
}

export interface UpdateOptions {
  /** Idle: the longest silence from the server. */
  timeoutMs?: number;
  /** In all, from connecting to the reply's last byte: a server trickling bytes stays under any idle timeout. */
  totalMs?: number;
  now?: () => Date;
}

/** Send one signed UPDATE and check the reply; resolves when the server applied it. */
export async function sendUpdate(
  server: DnsServer,
  zone: string,
  updates: readonly ResourceRecord[],
  key: TsigKey,
  options: UpdateOptions = {},
): Promise<void> {
  const id = randomInt(0, 0x10000);
  const signed = sign(updateMessage(id, zone, updates), key, options.now?.());
  const address = isIP(server.host) ? server.host : (await lookup(server.host)).address;
  const reply = await exchange(address, server.port, signed.wire, options.timeoutMs ?? 10_000, options.totalMs ?? 30_000);
  let decoded;
  try {
    decoded = decodeMessage(reply);
  } catch (error) {
    throw new DnsUpdateError(`${formatServer(server)} answered with a broken message (${(error as Error).message})`);
  }
  if (decoded.id !== id || opcodeOf(decoded.flags) !== OPCODE_UPDATE || (decoded.flags & 0x8000) === 0) {
    throw new DnsUpdateError(`${formatServer(server)} answered something that is not a reply to our update`);
  }
  const rcode = rcodeOf(decoded.flags);
  const signature = verifyReply(reply, signed.mac, key, options.now?.());
  if (signature.error !== 0) {
    const name = RCODE_NAMES[signature.error] ?? `TSIG error ${signature.error}`;
    throw new DnsUpdateError(
      `${formatServer(server)} did not accept the TSIG key "${key.name}" (${RCODE_NAMES[rcode] ?? rcode}, ${name})`,
      name,
    );
  }
  if (rcode !== 0)
    throw new DnsUpdateError(
      `${formatServer(server)} refused the update of zone ${zone}: ${RCODE_NAMES[rcode] ?? `RCODE ${rcode}`}`,
      RCODE_NAMES[rcode],
    );
  // A server that took the update yet cannot prove it was the one holding our key: do not trust it.
  if (!signature.verified) throw new DnsUpdateError(`${formatServer(server)} answered the update, but ${signature.problem}`);
}

/** One DNS message over TCP: write it with its length, read one reply, within `totalMs` in all. */
function exchange(host: string, port: number, message: Buffer, timeoutMs: number, totalMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      clearTimeout(total);
      socket.destroy();
      reject(error);
    };
    const total = setTimeout(() => fail(new DnsUpdateError(`${host} port ${port}: no whole answer within ${totalMs / 1000} s`)), totalMs);
    socket.setTimeout(timeoutMs, () => fail(new DnsUpdateError(`${host} port ${port}: no answer within ${timeoutMs / 1000} s`)));
    socket.on('error', (error) => fail(new DnsUpdateError(`${host} port ${port}: ${error.message}`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        clearTimeout(total);
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('end', () => fail(new DnsUpdateError(`${host} port ${port}: closed the connection without an answer`)));
    socket.connect(port, host, () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length, 0);
      socket.write(Buffer.concat([length, message]));
    });
  });
}
