/**
 * ship console against a fake connection: who the command runs as, where and with what, whether
 * it gets a PTY of the terminal's size that follows resizes, the terminal put back in every case,
 * and the remote exit code as the result.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openConsole, sizeOf, type ConsoleIo } from '../../../src/actions/console.js';
import { Output } from '../../../src/output/output.js';
import type { Command } from '../../../src/remote/command.js';
import type { Session } from '../../../src/session/session.js';
import type { InteractiveOptions, TerminalSize } from '../../../src/transport/types.js';
import { testStage } from '../support/stage.js';

interface Seen {
  command?: Command;
  options?: InteractiveOptions;
  resized: TerminalSize[];
}

function fakeSession(sshUser: string, run: (seen: Seen) => Promise<{ code: number }>, extra: Partial<Session> = {}) {
  const seen: Seen = { resized: [] };
  const connection = {
    host: { user: sshUser },
    interactive: async (command: Command, options: InteractiveOptions) => {
      seen.command = command;
      seen.options = options;
      const undo = options.onResize?.((size) => seen.resized.push(size));
      try {
        return await run(seen);
      } finally {
        undo?.();
      }
    },
  };
  const session = {
    stage: testStage({ service: { exec: 'node s.js', user: 'deploy', env: {} } }),
    output: new Output({ mode: 'plain', verbose: false, stdout: new PassThrough(), stderr: new PassThrough() }),
    dryRun: false,
    hosts: ['web1', 'web2'],
    options: { dryRun: false, hostFilter: [] },
    connection: async () => connection,
    ...extra,
  } as unknown as Session;
  return { session, seen };
}

function terminalIo(tty: boolean) {
  const raw: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: tty, setRawMode: (on: boolean) => raw.push(on) });
  const stdout = Object.assign(new PassThrough(), { isTTY: tty, rows: 40, columns: 120 });
  return { io: { stdin, stdout, stderr: new PassThrough() } as unknown as ConsoleIo, raw, stdout };
}

describe('openConsole', () => {
  it('on a terminal: a PTY of its size that follows resizes, raw mode on and then off, the remote exit code back', async () => {
    const { io, raw, stdout } = terminalIo(true);
    const { session, seen } = fakeSession('admin', async () => {
      stdout.rows = 50;
      stdout.columns = 132;
      stdout.emit('resize');
      return { code: 7 };
    });
    expect(await openConsole(session, ['node'], io)).toBe(7);
    expect(seen.options?.pty).toMatchObject({ rows: 40, cols: 120 });
    expect(seen.resized).toEqual([{ rows: 50, cols: 132 }]);
    expect(raw).toEqual([true, false]);
    // In current, with the env file, as service.user (not the SSH user), on the first host.
    expect(seen.command?.script).toBe('console.sh');
    expect(seen.command?.argv.slice(4)).toEqual(['/srv/app/current', '/srv/app/shared/.env', 'node']);
    expect(seen.command?.sudoUser).toBe('deploy');
  });

  it('puts the terminal back when the connection fails', async () => {
    const { io, raw } = terminalIo(true);
    const { session } = fakeSession('deploy', async () => {
      throw new Error('connection lost');
    });
    await expect(openConsole(session, [], io)).rejects.toThrow('connection lost');
    expect(raw).toEqual([true, false]);
  });

  it('off a terminal: no PTY, no raw mode, stdin handed on; as the SSH user itself when that is service.user', async () => {
    const { io, raw } = terminalIo(false);
    const { session, seen } = fakeSession('deploy', async () => ({ code: 0 }));
    expect(await openConsole(session, [], io)).toBe(0);
    expect(seen.options?.pty).toBeUndefined();
    expect(seen.options?.stdin).toBe(io.stdin);
    expect(raw).toEqual([]);
    expect(seen.command?.sudoUser).toBeUndefined();
    expect(seen.command?.argv.slice(4)).toEqual(['/srv/app/current', '/srv/app/shared/.env']);
  });

  it('refuses --dry-run and a stage without service, saying what to do', async () => {
    const { io } = terminalIo(false);
    await expect(
      openConsole(fakeSession('deploy', async () => ({ code: 0 }), { dryRun: true } as Partial<Session>).session, [], io),
    ).rejects.toThrow(/ship console has no --dry-run/);
    const bare = fakeSession('deploy', async () => ({ code: 0 }), { stage: testStage() } as Partial<Session>).session;
    await expect(openConsole(bare, [], io)).rejects.toThrow(/stage prod has no service in .*hosts.ts/);
  });

  it('takes 80x24 when the terminal reports no size', () => {
    expect(sizeOf({} as ConsoleIo['stdout'])).toEqual({ rows: 24, cols: 80 });
  });
});
