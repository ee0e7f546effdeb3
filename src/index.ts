// The public API: what a user's hosts.ts and recipes import from 'ship-deploy'.
// A plain list of re-exports; each area adds its own lines.

export { defineHosts } from './config/define.js';
export type {
  HostsInput,
  StageInput,
  StageSettings,
  BuildInput,
  ServiceInput,
  SshInput,
  HealthInput,
  CertsInput,
  Stage,
  ResolvedCerts,
} from './config/types.js';
