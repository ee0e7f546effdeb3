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
  RoleInput,
  TimerInput,
  HostInput,
  RolloutInput,
  HooksInput,
  Role,
  Stage,
  ResolvedCerts,
} from './config/types.js';

export { recipe } from './recipe/define.js';
export type { Recipe } from './recipe/define.js';
export type { RecipeContext, HostGroup, LocalSteps } from './recipe/context.js';
export type { Host } from './host/host.js';
export type { ReleaseInfo } from './release/build.js';
export type { ReleaseUpload as Release } from './release/upload.js';
export type { Command } from './remote/command.js';
