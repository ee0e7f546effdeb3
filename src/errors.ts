/**
 * Errors a user can act on. The one top-level handler in src/cli prints `message` (and `hint`,
 * the next command to type) without a stack trace unless --verbose, and exits with `exitCode`.
 * Exit codes are documented in README.md; keep them in sync.
 */
export const ExitCode = {
  ok: 0,
  /** A command failed on at least one host (remote non-zero exit, failed check, failed deploy). */
  failed: 1,
  /** Bad usage or bad configuration: hosts.ts, recipe, command-line arguments. */
  config: 2,
  /** Could not connect or authenticate, or the host key was refused. */
  connection: 3,
  /** Another ship process holds the lock. */
  locked: 4,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
} as const;

export class ShipError extends Error {
  constructor(
    message: string,
    readonly options: { exitCode?: number; hint?: string; host?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ShipError';
  }
  get exitCode(): number {
    return this.options.exitCode ?? ExitCode.failed;
  }
  get hint(): string | undefined {
    return this.options.hint;
  }
}

/** Problems in hosts.ts, a recipe, or the command line. */
export class ConfigError extends ShipError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.config, hint });
    this.name = 'ConfigError';
  }
}

/** Could not reach, authenticate to, or trust a host. */
export class ConnectionError extends ShipError {
  constructor(message: string, host: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: ExitCode.connection, hint, host, cause });
    this.name = 'ConnectionError';
  }
}

/** A remote command exited non-zero. Carries what a person needs to see, secrets already redacted. */
export class RemoteCommandError extends ShipError {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
    hint?: string,
  ) {
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    super(`${host}: command failed (exit ${code ?? 'signal'}): ${command}${tail ? `\n${indent(tail)}` : ''}`, {
      exitCode: ExitCode.failed,
      hint,
      host,
    });
    this.name = 'RemoteCommandError';
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
}
