/**
 * What a recipe function receives. Everything in it is a small, documented helper; recipes
 * read top to bottom like a shell script.
 */
import type { Stage } from '../config/types.js';
import type { Output } from '../output/output.js';
import { eachHost } from '../output/tasks.js';
import { ShipError, ExitCode } from '../errors.js';
import type { ReleaseInfo } from '../steps/build.js';
import type { ReleaseUpload } from '../release/upload.js';
import type { RemoteHost } from '../steps/host.js';
import { describeFailure, exitCodeFor } from '../actions/failures.js';
import { Gathering } from './gathering.js';
import { LockOrder } from './lock-order.js';

export interface LocalSteps {
  /**
   * Run build.run here and make the release of build.dir: its manifest (every path, mode and
   * sha256), ready to upload: `const release = await local.buildRelease()`.
   */
  buildRelease(): Promise<ReleaseUpload>;
}

export interface HostGroup {
  /** The hosts of this run, in hosts.ts order. */
  readonly list: readonly RemoteHost[];
  /**
   * Run a step on every host in parallel; throws once all have finished if any failed, so
   * the next phase starts only when this one passed everywhere:
   * `await hosts.each(async (host) => { await host.lock(); })`.
   */
  each(step: (host: RemoteHost) => Promise<void>): Promise<void>;
}

export interface RecipeContext {
  /** The stage from hosts.ts, defaults filled in: `stage.unit`, `stage.keep`, `stage.health`. */
  stage: Stage;
  /** This run's release: `release.id` (sorts by time), who, from where, git commit. */
  release: ReleaseInfo;
  local: LocalSteps;
  hosts: HostGroup;
  /** Extra arguments after the recipe name (`ship run prod backup -- nightly`). */
  args: string[];
  /** Print a line for the person running ship: `log('migrations done')`. */
  log(text: string): void;
  /** True under --dry-run: steps record commands instead of running them. */
  dryRun: boolean;
}

/**
 * A phase failed on some hosts: names each one with its whole error, so what a remote command
 * said (`No space left on device`, `checksum mismatch`) and a changed host key's explanation
 * reach the person, not just the command's name.
 */
export class PhaseError extends ShipError {
  constructor(readonly failures: Array<{ host: string; error: unknown }>) {
    const interrupted = failures.some((f) => f.error instanceof Error && f.error.name === 'AbortError');
    super(
      failures.map((f) => namedFailure(f.host, f.error)).join('\n'),
      {
        exitCode: interrupted ? ExitCode.interrupted : exitCodeFor(failures.map((f) => f.error)),
        hint: [...new Set(failures.map((f) => (f.error instanceof ShipError ? f.error.hint : undefined)).filter(Boolean))].join('; ') || undefined,
      },
    );
    this.name = 'PhaseError';
  }
}

/**
 * `h2: <first line>`, then the rest of the message indented; a message that already names the
 * host (`h2 (10.0.0.2:22): ...`) is kept as it is.
 */
function namedFailure(host: string, error: unknown): string {
  const first = describeFailure(error, host);
  const rest = (error instanceof Error ? error.message : String(error)).split('\n').slice(1);
  return [first.startsWith(`${host} (`) ? first : `${host}: ${first}`, ...rest.map((line) => `  ${line}`)].join('\n');
}

export function hostGroup(output: Output, hosts: RemoteHost[]): HostGroup {
  return {
    list: hosts,
    async each(step) {
      const names = hosts.map((h) => h.name);
      const order = new LockOrder(names);
      const uploading = new Gathering(names);
      for (const host of hosts) {
        host.lockOrder = order;
        host.uploadGathering = uploading;
      }
      const outcomes = await eachHost(output, hosts.map((h) => h.name), async (name, progress) => {
        const host = hosts.find((h) => h.name === name)!;
        host.setProgress(progress);
        const confirmations: Array<Promise<void>> = [];
        host.confirmations = confirmations;
        try {
          await step(host);
          // Health checks' second looks ran alongside the rest of the step; the step is over once they are.
          if (confirmations.length > 0) progress('health: second look');
          await Promise.all(confirmations);
        } finally {
          order.finished(name);
          uploading.finished(name);
          host.confirmations = undefined;
          await Promise.allSettled(confirmations);
        }
        progress('done');
      });
      for (const host of hosts) {
        host.lockOrder = undefined;
        host.uploadGathering = undefined;
      }
      const failures = outcomes.filter((o) => !o.ok).map((o) => ({ host: o.host, error: (o as { error: unknown }).error }));
      if (failures.length > 0) throw new PhaseError(failures);
    },
  };
}

export type { Stage, Output };
