/**
 * `ship console <stage> [-- command...]`: one command (default: the login shell) on one host (the
 * first of the stage, or --host), in `current`, as service.user, with the env file's variables
 * set (remote/sh/console.sh). On a terminal: a remote PTY of the same size that follows resizes,
 * this terminal in raw mode (so Ctrl-C and every key reach the remote program) and restored on
 * every way out. Off a terminal: no PTY, stdin passed through. The remote exit code is ship's.
 */
import type { Readable, Writable } from 'node:stream';
import { ConfigError } from '../errors.js';
import { displayPath } from '../output/display-path.js';
import { envFiles } from '../remote/env.js';
import { paths } from '../remote/release.js';
import type { Session } from '../session/session.js';
import { envFilePath } from '../systemd/unit-file.js';
import type { TerminalSize } from '../transport/types.js';

/** What the console attaches to: this process's stdio, or a test's. */
export interface ConsoleIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean; rows?: number; columns?: number; on(event: 'resize', listener: () => void): unknown };
  stderr: Writable;
}

const processIo = (): ConsoleIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });

/** The remote terminal's size: this one's, or the classic 80x24 when it reports none. */
export const sizeOf = (out: ConsoleIo['stdout']): TerminalSize => ({ rows: out.rows || 24, cols: out.columns || 80 });

export async function openConsole(session: Session, argv: readonly string[], io: ConsoleIo = processIo()): Promise<number> {
  const { stage, output } = session;
  if (session.dryRun)
    throw new ConfigError('ship console has no --dry-run: it changes nothing itself, and what it runs is yours', 'drop --dry-run');
  if (!stage.service)
    throw new ConfigError(
      `stage ${stage.name} has no service in ${displayPath(stage.configFile)}: the console runs as service.user, in current, with its env file`,
      "add service: { exec: 'node server.js', user: 'deploy' } to hosts.ts",
    );
  const name = session.hosts[0] as string;
  if (session.hosts.length > 1 && session.options.hostFilter.length > 0)
    output.notice(`--host chose ${session.hosts.length} hosts; the console opens on the first, ${name}`);
  const connection = await session.connection(name);
  if (!connection.interactive) throw new ConfigError(`${name}: this connection cannot open a console`);
  const { user } = stage.service;
  const layout = { root: stage.path };
  const command = envFiles.console(paths.current(layout), envFilePath(stage), argv, connection.host.user === user ? undefined : user);
  const terminal = io.stdin.isTTY === true && io.stdout.isTTY === true && io.stdin.setRawMode !== undefined;
  const restore = terminal ? rawMode(io) : () => {};
  // Signals this process gets (kill, or Ctrl-C off a terminal) go to the remote program instead.
  let forward: ((name: string) => void) | undefined;
  const onInt = () => forward?.('INT');
  const onTerm = () => forward?.('TERM');
  const onHup = () => forward?.('HUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  try {
    const result = await connection.interactive(command, {
      ...(terminal ? { pty: { ...sizeOf(io.stdout), term: process.env.TERM || 'xterm-256color' } } : {}),
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      onResize: (resize) => {
        const onResize = () => resize(sizeOf(io.stdout));
        io.stdout.on('resize', onResize);
        return () => io.stdout.off('resize', onResize);
      },
      onSignal: (send) => {
        forward = send;
        return () => (forward = undefined);
      },
    });
    return result.code;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    restore();
  }
}

/** This terminal in raw mode until the returned function runs, or the process exits whichever way. */
function rawMode(io: ConsoleIo): () => void {
  let done = false;
  const restore = () => {
    if (done) return;
    done = true;
    io.stdin.setRawMode?.(false);
    process.off('exit', restore);
  };
  process.on('exit', restore);
  io.stdin.setRawMode?.(true);
  return restore;
}
