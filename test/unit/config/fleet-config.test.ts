/**
 * hosts.ts fields for fleets: hosts with roles, `roles`, `rollout`, `migrate`, `hooks` and
 * `requireClean`: what validation says about bad values, and what a resolved stage holds.
 */
import { describe, expect, it } from 'vitest';
import { resolveStage, type LoadedConfig } from '../../../src/config/load.js';
import { rolesOf } from '../../../src/config/roles.js';
import type { HostsInput } from '../../../src/config/types.js';
import { validateHosts } from '../../../src/config/validate.js';

const base = (): HostsInput => ({
  app: 'hello',
  service: { exec: 'node server.js', user: 'deploy', env: { PORT: '4000' }, envFile: '.env.prod', socket: 4000 },
  health: { url: 'http://127.0.0.1:4000/health' },
  stages: { prod: { hosts: ['web1', 'web2'], path: '/srv/hello' } },
});

function withStage(fields: Record<string, unknown>, top: Record<string, unknown> = {}): unknown {
  const config = base();
  return { ...config, ...top, stages: { prod: { ...config.stages.prod, ...fields } } };
}

function problems(config: unknown): string[] {
  const result = validateHosts(config);
  return result.ok ? [] : result.problems;
}

function loaded(input: unknown): LoadedConfig {
  const result = validateHosts(input);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return { file: '/p/hosts.ts', dir: '/p', config: result.config };
}

describe('hosts with roles', () => {
  const fleet = {
    hosts: ['web1', { host: 'deploy@work1:2222', roles: ['worker'] }, { host: 'both', roles: ['app', 'worker'] }],
    roles: { worker: { service: { exec: 'node worker.js' } } },
  };

  it('accepts strings and { host, roles } side by side', () => {
    expect(problems(withStage(fleet))).toEqual([]);
  });

  it('explains a bad entry by the kind it is: a bad host string, an unknown field, a bad roles list', () => {
    expect(problems(withStage({ hosts: ['web1', { host: 'a;b', roles: ['app'] }] }))).toEqual([
      'stages.prod.hosts[1].host: contains ";", which no host name has; expected user@host[:port], [ipv6]:port or an ssh config alias, got "a;b"',
    ]);
    expect(problems(withStage({ hosts: [{ host: 'w', role: ['app'] }] }))).toEqual([
      'stages.prod.hosts[0].role: unknown field; did you mean "roles"?',
    ]);
    expect(problems(withStage({ hosts: [{ host: 'w', roles: [] }] }))[0]).toMatch(
      /^stages\.prod\.hosts\[0\]\.roles: expected at least one role/,
    );
    expect(problems(withStage({ hosts: [42] }))).toEqual([
      'stages.prod.hosts[0]: expected a host such as "deploy@web1.example.com", or { host: "work1", roles: ["worker"] }, got 42',
    ]);
  });

  it('names a role no `roles` defines, with a suggestion; a host listed twice', () => {
    expect(problems(withStage({ ...fleet, hosts: ['web1', { host: 'work1', roles: ['wroker'] }] }))).toEqual([
      'stages.prod.hosts[1].roles[0]: unknown role "wroker"; roles of this stage: app, worker. Did you mean "worker"?',
    ]);
    expect(problems(withStage({ hosts: ['web1', { host: 'web1', roles: ['app'] }] }))).toEqual([
      'stages.prod.hosts[1]: "web1" is listed twice (also hosts[0]); list it once, with all its roles',
    ]);
  });

  it('refuses a role called app and unknown role fields', () => {
    expect(problems(withStage({ roles: { app: { unit: 'x' } } }))[0]).toMatch(
      /^stages\.prod\.roles\.app: "app" is the role of the stage's own unit/,
    );
    expect(problems(withStage({ roles: { worker: { unti: 'x' } } }))).toEqual([
      'stages.prod.roles.worker.unti: unknown field; expected one of: unit, health, service, timers',
    ]);
  });

  it('resolves each role on top of the stage: unit <app>-<role>, the service without its socket, no inherited health', () => {
    const stage = resolveStage(loaded(withStage(fleet)), 'prod');
    expect(stage.hosts).toEqual(['web1', 'deploy@work1:2222', 'both']);
    expect(rolesOf(stage, 'web1')).toEqual([
      {
        name: 'app',
        unit: 'hello',
        health: { url: 'http://127.0.0.1:4000/health', timeout: 30, confirm: 1.5 },
        service: expect.objectContaining({ exec: 'node server.js', socket: 4000 }) as unknown,
      },
    ]);
    const [worker] = rolesOf(stage, 'deploy@work1:2222');
    expect(worker).toEqual({
      name: 'worker',
      unit: 'hello-worker',
      health: undefined,
      service: {
        exec: 'node worker.js',
        user: 'deploy',
        group: undefined,
        env: { PORT: '4000' },
        envFile: '/p/.env.prod',
        socket: undefined,
      },
    });
    expect(rolesOf(stage, 'both').map((r) => r.unit)).toEqual(['hello', 'hello-worker']);
  });

  it('a stage without roles resolves as before, and its hosts carry the app role', () => {
    const stage = resolveStage(loaded(base()), 'prod');
    expect(stage.roles).toBeUndefined();
    expect(stage.hostRoles).toBeUndefined();
    expect(rolesOf(stage, 'web2')).toEqual([{ name: 'app', unit: 'hello', health: stage.health, service: stage.service }]);
  });
});

