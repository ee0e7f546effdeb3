import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { resolveStage, stagesWithCerts, type LoadedConfig } from '../../../src/config/resolve.js';
import { validateHosts } from '../../../src/config/validate.js';
import type { HostsInput } from '../../../src/config/types.js';

/** A LoadedConfig as loadConfig would return it for /p/hosts.ts, without touching the disk. */
function loaded(input: HostsInput): LoadedConfig {
  const result = validateHosts(input);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return { file: '/p/hosts.ts', dir: '/p', config: result.config };
}

const base: HostsInput = {
  app: 'hello',
  build: { run: ['npm', 'run', 'build'], dir: 'dist', env: { NODE_ENV: 'production' } },
  service: { exec: 'node server.js', user: 'deploy', env: { PORT: '4000' }, envFile: '.env.prod', socket: 4000 },
  stages: {
    prod: { hosts: ['deploy@web1.example.com', 'web2'], path: '/srv/hello' },
    staging: {
      hosts: ['staging'],
      path: '/srv/hello-staging',
      unit: 'hello-staging',
      keep: 2,
      service: { env: { PORT: '4001' }, envFile: '.env.staging' },
      build: { env: { NODE_ENV: 'staging' } },
      ssh: { config: 'ssh/config', connectTimeout: 3 },
      sudo: false,
    },
  },
};

