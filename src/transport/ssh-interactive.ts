/**
 * One command attached to this process's terminal or pipes (`ship console`): with a terminal,
 * over a remote PTY of the same size, resized with it; without one, stdin passed through as it
 * comes, stdout and stderr apart. The remote exit code is the result; nothing is captured or
 * redacted, since what the person types and reads is the point of a console.
 */
import { constants } from 'node:os';
import type { Client, ClientChannel } from 'ssh2';
import type { Command } from '../remote/command.js';
import { renderCommand, displayCommand } from '../remote/render.js';
import { ConnectionError } from '../errors.js';
import { sendSignal } from './ssh-exec.js';
import type { InteractiveOptions, InteractiveResult } from './types.js';

export function runInteractive(client: Client, host: string, command: Command, options: InteractiveOptions): Promise<InteractiveResult> {
  const line = renderCommand(command);
  return new Promise((resolve, reject) => {
    const done = (ch: ClientChannel) => {
      let exitCode: number | null | undefined;
      let exitSignal: string | undefined;
      const undo: Array<() => void> = [];
      if (options.pty && options.onResize) undo.push(options.onResize(({ rows, cols }) => ch.setWindow(rows, cols, 0, 0)));
      if (options.onSignal) undo.push(options.onSignal((name) => sendSignal(ch, name)));
      const input = (chunk: Buffer) => ch.write(chunk);
      const end = () => ch.end();
      options.stdin.on('data', input);
      options.stdin.once('end', end);
      options.stdin.resume();
      ch.on('data', (chunk: Buffer) => options.stdout.write(chunk));
      ch.stderr.on('data', (chunk: Buffer) => options.stderr.write(chunk));
      ch.on('exit', (code: number | null, sig?: string) => {
        exitCode = code;
        if (sig) exitSignal = sig;
      });
      ch.on('error', () => {}); // the outcome is decided on 'close'
      ch.on('close', () => {
        options.stdin.off('data', input);
        options.stdin.off('end', end);
        options.stdin.pause();
        for (const u of undo) u();
        if (typeof exitCode === 'number') return resolve({ code: exitCode });
        const signo = exitSignal ? constants.signals[`SIG${exitSignal}` as keyof typeof constants.signals] : undefined;
        if (signo !== undefined) return resolve({ code: 128 + signo });
        reject(new ConnectionError(`${host}: connection lost while running ${displayCommand(command)}`, host));
      });
    };
    const opened = (err: Error | undefined, ch: ClientChannel) =>
      err
        ? reject(new ConnectionError(`${host}: could not start ${displayCommand(command)}: ${err.message}`, host, undefined, err))
        : done(ch);
    try {
      if (options.pty) client.exec(line, { pty: { rows: options.pty.rows, cols: options.pty.cols, term: options.pty.term } }, opened);
      else client.exec(line, opened);
    } catch (error) {
      reject(new ConnectionError(`${host}: could not start ${displayCommand(command)}: ${(error as Error).message}`, host));
    }
  });
}
