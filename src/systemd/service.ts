/**
 * The shapes the unit files are made from, declared here, below config/: config/types.ts builds
 * its resolved Stage from them, and systemd/ reads them without importing config/.
 */

/** A stage's service settings once resolved (hosts.ts's `service`, defaults filled). */
export interface Service {
  exec: string;
  user: string;
  group?: string;
  env: Record<string, string>;
  /** Absolute local path, or a command (argv, run in the hosts.ts directory) that prints the file. */
  envFile?: string | string[];
  socket?: number;
}

/** The fields of a resolved stage a unit file names: a Stage is one. */
export interface UnitStage {
  /** The stage's name, as in `ship deploy <name>`. */
  name: string;
  app: string;
  /** The app's directory on the hosts: releases/, shared/, current. */
  path: string;
  unit: string;
}
