import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeName, readName, txtData } from '../../../../src/acme/dns/wire.js';
import { NAMED_REPLY, NSUPDATE_REQUEST } from './fixtures.js';

describe('DNS wire format', () => {
  it('writes names as length-prefixed labels, the root last, a trailing dot or not', () => {
    expect(encodeName('_acme-challenge.example.com').toString('hex')).toBe('0f5f61636d652d6368616c6c656e6765076578616d706c6503636f6d00');
    expect(encodeName('example.com.')).toEqual(encodeName('example.com'));
    expect(encodeName('')).toEqual(Buffer.from([0]));
  });

  it('refuses labels and names DNS cannot carry', () => {
    expect(() => encodeName(`${'a'.repeat(64)}.example.com`)).toThrow('longer than 63 bytes');
    expect(() => encodeName('a..example.com')).toThrow('is empty');
    expect(() => encodeName(Array.from({ length: 50 }, () => 'abcde').join('.'))).toThrow('longer than 255 bytes');
  });

  it('splits TXT data into character-strings of at most 255 bytes', () => {
    expect(txtData('abc').toString('hex')).toBe('03616263');
    expect(txtData('')).toEqual(Buffer.from([0]));
    const long = txtData('x'.repeat(300));
    expect([long[0], long[256]]).toEqual([255, 45]);
    expect(long.length).toBe(302);
  });

  it('reads a real request and reply, compressed names included', () => {
    const request = decodeMessage(Buffer.from(NSUPDATE_REQUEST, 'hex'));
    expect(request.questions).toEqual([{ name: 'example.com', type: 6, class: 1 }]);
    // nsupdate compresses the update's owner name against the zone.
    expect(request.authorities.map((r) => [r.name, r.type, r.ttl])).toEqual([['_acme-challenge.example.com', 16, 60]]);
    expect(request.additionals.map((r) => [r.name, r.type])).toEqual([['ship-test-key', 250]]);
    const reply = decodeMessage(Buffer.from(NAMED_REPLY, 'hex'));
    expect(reply.flags & 0x8000).toBe(0x8000);
    expect(reply.flags & 0xf).toBe(0);
  });

  it('refuses compression loops and truncated messages', () => {
    // A name that points at itself.
    expect(() => readName(Buffer.from([0, 0, 0xc0, 0x02]), 2)).toThrow('bad compression pointer');
    expect(() => decodeMessage(Buffer.from(NSUPDATE_REQUEST, 'hex').subarray(0, 40))).toThrow('truncated');
    expect(() => decodeMessage(Buffer.alloc(5))).toThrow('shorter than its header');
  });
});