describe('rollout, migrate, hooks, requireClean', () => {
  it('accepts them in a stage or at the top level; sections merge field by field', () => {
    const config = withStage(
      { rollout: { pause: 5 }, hooks: { failed: ['./page.sh'] }, requireClean: false },
      {
        rollout: { canary: 1, batch: '25%' },
        hooks: { after: ['./notify.sh', 'done'] },
        migrate: ['bin/migrate'],
        requireClean: true,
      },
    );
    expect(problems(config)).toEqual([]);
    const stage = resolveStage(loaded(config), 'prod');
    expect(stage.rollout).toEqual({ canary: 1, batch: '25%', pause: 5 });
    expect(stage.hooks).toEqual({ after: ['./notify.sh', 'done'], failed: ['./page.sh'] });
    expect(stage.migrate).toEqual(['bin/migrate']);
    expect(stage.requireClean).toBe(false);
  });

  it('says what a batch, a canary, a pause and a command must be', () => {
    const expected = 'expected a number of hosts such as 2, or a share of them from "1%" to "100%" such as "25%"';
    expect(problems(withStage({ rollout: { batch: 0 } }))).toEqual([`stages.prod.rollout.batch: ${expected}, got 0`]);
    expect(problems(withStage({ rollout: { batch: '150%' } }))).toEqual([`stages.prod.rollout.batch: ${expected}, got "150%"`]);
    expect(problems(withStage({ rollout: { batch: 'half' } }))).toEqual([`stages.prod.rollout.batch: ${expected}, got "half"`]);
    expect(problems(withStage({ rollout: { canary: 1.5, pause: -1 } }))).toEqual([
      'stages.prod.rollout.canary: expected a number of hosts, 1 or more, got 1.5',
      'stages.prod.rollout.pause: expected a number of seconds, 0 or more, got -1',
    ]);
    expect(problems(withStage({ rollout: { batchsize: 2 } }))).toEqual([
      'stages.prod.rollout.batchsize: unknown field; expected one of: canary, batch, pause',
    ]);
    expect(problems(withStage({ migrate: 'bin/migrate' }))).toEqual([
      'stages.prod.migrate: expected the command as an array of words, such as ["bin/migrate"], got "bin/migrate"',
    ]);
    expect(problems(withStage({ hooks: { after: [] } }))[0]).toMatch(/^stages\.prod\.hooks\.after: expected at least the program to run/);
    expect(problems(withStage({ hooks: { success: ['x'] } }))).toEqual([
      'stages.prod.hooks.success: unknown field; expected one of: before, after, failed',
    ]);
  });
});