describe('resolveStage', () => {
  it('fills defaults and makes local paths absolute', () => {
    expect(resolveStage(loaded(base), 'prod')).toEqual({
      name: 'prod',
      app: 'hello',
      hosts: ['deploy@web1.example.com', 'web2'],
      path: '/srv/hello',
      unit: 'hello',
      keep: 5,
      shared: [],
      sudo: true,
      build: { run: ['npm', 'run', 'build'], dir: '/p/dist', env: { NODE_ENV: 'production' } },
      service: { exec: 'node server.js', user: 'deploy', env: { PORT: '4000' }, envFile: '/p/.env.prod', socket: 4000 },
      ssh: { connectTimeout: 10, commandTimeout: 600, stallTimeout: 60 },
      configFile: '/p/hosts.ts',
      configDir: '/p',
    });
  });

  it('keeps an envFile command as argv (run in the hosts.ts directory), resolving only a path', () => {
    const stage = resolveStage(loaded({ ...base, service: { ...base.service, envFile: ['sops', '-d', 'prod.env'] } }), 'prod');
    expect(stage.service?.envFile).toEqual(['sops', '-d', 'prod.env']);
  });

  it('lets a stage override fields, merging each section field by field', () => {
    const stage = resolveStage(loaded(base), 'staging');
    expect(stage).toMatchObject({
      unit: 'hello-staging',
      keep: 2,
      sudo: false,
      // env is one field: the stage's replaces the top level's, it is not merged key by key.
      build: { run: ['npm', 'run', 'build'], dir: '/p/dist', env: { NODE_ENV: 'staging' } },
      service: { exec: 'node server.js', user: 'deploy', env: { PORT: '4001' }, envFile: '/p/.env.staging', socket: 4000 },
      ssh: { config: '/p/ssh/config', connectTimeout: 3 },
    });
  });

  it('takes top-level values of stage settings as defaults for every stage', () => {
    const config = loaded({
      ...base,
      keep: 10,
      sudo: false,
      shared: ['.env'],
      health: { timeout: 60 },
      stages: {
        prod: { hosts: ['w1'], path: '/srv/a', health: { url: 'http://127.0.0.1:4000/health' } },
        staging: { hosts: ['w2'], path: '/srv/b', keep: 1, shared: [], health: { url: 'http://127.0.0.1:4001/', timeout: 5 } },
      },
    });
    expect(resolveStage(config, 'prod')).toMatchObject({
      keep: 10,
      sudo: false,
      shared: ['.env'],
      health: { url: 'http://127.0.0.1:4000/health', timeout: 60 },
    });
    expect(resolveStage(config, 'staging')).toMatchObject({
      keep: 1,
      sudo: false,
      shared: [],
      health: { url: 'http://127.0.0.1:4001/', timeout: 5 },
    });
  });

  it('defaults the health timeout to 30 seconds and the second look to 1.5 s later; confirm: 0 turns it off', () => {
    const config = loaded({ app: 'a', stages: { prod: { hosts: ['w'], path: '/srv/a', health: { url: 'http://127.0.0.1/' } } } });
    expect(resolveStage(config, 'prod').health).toEqual({ url: 'http://127.0.0.1/', timeout: 30, confirm: 1.5 });
    const off = loaded({ app: 'a', stages: { prod: { hosts: ['w'], path: '/srv/a', health: { url: 'http://127.0.0.1/', confirm: 0 } } } });
    expect(resolveStage(off, 'prod').health?.confirm).toBe(0);
  });

  it('expands ~ in local paths to the home directory', () => {
    const config = loaded({ app: 'a', ssh: { config: '~/.ssh/work_config' }, stages: { prod: { hosts: ['w'], path: '/srv/a' } } });
    expect(resolveStage(config, 'prod').ssh.config).toBe(`${homedir()}/.ssh/work_config`);
  });

  it('fills certificate defaults from the first domain', () => {
    const config = loaded({
      app: 'a',
      certs: { email: 'ops@example.com', webroot: '/var/www/html' },
      stages: {
        prod: { hosts: ['w'], path: '/srv/a', certs: { domains: ['Hello.Example.com', 'www.example.com'], reload: 'nginx' } },
        staging: {
          hosts: ['w'],
          path: '/srv/b',
          certs: {
            domains: ['s.example.com'],
            directory: 'letsencrypt-staging',
            keyType: 'rsa-2048',
            keyPath: '/etc/k.pem',
            certPath: '/etc/c.pem',
          },
        },
        plain: { hosts: ['w'], path: '/srv/c', certs: { domains: ['p.example.com'], directory: 'https://ca.example/dir' } },
      },
    });
    expect(resolveStage(config, 'prod').certs).toEqual({
      domains: ['hello.example.com', 'www.example.com'],
      email: 'ops@example.com',
      webroot: '/var/www/html',
      directory: 'letsencrypt',
      directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
      reload: 'nginx',
      keyPath: '/etc/ship/certs/hello.example.com/privkey.pem',
      certPath: '/etc/ship/certs/hello.example.com/fullchain.pem',
      keyType: 'ecdsa-p256',
    });
    expect(resolveStage(config, 'staging').certs).toMatchObject({
      directoryUrl: 'https://acme-staging-v02.api.letsencrypt.org/directory',
      keyType: 'rsa-2048',
      keyPath: '/etc/k.pem',
      certPath: '/etc/c.pem',
    });
    expect(resolveStage(config, 'plain').certs?.directoryUrl).toBe('https://ca.example/dir');
    expect(stagesWithCerts(config).map((s) => s.name)).toEqual(['prod', 'staging', 'plain']);
  });

  it('spells names one way, names files without a wildcard, and resolves DNS-01 settings', () => {
    const config = loaded({
      app: 'a',
      stages: {
        wild: {
          hosts: ['w'],
          path: '/srv/a',
          certs: {
            domains: ['*.Example.com', 'example.com.'],
            email: 'o@example.com',
            profile: 'shortlived',
            dns: { server: 'ns1.example.com', zone: 'Example.COM.', keyFile: 'keys/acme.key' },
          },
        },
        ip: {
          hosts: ['w'],
          path: '/srv/a',
          certs: { domains: ['2001:DB8:0:0:0:0:0:10', '192.0.2.10'], email: 'o@example.com', webroot: '/var/www', profile: 'shortlived' },
        },
      },
    });
    expect(resolveStage(config, 'wild').certs).toMatchObject({
      domains: ['*.example.com', 'example.com'],
      profile: 'shortlived',
      dns: { server: 'ns1.example.com', zone: 'example.com', keyFile: '/p/keys/acme.key', timeout: 120 },
      certPath: '/etc/ship/certs/example.com/fullchain.pem',
    });
    expect(resolveStage(config, 'wild').certs?.webroot).toBeUndefined();
    expect(resolveStage(config, 'ip').certs).toMatchObject({
      domains: ['2001:db8::10', '192.0.2.10'],
      webroot: '/var/www',
      keyPath: '/etc/ship/certs/2001-db8--10/privkey.pem',
    });
  });

  it('lists only stages that have certificates', () => {
    const config = loaded({
      ...base,
      stages: {
        ...base.stages,
        web: { hosts: ['w'], path: '/srv/w', certs: { domains: ['a.example.com'], email: 'o@example.com', webroot: '/var/www' } },
      },
    });
    expect(stagesWithCerts(config).map((s) => s.name)).toEqual(['web']);
  });

  it('names the stages, and a likely one, for an unknown stage', () => {
    expect(() => resolveStage(loaded(base), 'prd')).toThrow(
      new ConfigError('unknown stage "prd" in /p/hosts.ts; stages are: prod, staging. Did you mean "prod"?'),
    );
    expect(() => resolveStage(loaded(base), 'qa')).toThrow('unknown stage "qa" in /p/hosts.ts; stages are: prod, staging');
    // Not Object.prototype's: a stage name comes from the command line.
    expect(() => resolveStage(loaded(base), 'constructor')).toThrow(ConfigError);
    expect(() => resolveStage(loaded(base), '__proto__')).toThrow(ConfigError);
  });
});
