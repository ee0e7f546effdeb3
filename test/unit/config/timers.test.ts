/**
 * hosts.ts `timers` at stage and role level: what validation says about bad values, how they
 * resolve (unit names, the top level's merged under the stage's), and which host runs which:
 * a `once` timer on the first host that has it, whatever --host selects.
 */
import { describe, expect, it } from 'vitest';
import { resolveStage, type LoadedConfig } from '../../../src/config/load.js';
import { candidates, onceHost, timersOf } from '../../../src/config/timers.js';
import type { HostsInput } from '../../../src/config/types.js';
import { validateHosts } from '../../../src/config/validate.js';

const base = (stage: Record<string, unknown> = {}, top: Record<string, unknown> = {}): unknown => ({
  app: 'hello',
  service: { exec: 'node server.js', user: 'deploy' },
  ...top,
  stages: { prod: { hosts: ['web1', 'web2'], path: '/srv/hello', ...stage } },
});

function problems(config: unknown): string[] {
  const result = validateHosts(config);
  return result.ok ? [] : result.problems;
}

function stageOf(input: unknown) {
  const result = validateHosts(input);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  const loaded: LoadedConfig = { file: '/p/hosts.ts', dir: '/p', config: result.config as HostsInput };
  return resolveStage(loaded, 'prod');
}

describe('timers in hosts.ts', () => {
  it('names the field and what is expected for bad timers', () => {
    expect(problems(base({ timers: { backup: { run: 'bin/backup', on: 'daily' } } }))).toEqual([
      'stages.prod.timers.backup.run: expected the command as an array of words, such as ["bin/backup"], got "bin/backup"',
    ]);
    expect(problems(base({ timers: { backup: { run: ['bin/backup'] } } }))).toEqual([
      'stages.prod.timers.backup.on: missing; expected a systemd OnCalendar expression, such as "daily" or "*-*-* 03:00"',
    ]);
    expect(problems(base({ timers: { backup: { run: ['x'], on: 'daily\nhourly' } } }))[0]).toMatch(/^stages\.prod\.timers\.backup\.on: /);
    expect(problems(base({ timers: { 'Bad Name': { run: ['x'], on: 'daily' } } }))[0]).toMatch(
      /^stages\.prod\.timers\["Bad Name"\]: not a valid timer name/,
    );
    expect(problems(base({ timers: { backup: { run: ['x'], on: 'daily', onec: true } } }))).toEqual([
      'stages.prod.timers.backup.onec: unknown field; expected one of: run, on, once',
    ]);
  });

  it("resolves the stage's timers (the top level's under them) and each role's, with their unit names", () => {
    const stage = stageOf(
      base(
        {
          hosts: ['web1', { host: 'work1', roles: ['worker'] }, { host: 'work2', roles: ['worker'] }],
          timers: { purge: { run: ['bin/purge'], on: '*-*-* *:00/15' } },
          roles: { worker: { timers: { backup: { run: ['bin/backup'], on: 'daily', once: true } } } },
        },
        { timers: { report: { run: ['bin/report'], on: 'weekly' } } },
      ),
    );
    expect(stage.timers).toEqual([
      { name: 'report', run: ['bin/report'], on: 'weekly', once: false, unit: 'hello-report', field: 'stages.prod.timers.report' },
      { name: 'purge', run: ['bin/purge'], on: '*-*-* *:00/15', once: false, unit: 'hello-purge', field: 'stages.prod.timers.purge' },
      {
        name: 'backup',
        run: ['bin/backup'],
        on: 'daily',
        once: true,
        role: 'worker',
        unit: 'hello-worker-backup',
        field: 'stages.prod.roles.worker.timers.backup',
      },
    ]);
    const backup = stage.timers![2]!;
    expect(candidates(stage, backup)).toEqual(['work1', 'work2']);
    expect(onceHost(stage, backup)).toBe('work1');
    expect(timersOf(stage, 'web1').map((t) => t.name)).toEqual(['report', 'purge']);
    expect(timersOf(stage, 'work1').map((t) => t.name)).toEqual(['report', 'purge', 'backup']);
    expect(timersOf(stage, 'work2').map((t) => t.name)).toEqual(['report', 'purge']);
  });

  it('a stage without timers resolves as before: no timers field', () => {
    expect('timers' in stageOf(base())).toBe(false);
  });

  it('refuses a name used twice in a stage, and units that would take a role unit', () => {
    expect(() =>
      stageOf(
        base({
          hosts: ['web1', { host: 'w', roles: ['worker'] }],
          timers: { backup: { run: ['x'], on: 'daily' } },
          roles: { worker: { timers: { backup: { run: ['y'], on: 'daily' } } } },
        }),
      ),
    ).toThrow(/stages\.prod\.roles\.worker\.timers\.backup: a timer named "backup" is already set at stages\.prod\.timers\.backup/);
    expect(() => stageOf(base({ roles: { worker: {} }, timers: { worker: { run: ['x'], on: 'daily' } } }))).toThrow(
      /stages\.prod\.timers\.worker: its units would be hello-worker\.service and hello-worker\.timer, but hello-worker is the unit of role "worker"/,
    );
  });
});
