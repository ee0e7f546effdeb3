/** How per-host failures are summarised in one line and turned into an exit code. */
import { ExitCode, ShipError } from '../errors.js';

export function describeFailure(error: unknown): string {
  if (error instanceof ShipError) return error.message.split('\n')[0]!.replace(/^[^:]+: /, (m) => (error.options.host && m.startsWith(error.options.host) ? '' : m));
  if (error instanceof Error) return error.message.split('\n')[0]!;
  return String(error);
}

/** Exit code for a run where some hosts failed: the most specific code all failures share. */
export function exitCodeFor(errors: readonly unknown[]): number {
  const codes = new Set(
    errors.filter((e) => e !== undefined).map((e) => (e instanceof ShipError ? e.exitCode : ExitCode.failed)),
  );
  if (codes.size === 0) return ExitCode.failed;
  return codes.size === 1 ? [...codes][0]! : ExitCode.failed;
}
