/**
 * How per-host failures are summarised and turned into an exit code: by the actions and by the
 * recipe runner alike, so it lives here and recipe/ never imports actions/.
 */
import { ExitCode, ShipError } from '../errors.js';

/** The error's first line, without a leading "host: " that the caller prints anyway. */
export function describeFailure(error: unknown, host?: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0] ?? '';
  return host && first.startsWith(`${host}: `) ? first.slice(host.length + 2) : first;
}

/** Every line a person needs about one host's failure: the message, then the next command to type. */
export function failureLines(host: string, error: unknown): string[] {
  const message = error instanceof Error ? error.message : String(error);
  const [first = '', ...rest] = message.split('\n');
  const lines = [`failed: ${withHost(host, first)}`, ...rest.map((l) => `  ${l}`)];
  if (error instanceof ShipError && error.hint) lines.push(`  next: ${error.hint}`);
  return lines;
}

/**
 * `h2: <line>`, unless the line already names the host (`h2: ...` or `h2 (10.0.0.2:22): ...`):
 * a host name is never printed twice.
 */
export function withHost(host: string, line: string): string {
  return line.startsWith(`${host}: `) || line.startsWith(`${host} (`) ? line : `${host}: ${line}`;
}

/** The exit code one error asks for: a ShipError's own, else plain failure. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ShipError ? error.exitCode : ExitCode.failed;
}

/** Exit code for a run where some hosts failed: the most specific code all failures share. */
export function exitCodeFor(errors: readonly unknown[]): number {
  const codes = new Set(errors.filter((e) => e !== undefined).map(exitCodeOf));
  if (codes.size === 0) return ExitCode.failed;
  return codes.size === 1 ? [...codes][0]! : ExitCode.failed;
}
