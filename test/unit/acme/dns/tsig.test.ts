import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { parseKeyFile, sign, verifyReply } from '../../../../src/acme/dns/tsig.js';
import { addTxt, updateMessage } from '../../../../src/acme/dns/update.js';
import { decodeMessage } from '../../../../src/acme/dns/wire.js';
import { NAMED_BADSIG_REPLY, NAMED_REPLY, NSUPDATE_REQUEST, SHIP_REQUEST, TEST_KEY_FILE } from './fixtures.js';

const hex = (text: string) => Buffer.from(text, 'hex');
const key = parseKeyFile(TEST_KEY_FILE);

/** The message before its TSIG record was added, and when it was signed. */
function unsigned(wire: Buffer): { message: Buffer; signedAt: Date } {
  const decoded = decodeMessage(wire);
  const message = Buffer.from(wire.subarray(0, decoded.lastAdditionalOffset));
  message.writeUInt16BE(message.readUInt16BE(10) - 1, 10);
  const tsig = decoded.additionals.at(-1)!;
  // RDATA: algorithm name (hmac-sha256., 13 bytes), then the 48-bit time signed.
  return { message, signedAt: new Date(tsig.data.readUIntBE(13, 6) * 1000) };
}

describe('TSIG key files', () => {
  it('reads the key tsig-keygen writes', () => {
    expect(key.name).toBe('ship-test-key');
    expect(key.algorithm).toBe('hmac-sha256');
    expect(key.secret.toString('base64')).toBe('6k8oUKJ4194wfxsQKDsc4YUIipFgTREFXnA8DXNJAJE=');
  });

  it('reads comments, a bare name and a trailing dot on the algorithm', () => {
    const text =
      '# made for ship\n// and this\n/* and\nthis */\nkey acme. {\n  algorithm "hmac-sha512.";  # a comment\n  secret "c2VjcmV0";\n};\n';
    expect(parseKeyFile(text)).toEqual({ name: 'acme', algorithm: 'hmac-sha512', secret: Buffer.from('secret') });
  });

  it('keeps comment markers inside a quoted secret (base64 may hold //)', () => {
    const file = (secret: string) => `key "k" {\n\talgorithm hmac-sha256;\n\tsecret "${secret}";\n};\n`;
    for (const secret of ['ab//cd==', '//abcd==', 'ab////cd', 'abc/'])
      expect(parseKeyFile(`# "quoted" in a comment\n${file(secret)}/* a " */`).secret).toEqual(Buffer.from(secret, 'base64'));
    // The way CI met it: random keys, as tsig-keygen prints them; about one in a hundred holds //.
    for (let i = 0; i < 2000; i++) {
      const secret = randomBytes(32);
      expect(parseKeyFile(file(secret.toString('base64'))).secret).toEqual(secret);
    }
  });

  it('says what is wrong without showing the secret', () => {
    expect(() => parseKeyFile('secret "c2VjcmV0";')).toThrow('no `key "name" { algorithm ...; secret "..."; };` block in it');
    expect(() => parseKeyFile(`${TEST_KEY_FILE}${TEST_KEY_FILE}`)).toThrow('it holds 2 keys; keep the one for these updates');
    expect(() => parseKeyFile('key "k" { algorithm hmac-md5; secret "c2VjcmV0"; };')).toThrow(
      'key "k" uses hmac-md5; ship signs with hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1 (make a new key with tsig-keygen -a hmac-sha256)',
    );
    expect(() => parseKeyFile('key "k" { algorithm hmac-sha256; };')).toThrow('key "k" has no base64 secret');
    expect(() => parseKeyFile('key "k" { secret "c2VjcmV0"; };')).toThrow('key "k" has no algorithm');
    try {
      parseKeyFile('key "k" { algorithm hmac-sha256; secret "not base64!"; };');
    } catch (error) {
      expect((error as Error).message).not.toContain('not base64');
    }
  });
});

describe('TSIG signatures', () => {
  it('signs exactly as nsupdate does: same record, same MAC', () => {
    const { message, signedAt } = unsigned(hex(NSUPDATE_REQUEST));
    expect(sign(message, key, signedAt).wire.toString('hex')).toBe(NSUPDATE_REQUEST);
  });

  it('builds the update named took, byte for byte', () => {
    const { signedAt } = unsigned(hex(SHIP_REQUEST));
    const message = updateMessage(0xdee4, 'example.com', [addTxt('_acme-challenge.example.com', 'ship-value', 60)]);
    expect(sign(message, key, signedAt).wire.toString('hex')).toBe(SHIP_REQUEST);
  });

  it("verifies named's signed reply, and nothing else", () => {
    const { message, signedAt } = unsigned(hex(SHIP_REQUEST));
    const { mac } = sign(message, key, signedAt);
    expect(verifyReply(hex(NAMED_REPLY), mac, key, signedAt)).toEqual({ error: 0, verified: true });

    const tampered = hex(NAMED_REPLY);
    tampered[3] = tampered[3]! ^ 0x05; // REFUSED instead of NOERROR
    expect(verifyReply(tampered, mac, key, signedAt)).toMatchObject({
      verified: false,
      problem: "the reply's signature does not match our key",
    });
    expect(verifyReply(hex(NAMED_REPLY), Buffer.alloc(32), key, signedAt).verified).toBe(false);
    expect(verifyReply(hex(NAMED_REPLY), mac, { ...key, secret: Buffer.from('other') }, signedAt).verified).toBe(false);
    const later = new Date(signedAt.getTime() + 600_000);
    expect(verifyReply(hex(NAMED_REPLY), mac, key, later)).toMatchObject({
      verified: false,
      problem: "the reply was signed more than 5 minutes away from this machine's clock",
    });
  });

  it('reads the TSIG error of a reply to a request with a bad signature', () => {
    expect(verifyReply(hex(NAMED_BADSIG_REPLY), Buffer.alloc(32), key)).toMatchObject({ error: 16, verified: false });
  });

  it('says when a reply carries no signature at all', () => {
    const reply = hex(NAMED_REPLY).subarray(0, 29);
    reply.writeUInt16BE(0, 10);
    expect(verifyReply(reply, Buffer.alloc(32), key)).toEqual({ error: 0, verified: false, problem: 'the reply is not signed' });
  });
});
