/**
 * The health check against apps that hang, through a real SSH channel (ship's client, the fake
 * sshd): the request's deadline fires, Ctrl-C (the abort signal) ends it at once, a body that
 * never ends is cut, and in every case the channel is let go. On the old code (http.request's
 * `timeout`, which an ssh2 channel ignores) each of these waited forever.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { firstAnswer, healthAnswer, secondLook } from '../../../src/host/health.js';
import type { Connection } from '../../../src/transport/types.js';
import { silentPeer, sshLab, tricklingPeer, type Peer, type SshLab } from '../support/hanging-peers.js';

let lab: SshLab;
let connection: Connection;
let silent: Peer;
let endless: Peer;

beforeAll(async () => {
  lab = await sshLab();
  connection = await lab.connection();
  silent = await silentPeer();
  endless = await tricklingPeer('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n', 'x'.repeat(4096), 20);
});

afterAll(async () => {
  await Promise.all([silent?.close(), endless?.close()]);
  await lab?.close();
});

const url = (p: Peer) => `http://127.0.0.1:${p.port}/health`;
// Generous: the property is "it ends, near its bound", not a timing a loaded machine could flip.
const LIMIT = 20_000;

describe('health check against an app that accepts and never answers', () => {
  it(
    'firstAnswer gives up at the timeout, says why, and closes its channels',
    async () => {
      const before = silent.accepted;
      const result = await firstAnswer(connection, url(silent), 2);
      expect(result.ok).toBe(false);
      expect(result.last).toMatch(/^no answer within \d/);
      expect(silent.accepted).toBeGreaterThan(before);
      await vi.waitFor(() => expect(silent.open()).toBe(0));
    },
    LIMIT,
  );

  it(
    'the abort signal (Ctrl-C) ends a request that is waiting',
    async () => {
      const abort = new AbortController();
      const accepted = silent.accepted;
      const pending = firstAnswer(connection, url(silent), 600, { signal: abort.signal });
      await vi.waitFor(() => expect(silent.accepted).toBeGreaterThan(accepted));
      abort.abort(new Error('interrupted by SIGINT'));
      await expect(pending).rejects.toThrow('interrupted by SIGINT');
      await vi.waitFor(() => expect(silent.open()).toBe(0));
    },
    LIMIT,
  );

  it(
    "secondLook and ship status's one GET have deadlines too",
    async () => {
      expect(await secondLook(connection, url(silent), 0, undefined)).toMatch(/^no answer within 5 s 0s after it first answered$/);
      expect(await healthAnswer(connection, url(silent), 1000)).toEqual({ ok: false, answer: 'no answer within 1 s' });
    },
    LIMIT,
  );
});

describe('health check against a body that never ends', () => {
  it(
    'is cut at the size bound: the status counts',
    async () => {
      expect(await healthAnswer(connection, url(endless), 10_000)).toEqual({ ok: true, answer: 'HTTP 200' });
      await vi.waitFor(() => expect(endless.open()).toBe(0));
    },
    LIMIT,
  );
});
