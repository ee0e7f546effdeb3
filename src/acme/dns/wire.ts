/**
 * Just enough of the DNS wire format (RFC 1035) for RFC 2136 dynamic updates: names, resource
 * records, whole messages, and reading a reply. Pure: bytes in, bytes out.
 *
 * Names are written uncompressed (always allowed); replies may compress theirs (section 4.1.4),
 * which `readName` follows.
 */

export const TYPE = { SOA: 6, TXT: 16, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE_UPDATE = 5;

/** RCODEs an UPDATE can answer (RFC 1035, 2136) and TSIG errors (RFC 8945), by number. */
export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  16: 'BADSIG',
  17: 'BADKEY',
  18: 'BADTIME',
  22: 'BADTRUNC',
};

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: Buffer;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface Message {
  id: number;
  /** The 16 flag bits: QR, opcode, AA, TC, RD, RA, Z, rcode. */
  flags: number;
  /** For UPDATE: the zone section. */
  questions: Question[];
  /** For UPDATE: the prerequisite section. */
  answers: ResourceRecord[];
  /** For UPDATE: the update section. */
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

/** A name in wire form: length-prefixed labels, then the root. Throws on a label or name too long. */
export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, '');
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`DNS: label "${label}" of ${name} is empty or longer than 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new Error(`DNS: ${name} is longer than 255 bytes`);
  return wire;
}

/** TXT RDATA: the text as character-strings of at most 255 bytes each. */
export function txtData(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length || parts.length === 0; at += 255) {
    const chunk = bytes.subarray(at, at + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

export function encodeRecord(record: ResourceRecord): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(record.type, 0);
  fixed.writeUInt16BE(record.class, 2);
  fixed.writeUInt32BE(record.ttl, 4);
  fixed.writeUInt16BE(record.data.length, 8);
  return Buffer.concat([encodeName(record.name), fixed, record.data]);
}

export function encodeMessage(message: Message): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(message.id, 0);
  header.writeUInt16BE(message.flags, 2);
  header.writeUInt16BE(message.questions.length, 4);
  header.writeUInt16BE(message.answers.length, 6);
  header.writeUInt16BE(message.authorities.length, 8);
  header.writeUInt16BE(message.additionals.length, 10);
  const questions = message.questions.map((q) => {
    const fixed = Buffer.alloc(4);
    fixed.writeUInt16BE(q.type, 0);
    fixed.writeUInt16BE(q.class, 2);
    return Buffer.concat([encodeName(q.name), fixed]);
  });
  const records = [...message.answers, ...message.authorities, ...message.additionals].map(encodeRecord);
  return Buffer.concat([header, ...questions, ...records]);
}

export function opcodeOf(flags: number): number {
  return (flags >> 11) & 0xf;
}

export function rcodeOf(flags: number): number {
  return flags & 0xf;
}

/** A decoded message, plus where its last additional record starts (for TSIG, which must be last). */
export interface Decoded extends Message {
  lastAdditionalOffset?: number;
}

export function decodeMessage(wire: Buffer): Decoded {
  if (wire.length < 12) throw new Error('DNS: message shorter than its header');
  const counts = [4, 6, 8, 10].map((at) => wire.readUInt16BE(at));
  let offset = 12;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const name = readName(wire, offset);
    offset = name.end;
    need(wire, offset + 4);
    questions.push({ name: name.name, type: wire.readUInt16BE(offset), class: wire.readUInt16BE(offset + 2) });
    offset += 4;
  }
  const sections: ResourceRecord[][] = [[], [], []];
  let lastAdditionalOffset: number | undefined;
  for (const [s, count] of [counts[1]!, counts[2]!, counts[3]!].entries()) {
    for (let i = 0; i < count; i++) {
      if (s === 2 && i === count - 1) lastAdditionalOffset = offset;
      const name = readName(wire, offset);
      offset = name.end;
      need(wire, offset + 10);
      const length = wire.readUInt16BE(offset + 8);
      need(wire, offset + 10 + length);
      sections[s]!.push({
        name: name.name,
        type: wire.readUInt16BE(offset),
        class: wire.readUInt16BE(offset + 2),
        ttl: wire.readUInt32BE(offset + 4),
        data: wire.subarray(offset + 10, offset + 10 + length),
      });
      offset += 10 + length;
    }
  }
  return {
    id: wire.readUInt16BE(0),
    flags: wire.readUInt16BE(2),
    questions,
    answers: sections[0]!,
    authorities: sections[1]!,
    additionals: sections[2]!,
    ...(lastAdditionalOffset === undefined ? {} : { lastAdditionalOffset }),
  };
}

/** A possibly compressed name at `offset`: the name, and where the bytes after it start. */
export function readName(wire: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  let end: number | undefined;
  for (let jumps = 0; ; ) {
    need(wire, at + 1);
    const length = wire[at]!;
    if (length === 0) {
      end ??= at + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      need(wire, at + 2);
      end ??= at + 2;
      // A pointer must point backwards; a loop would never end.
      const target = wire.readUInt16BE(at) & 0x3fff;
      if (target >= at || ++jumps > 64) throw new Error('DNS: bad compression pointer');
      at = target;
      continue;
    }
    if (length > 63) throw new Error('DNS: bad label length');
    need(wire, at + 1 + length);
    labels.push(wire.toString('ascii', at + 1, at + 1 + length));
    at += 1 + length;
  }
  return { name: labels.join('.'), end };
}

function need(wire: Buffer, length: number): void {
  if (wire.length < length) throw new Error('DNS: message truncated');
}
