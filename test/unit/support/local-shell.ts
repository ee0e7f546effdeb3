/**
 * A Connection that runs each command in a real local `sh -c`, rendered by ship's one renderer:
 * for unit tests of remote scripts (locks, release steps) without booting a host. Like the SSH
 * transport, it rejects when the run's signal is aborted, and records every command it ran.
 */
import { Readable } from 'node:stream';
import { execa } from 'execa';
import type { Command } from '../../../src/remote/command.js';
import { renderCommand } from '../../../src/remote/render.js';
import { RemoteCommandError } from '../../../src/errors.js';
import type { Connection, ResolvedHost, RunOptions, RunResult } from '../../../src/transport/types.js';

export class LocalShell implements Connection {
  readonly ran: Command[] = [];

  constructor(
    readonly name = 'local',
    private readonly cwd?: string,
  ) {}

  get host(): ResolvedHost {
    throw new Error('LocalShell has no resolved host');
  }

  async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    options.signal?.throwIfAborted();
    this.ran.push(command);
    // sudo is not wanted for local scripts: render without it.
    const line = renderCommand({ ...command, sudo: false });
    const stdin = options.stdin;
    const child = execa('sh', ['-c', line], {
      reject: false,
      ...(stdin instanceof Readable ? {} : { input: stdin ?? '' }),
      cancelSignal: options.signal,
      cwd: this.cwd,
    });
    if (stdin instanceof Readable) {
      child.stdin!.on('error', () => {}); // the script may stop reading early: it says why itself
      stdin.pipe(child.stdin!);
    }
    if (options.onStdout) child.stdout!.on('data', (d: Buffer) => options.onStdout!(d.toString()));
    const r = await child;
    const result: RunResult = { code: r.exitCode ?? null, stdout: String(r.stdout), stderr: String(r.stderr) };
    if (result.code !== 0 && !options.allowFailure)
      throw new RemoteCommandError(this.name, command.label ?? line, result.code, result.stderr);
    return result;
  }

  async forwardOut(): Promise<never> {
    throw new Error('LocalShell cannot forward ports');
  }

  async close(): Promise<void> {}
}
