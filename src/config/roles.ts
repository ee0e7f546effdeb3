/**
 * Roles of a stage's hosts. A stage that never mentions roles has one, `app`: its own unit,
 * health check and service, carried by every host; a host written as `{ host, roles }` carries
 * the roles it names. Every reader of roles goes through here, so both kinds of stage read alike.
 */
import type { Role, Stage } from './types.js';

/** The role of the stage's own `unit`, `health` and `service`. */
export const APP_ROLE = 'app';

/** Every role of the stage by name, `app` first. */
export function stageRoles(stage: Stage): Record<string, Role> {
  return stage.roles ?? { [APP_ROLE]: { name: APP_ROLE, unit: stage.unit, health: stage.health, service: stage.service } };
}

/** The roles `host` (a spec as written in hosts.ts) carries, in the order hosts.ts names them. */
export function rolesOf(stage: Stage, host: string): Role[] {
  const all = stageRoles(stage);
  return (stage.hostRoles?.[host] ?? [APP_ROLE]).map((name) => all[name]!).filter(Boolean);
}

export function hasRole(stage: Stage, host: string, role: string): boolean {
  return rolesOf(stage, host).some((r) => r.name === role);
}
