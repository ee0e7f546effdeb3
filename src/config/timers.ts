/**
 * Scheduled jobs of a stage: resolved from hosts.ts (the stage's `timers`, and each role's), and
 * which host runs which. Every reader of timers goes through here, so setup, status and
 * `ship timers` agree on where a `once` timer lives.
 */
import { ConfigError } from '../errors.js';
import { hasRole, stageRoles } from './roles.js';
import type { Stage, Timer, TimerInput } from './types.js';
import { unitBase } from '../systemd/unit-file.js';

/** Where timers are written: the stage's (with the top level's) and each role's. */
export interface TimerSources {
  stage: Record<string, TimerInput>;
  roles: Record<string, Record<string, TimerInput> | undefined>;
}

/**
 * The stage's timers, then each role's, each with its unit name. Names are unique within a
 * stage (so `ship timers prod run backup` means one job), and no timer's units may take the name
 * of a role's unit (a stage timer `worker` of unit hello would be hello-worker, the worker role's).
 */
export function resolveTimers(stage: Stage, sources: TimerSources): Timer[] | undefined {
  const file = stage.configFile;
  const timers: Timer[] = [];
  const add = (inputs: Record<string, TimerInput>, unit: string, field: string, role?: string) => {
    for (const [name, input] of Object.entries(inputs)) {
      timers.push({
        name,
        run: input.run,
        on: input.on,
        once: input.once ?? false,
        ...(role === undefined ? {} : { role }),
        unit: `${unitBase(unit)}-${name}`,
        field: `${field}.${name}`,
      });
    }
  };
  add(sources.stage, stage.unit, `stages.${stage.name}.timers`);
  const roles = stageRoles(stage);
  for (const [role, inputs] of Object.entries(sources.roles)) {
    if (inputs !== undefined && roles[role]) add(inputs, roles[role].unit, `stages.${stage.name}.roles.${role}.timers`, role);
  }
  if (timers.length === 0) return undefined;
  const roleUnits = new Map(Object.values(roles).map((r) => [unitBase(r.unit), r.name]));
  for (const [i, timer] of timers.entries()) {
    const twin = timers.findIndex((t) => t.name === timer.name);
    if (twin !== i)
      throw new ConfigError(
        `${file}: ${timer.field}: a timer named "${timer.name}" is already set at ${timers[twin]!.field}; timer names are unique within a stage, so \`ship timers ${stage.name} run ${timer.name}\` means one job`,
        'rename one of them',
      );
    const taken = roleUnits.get(timer.unit);
    if (taken !== undefined)
      throw new ConfigError(
        `${file}: ${timer.field}: its units would be ${timer.unit}.service and ${timer.unit}.timer, but ${timer.unit} is the unit of role "${taken}"`,
        'rename the timer, or give the role a unit name of its own (roles.<name>.unit)',
      );
  }
  return timers;
}

/** The first host of the stage, in hosts.ts order, that carries the timer's role (any host for a stage timer). */
export function candidates(stage: Stage, timer: Timer): string[] {
  return stage.hosts.filter((host) => timer.role === undefined || hasRole(stage, host, timer.role));
}

/** The one host a `once` timer runs on: the first candidate in hosts.ts order, whatever --host selects. */
export function onceHost(stage: Stage, timer: Timer): string | undefined {
  return candidates(stage, timer)[0];
}

/** The timers `host` (a spec as written in hosts.ts) runs: its roles' and the stage's, a `once` one only on its host. */
export function timersOf(stage: Stage, host: string): Timer[] {
  return (stage.timers ?? []).filter((t) => candidates(stage, t).includes(host) && (!t.once || onceHost(stage, t) === host));
}
