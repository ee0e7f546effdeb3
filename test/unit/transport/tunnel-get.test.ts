/**
 * One GET through a stream the "host" opens: here a real TCP socket to a local HTTP server
 * stands for the SSH channel (forwardOut), so every way out is exercised on real sockets: an
 * answer, a body cut at its bound, a peer that accepts and never answers, a channel that never
 * opens, and Ctrl-C (the abort signal).
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelTimeout, formatMs, tunnelGet } from '../../../src/transport/tunnel-get.js';
import type { Connection } from '../../../src/transport/types.js';

let server: Server;
let port: number;
const open = new Set<import('node:net').Socket>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hang') return; // accepts, never answers
    if (req.url === '/big') return res.end('x'.repeat(100_000));
    res.setHeader('x-seen-host', String(req.headers['x-probe'] ?? ''));
    res.statusCode = 204 + (req.url === '/teapot' ? 214 : 0);
    res.end(req.url === '/teapot' ? 'short and stout' : '');
  });
  server.on('connection', (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const socket of open) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** A connection whose channel is a TCP socket to the local server; counts the channels opened. */
function through(opening?: () => Promise<Duplex>): Connection & { channels: Duplex[] } {
  const channels: Duplex[] = [];
  return {
    channels,
    forwardOut: async (_host: string, p: number) => {
      const stream = opening ? await opening() : connect(p, '127.0.0.1');
      channels.push(stream);
      return stream;
    },
  } as unknown as Connection & { channels: Duplex[] };
}

describe('tunnelGet', () => {
  it('returns the status and body, and closes the channel afterwards', async () => {
    const connection = through();
    const answer = await tunnelGet(connection, { hostname: 'localhost', port, path: '/teapot', timeoutMs: 5000 });
    expect(answer).toEqual({ status: 418, body: Buffer.from('short and stout'), cut: false });
    expect(connection.channels).toHaveLength(1);
    expect(connection.channels[0]!.destroyed).toBe(true);
  });

  it('keeps maxBody bytes of a long body and says it was cut', async () => {
    const answer = await tunnelGet(through(), { hostname: 'localhost', port, path: '/big', timeoutMs: 5000, maxBody: 1000 });
    expect(answer.status).toBe(200);
    expect(answer.cut).toBe(true);
    expect(answer.body.length).toBe(1000);
  });

  it('gives up at the deadline on a peer that accepts and never answers, leaving no channel open', async () => {
    const connection = through();
    const error = await tunnelGet(connection, { hostname: 'localhost', port, path: '/hang', timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TunnelTimeout);
    expect((error as Error).message).toBe('no answer within 300 ms');
    expect(connection.channels[0]!.destroyed).toBe(true);
  });

  it('gives up at the deadline when the channel never opens', async () => {
    const never = through(() => new Promise<Duplex>(() => {}));
    await expect(tunnelGet(never, { hostname: 'localhost', port, path: '/', timeoutMs: 200 })).rejects.toBeInstanceOf(TunnelTimeout);
  });

  it('ends at once with the abort reason (Ctrl-C), before or during the wait', async () => {
    const stop = new AbortController();
    const waiting = tunnelGet(through(), { hostname: 'localhost', port, path: '/hang', timeoutMs: 60_000, signal: stop.signal });
    setTimeout(() => stop.abort(new Error('interrupted by SIGINT')), 50);
    await expect(waiting).rejects.toThrow('interrupted by SIGINT');
    const connection = through();
    await expect(
      tunnelGet(connection, { hostname: 'localhost', port, path: '/', timeoutMs: 5000, signal: AbortSignal.abort(new Error('already')) }),
    ).rejects.toThrow('already');
    expect(connection.channels).toHaveLength(0);
  });

  it('formats waits in ms below a second, in tenths of seconds above', () => {
    expect([formatMs(300), formatMs(1000), formatMs(2345)]).toEqual(['300 ms', '1 s', '2.3 s']);
  });
});
