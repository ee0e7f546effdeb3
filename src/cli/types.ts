/**
 * What cli/main.ts hands the files that register subcommands (certs.ts, deploy.ts, project.ts):
 * its own module, so those files and main.ts do not import each other.
 */
import type { Output } from '../output/output.js';
import type { Session } from '../session/session.js';

export interface GlobalOptions {
  config: string;
  verbose: boolean;
  json: boolean;
  host: string[];
  role: string[];
  dryRun: boolean;
  /** --offline: plan (--dry-run) without asking any host. */
  offline: boolean;
  /** --full: plans (--dry-run) print every script's body. */
  full: boolean;
}

/** Everything an action needs: the output, and a way to open a session on a stage. */
export interface Cli {
  output: Output;
  options: GlobalOptions;
  session(stageName: string): Promise<Session>;
}

// `any[]`: commander passes positional arguments untyped; each action names their types.
// biome-ignore lint/suspicious/noExplicitAny: commander passes each command's own argument types; unknown[] would not accept (cli, stage: string) actions
export type Action = (cli: Cli, ...args: any[]) => Promise<number>;

/** Each command family registers itself from its own file, keeping this one about wiring. */
export type Wrap = (action: Action) => (...args: unknown[]) => Promise<void>;
