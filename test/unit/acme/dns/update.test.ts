import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKeyFile } from '../../../../src/acme/dns/tsig.js';
import { addTxt, deleteTxt, formatServer, parseServer, sendUpdate } from '../../../../src/acme/dns/update.js';
import { decodeMessage } from '../../../../src/acme/dns/wire.js';
import { TEST_KEY_FILE } from './fixtures.js';
import { tricklingPeer } from '../../support/hanging-peers.js';

const key = parseKeyFile(TEST_KEY_FILE);
let server: Server | undefined;

afterEach(() => {
  server?.close();
  server = undefined;
});

/** A TCP DNS server on 127.0.0.1 that answers each request with `reply(request)` (or nothing). */
async function fakeServer(reply: (request: Buffer) => Buffer | undefined): Promise<number> {
  server = createServer((socket) => {
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      const answer = reply(received.subarray(2, 2 + received.readUInt16BE(0)));
      if (!answer) return;
      const length = Buffer.alloc(2);
      length.writeUInt16BE(answer.length, 0);
      socket.end(Buffer.concat([length, answer]));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** The request's header and zone section with QR set and `rcode`, unsigned. */
function unsignedReply(request: Buffer, rcode: number): Buffer {
  const zoneEnd = 12 + request.subarray(12).indexOf(0) + 5;
  const reply = Buffer.from(request.subarray(0, zoneEnd));
  reply.writeUInt16BE(((reply.readUInt16BE(2) | 0x8000 | rcode) & 0xfff0) | rcode, 2);
  for (const at of [6, 8, 10]) reply.writeUInt16BE(0, at);
  return reply;
}

describe('RFC 2136 updates', () => {
  it('reads servers as host, host:port, [v6]:port or a bare v6 address', () => {
    expect(parseServer('ns1.example.com')).toEqual({ host: 'ns1.example.com', port: 53 });
    expect(parseServer('192.0.2.53:5353')).toEqual({ host: '192.0.2.53', port: 5353 });
    expect(parseServer('[2001:db8::53]:53')).toEqual({ host: '2001:db8::53', port: 53 });
    expect(parseServer('2001:db8::53')).toEqual({ host: '2001:db8::53', port: 53 });
    expect(formatServer({ host: '2001:db8::53', port: 5353 })).toBe('[2001:db8::53]:5353');
    expect(formatServer({ host: 'ns1.example.com', port: 53 })).toBe('ns1.example.com');
  });

  it('sends one signed UPDATE for the zone, with exactly the records asked for', async () => {
    let seen: Buffer | undefined;
    const port = await fakeServer((request) => {
      seen = request;
      return unsignedReply(request, 5);
    });
    await expect(
      sendUpdate(
        { host: '127.0.0.1', port },
        'example.com',
        [addTxt('_acme-challenge.example.com', 'v1', 60), deleteTxt('_acme-challenge.example.com', 'v0')],
        key,
      ),
    ).rejects.toThrow(`127.0.0.1:${port} refused the update of zone example.com: REFUSED`);
    const message = decodeMessage(seen!);
    expect((message.flags >> 11) & 0xf).toBe(5);
    expect(message.questions).toEqual([{ name: 'example.com', type: 6, class: 1 }]);
    expect(message.authorities.map((r) => [r.name, r.type, r.class, r.ttl, r.data.toString('hex')])).toEqual([
      ['_acme-challenge.example.com', 16, 1, 60, '027631'],
      ['_acme-challenge.example.com', 16, 254, 0, '027630'],
    ]);
    expect(message.additionals.map((r) => [r.name, r.type])).toEqual([['ship-test-key', 250]]);
  });

  it('does not trust a NOERROR it cannot verify', async () => {
    const port = await fakeServer((request) => unsignedReply(request, 0));
    await expect(
      sendUpdate({ host: '127.0.0.1', port }, 'example.com', [addTxt('_acme-challenge.example.com', 'v', 60)], key),
    ).rejects.toThrow(`127.0.0.1:${port} answered the update, but the reply is not signed`);
  });

  it('says when the server does not answer, or hangs up', async () => {
    const silent = await fakeServer(() => undefined);
    await expect(sendUpdate({ host: '127.0.0.1', port: silent }, 'example.com', [], key, { timeoutMs: 300 })).rejects.toThrow(
      `127.0.0.1 port ${silent}: no answer within 0.3 s`,
    );
    server?.close();
    const closing = await fakeServer(() => Buffer.alloc(0));
    await expect(sendUpdate({ host: '127.0.0.1', port: closing }, 'example.com', [], key)).rejects.toThrow(
      `127.0.0.1:${closing} answered with a broken message (DNS: message shorter than its header)`,
    );
  });

  it('gives up on a server that trickles its reply, within the total deadline (the idle timeout alone never fires)', async () => {
    // A length prefix announcing 65535 bytes, then one byte every 100 ms: hours under an idle timeout of 300 ms.
    const trickler = await tricklingPeer(Buffer.from([0xff, 0xff]), 'x', 100);
    try {
      await expect(
        sendUpdate({ host: '127.0.0.1', port: trickler.port }, 'example.com', [], key, { timeoutMs: 300, totalMs: 1500 }),
      ).rejects.toThrow(`127.0.0.1 port ${trickler.port}: no whole answer within 1.5 s`);
    } finally {
      await trickler.close();
    }
  }, 15_000);
});
