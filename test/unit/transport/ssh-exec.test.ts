/**
 * The one moment of an abort that a real sshd cannot be made to hit on purpose: the run is
 * aborted while its channel is still opening, and sshd has started the command by the time the
 * channel arrives. A stand-in for ssh2's Client holds the exec callback until the test calls it.
 * (Aborting a running command is covered against real sshd by the e2e interrupt tests.)
 */
import type { Client, ClientChannel } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { execCommand } from '../../../src/transport/ssh-exec.js';

function opening(): { client: Client; deliver: () => string[] } {
  let callback: ((err: Error | undefined, ch: ClientChannel) => void) | undefined;
  const client = { exec: (_line: string, cb: typeof callback) => void (callback = cb) } as unknown as Client;
  const deliver = (): string[] => {
    const seen: string[] = [];
    const channel = {
      outgoing: { id: 7, state: 'open' },
      _client: { _protocol: { signal: (id: number, name: string) => seen.push(`signal ${id} ${name}`) } },
      signal: (name: string) => seen.push(`channel.signal ${name}`),
      close: () => seen.push('close'),
      end: () => seen.push('end'),
      write: () => seen.push('write'),
      on: () => channel,
      stderr: { on: () => undefined },
    };
    callback!(undefined, channel as unknown as ClientChannel);
    return seen;
  };
  return { client, deliver };
}

describe('a run aborted while its channel is opening', () => {
  it('rejects at once, then stops the command that started anyway, and never sends it the input', async () => {
    const { client, deliver } = opening();
    const controller = new AbortController();
    const run = execCommand(client, { host: 'web1', label: 'web1 (10.0.0.1:22)' }, { argv: ['sh', '-c', 'cat > "$1"', 'sh', '/etc/x'] }, { signal: controller.signal, stdin: 'content' });
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    // The command got only EOF on stdin: it must be told to stop, like a running one.
    expect(deliver()).toEqual(['signal 7 TERM', 'close']);
  });
});
