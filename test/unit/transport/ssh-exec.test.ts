/**
 * Aborting a run at the moments a real sshd cannot be made to hit on purpose: while its channel
 * is still opening (sshd has started the command by the time the channel arrives), and while the
 * command is still dying. A stand-in for ssh2's Client holds the exec callback until the test
 * delivers the channel, and the channel closes only when the test says the command exited.
 * (Aborting a running command is covered against real sshd by the e2e interrupt tests.)
 */
import { EventEmitter } from 'node:events';
import type { Client, ClientChannel } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { execCommand } from '../../../src/transport/ssh-exec.js';

interface Stand {
  client: Client;
  /** sshd's answer to the exec request: the channel arrives. */
  deliver(): void;
  /** What was sent on the channel, in order. */
  seen: string[];
  /** sshd closes the channel: the command has exited. */
  exited(): void;
}

function standIn(): Stand {
  let callback: ((err: Error | undefined, ch: ClientChannel) => void) | undefined;
  const seen: string[] = [];
  const channel = Object.assign(new EventEmitter(), {
    outgoing: { id: 7, state: 'open' },
    _client: { _protocol: { signal: (id: number, name: string) => seen.push(`signal ${id} ${name}`) } },
    signal: (name: string) => seen.push(`channel.signal ${name}`),
    close: () => seen.push('close'),
    end: (data?: unknown) => seen.push(data === undefined ? 'eof' : 'input'),
    write: () => seen.push('input'),
    stderr: new EventEmitter(),
  });
  return {
    client: { exec: (_line: string, cb: typeof callback) => void (callback = cb) } as unknown as Client,
    deliver: () => callback!(undefined, channel as unknown as ClientChannel),
    seen,
    exited: () => void channel.emit('close'),
  };
}

const ctx = { host: 'web1', label: 'web1 (10.0.0.1:22)' };
const write = { argv: ['sh', '-c', 'cat > "$1"', 'sh', '/etc/x'] };

/** Whether `promise` has settled by the time the event loop has had a few turns. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
}

describe('a run aborted', () => {
  it('while its channel is opening: the command that started anyway gets TERM and never the input', async () => {
    const stand = standIn();
    const controller = new AbortController();
    const run = execCommand(stand.client, ctx, write, { signal: controller.signal, stdin: 'content' });
    controller.abort();
    stand.deliver();
    expect(stand.seen).toEqual(['signal 7 TERM', 'close']);
    stand.exited();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('while its command runs: rejects only once sshd closed the channel, so undo never runs beside it', async () => {
    const stand = standIn();
    const controller = new AbortController();
    const run = execCommand(stand.client, ctx, write, { signal: controller.signal, stdin: 'content' });
    stand.deliver();
    controller.abort();
    expect(stand.seen).toEqual(['input', 'signal 7 TERM', 'close']);
    expect(await settled(run)).toBe(false);
    stand.exited();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
