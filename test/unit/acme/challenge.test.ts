/**
 * The HTTP-01 self-check against a port 80 that hangs, through a real SSH channel: it ends at its
 * deadline (the old code waited forever, holding the renew lock and every host's deploy lock),
 * ends at once on abort, and lets the channel go.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchFromHost } from '../../../src/acme/challenge.js';
import type { Connection } from '../../../src/transport/types.js';
import { silentPeer, sshLab, type Peer, type SshLab } from '../support/hanging-peers.js';

let lab: SshLab;
let silent: Peer;
let connection: Connection;

beforeAll(async () => {
  lab = await sshLab();
  silent = await silentPeer();
  // The self-check always asks port 80 on the host; here that is the silent peer.
  connection = await lab.connection({ 80: silent.port });
});

afterAll(async () => {
  await silent?.close();
  await lab?.close();
});

describe('fetchFromHost against a port 80 that accepts and never answers', () => {
  it('rejects at its deadline and closes the channel', async () => {
    await expect(fetchFromHost(connection, 'example.com', '/.well-known/acme-challenge/t', 1000)).rejects.toThrow('no answer within 1 s');
    expect(silent.accepted).toBeGreaterThan(0);
    await vi.waitFor(() => expect(silent.open()).toBe(0));
  }, 20_000);

  it('rejects at once when its signal aborts', async () => {
    const abort = new AbortController();
    const accepted = silent.accepted;
    const pending = fetchFromHost(connection, 'example.com', '/.well-known/acme-challenge/t', 600_000, abort.signal);
    await vi.waitFor(() => expect(silent.accepted).toBeGreaterThan(accepted));
    abort.abort(new Error('interrupted'));
    await expect(pending).rejects.toThrow('interrupted');
    await vi.waitFor(() => expect(silent.open()).toBe(0));
  }, 20_000);
});
