import { describe, expect, it } from 'vitest';
import { validateHosts, formatPath } from '../../../src/config/validate.js';
import { closest } from '../../../src/config/suggest.js';

const valid = () => ({
  app: 'hello',
  build: { run: ['npm', 'run', 'build'], dir: 'dist' },
  service: { exec: 'node server.js', user: 'deploy', env: { PORT: '4000' } },
  stages: { prod: { hosts: ['deploy@web1.example.com', 'web2'], path: '/srv/hello' } },
});

function problems(config: unknown): string[] {
  const result = validateHosts(config);
  return result.ok ? [] : result.problems;
}

/** `valid()` with one stage field replaced. */
function withStage(fields: Record<string, unknown>): unknown {
  const config = valid();
  return { ...config, stages: { prod: { ...config.stages.prod, ...fields } } };
}

describe('validateHosts', () => {
  it('accepts a valid config and returns it unchanged', () => {
    const result = validateHosts(valid());
    expect(result).toEqual({ ok: true, config: valid() });
  });

  it('says what was expected and what was given, with the dotted path', () => {
    expect(problems(withStage({ keep: 'five' }))).toEqual(['stages.prod.keep: expected an integer >= 1, got "five"']);
    expect(problems(withStage({ keep: 0 }))).toEqual(['stages.prod.keep: expected an integer >= 1, got 0']);
    expect(problems(withStage({ keep: 2.5 }))).toEqual(['stages.prod.keep: expected an integer >= 1, got 2.5']);
  });

  it('indexes into arrays and explains hostile hosts', () => {
    expect(problems(withStage({ hosts: ['web1', 'web2; rm -rf /', '-oProxyCommand=x'] }))).toEqual([
      'stages.prod.hosts[1]: contains ";", which no host name has; expected user@host[:port], [ipv6]:port or an ssh config alias, got "web2; rm -rf /"',
      'stages.prod.hosts[2]: starts with "-", which ssh would read as an option; expected user@host[:port], [ipv6]:port or an ssh config alias, got "-oProxyCommand=x"',
    ]);
    expect(problems(withStage({ hosts: [] }))).toEqual([
      'stages.prod.hosts: expected at least one host, such as ["deploy@web1.example.com"], got an empty array',
    ]);
    expect(problems(withStage({ hosts: 'web1' }))).toEqual([
      'stages.prod.hosts: expected an array of hosts, such as ["deploy@web1.example.com"], got "web1"',
    ]);
  });

  it('names unknown fields with a suggestion, or the known ones', () => {
    expect(problems(withStage({ kep: 5 }))).toEqual(['stages.prod.kep: unknown field; did you mean "keep"?']);
    expect(problems({ ...valid(), service: { ...valid().service, env_file: '.env' } })).toEqual([
      'service.env_file: unknown field; did you mean "envFile"?',
    ]);
    expect(problems({ ...valid(), stage: {} })).toEqual(['stage: unknown field; did you mean "stages"?']);
    expect(problems({ ...valid(), colour: 'blue' })[0]).toMatch(
      /^colour: unknown field; expected one of: app, path, unit, keep, .*stages$/,
    );
    expect(problems({ ...valid(), hosts: ['web1'] })).toEqual([
      'hosts: unknown field at the top level; it belongs in each stage, as stages.<name>.hosts',
    ]);
  });

  it('reports missing required fields', () => {
    expect(problems({ stages: valid().stages })).toEqual(['app: missing; expected the app name, such as "hello"']);
    const { path: _path, ...noPath } = valid().stages.prod;
    expect(problems({ ...valid(), stages: { prod: noPath } })).toEqual([
      'stages.prod.path: missing; expected the absolute directory on the hosts, such as "/srv/hello" (set it in the stage, or once at the top level)',
    ]);
    expect(problems({ ...valid(), stages: {} })).toEqual(['stages: expected at least one stage, such as prod, got an object']);
  });

  it('reports every problem in one pass, including ones found after merging stages', () => {
    const config = { ...valid(), app: 'Hello', stages: { prod: { hosts: ['web1'], keep: -1 } } };
    expect(problems(config)).toEqual([
      'app: expected lowercase letters, digits, - and _, starting with a letter or digit, at most 63 characters, got "Hello"',
      'stages.prod.keep: expected an integer >= 1, got -1',
      'stages.prod.path: missing; expected the absolute directory on the hosts, such as "/srv/hello" (set it in the stage, or once at the top level)',
    ]);
  });

  it('accepts settings split between the top level and the stages', () => {
    const config = {
      app: 'hello',
      path: '/srv/hello',
      service: { user: 'deploy' },
      certs: { email: 'ops@example.com', webroot: '/var/www/html' },
      stages: {
        prod: { hosts: ['web1'], service: { exec: 'node server.js' }, certs: { domains: ['hello.example.com'] } },
        staging: { hosts: ['web2'], service: { exec: 'node server.js --staging' }, certs: { domains: ['staging.example.com'] } },
      },
    };
    expect(problems(config)).toEqual([]);
  });

  it('reports a hole every stage inherits once, where it is', () => {
    const config = {
      ...valid(),
      service: { user: 'deploy' },
      stages: { a: { hosts: ['w1'], path: '/srv/a' }, b: { hosts: ['w2'], path: '/srv/b' } },
    };
    expect(problems(config)).toEqual(['service.exec: missing; expected the command line of the service, such as "node server.js"']);
  });

  it('reports a hole per stage when only some stages fill it', () => {
    const config = {
      ...valid(),
      service: { user: 'deploy' },
      stages: { a: { hosts: ['w1'], path: '/srv/a', service: { exec: 'run' } }, b: { hosts: ['w2'], path: '/srv/b' } },
    };
    expect(problems(config)).toEqual([
      'stages.b.service.exec: missing; expected the command line of the service, such as "node server.js" (set it in stages.<name>.service or in the top-level service)',
    ]);
  });

  it.each([
    [{ path: 'srv/hello' }, 'stages.prod.path: expected an absolute path, starting with /, got "srv/hello"'],
    [{ path: '/srv/../etc' }, 'stages.prod.path: must not contain "..", got "/srv/../etc"'],
    [{ path: '/srv/hello/' }, 'stages.prod.path: is not normalised; did you mean "/srv/hello"?, got "/srv/hello/"'],
    [{ path: '/srv//hello' }, 'stages.prod.path: is not normalised; did you mean "/srv/hello"?, got "/srv//hello"'],
    [{ path: '/srv/my app' }, 'stages.prod.path: contains a space; use letters, digits and / . _ - @ + only, got "/srv/my app"'],
    [{ path: "/srv/it's" }, `stages.prod.path: contains "'"; use letters, digits and / . _ - @ + only, got "/srv/it's"`],
    [{ path: '/srv/$(id)' }, 'stages.prod.path: contains "$"; use letters, digits and / . _ - @ + only, got "/srv/$(id)"'],
    [{ path: '/' }, 'stages.prod.path: must be a directory below /, such as /srv/hello, got "/"'],
    [{ shared: ['/etc/passwd'] }, 'stages.prod.shared[0]: expected a path relative to the release, without a leading /, got "/etc/passwd"'],
    [{ shared: ['../x'] }, 'stages.prod.shared[0]: must not contain "..", got "../x"'],
    [{ shared: ['a//b'] }, 'stages.prod.shared[0]: is not normalised (empty, "." or "//" parts), got "a//b"'],
    [{ unit: '-x' }, 'stages.prod.unit: expected a systemd unit name such as "hello" or "nginx.service", got "-x"'],
    [{ sudo: 'yes' }, 'stages.prod.sudo: expected true or false, got "yes"'],
    [
      { health: { url: 'https://x/health' } },
      'stages.prod.health.url: expected an http:// URL as seen from the host, such as "http://127.0.0.1:4000/health", got "https://x/health"',
    ],
    [{ health: { url: 'http://x/', timeout: 0 } }, 'stages.prod.health.timeout: expected a number of seconds greater than 0, got 0'],
    [{ ssh: { connectTimeout: '10' } }, 'stages.prod.ssh.connectTimeout: expected a number of seconds greater than 0, got "10"'],
    [{ service: { socket: 70000 } }, 'stages.prod.service.socket: expected a TCP port number from 1 to 65535, got 70000'],
    [
      { service: { env: { PORT: 4000 } } },
      'stages.prod.service.env.PORT: expected a string (write numbers in quotes, like "4000"), got 4000',
    ],
    [
      { service: { env: { 'MY-VAR': 'x' } } },
      'stages.prod.service.env.MY-VAR: not a valid variable name; use letters, digits and _, not starting with a digit',
    ],
    [{ service: { env: { A: 'x\ny' } } }, 'stages.prod.service.env.A: contains a newline; it must fit on one line, got "x\\ny"'],
    [
      { service: { exec: 'node a.js\nExecStartPre=/bin/evil' } },
      'stages.prod.service.exec: contains a newline; it must fit on one line, got "node a.js\\nExecStartPre=/bin/evil"',
    ],
    [
      { service: { user: 'Deploy' } },
      'stages.prod.service.user: expected a unix user name (lowercase letters, digits, _ and -), got "Deploy"',
    ],
    [
      { build: { run: 'npm run build' } },
      'stages.prod.build.run: expected the command as an array of words, such as ["npm", "run", "build"], got "npm run build"',
    ],
    [
      { build: { run: [] } },
      'stages.prod.build.run: expected at least the program to run, such as ["npm", "run", "build"], got an empty array',
    ],
  ])('rejects %j', (fields, message) => {
    expect(problems(withStage(fields))).toEqual([message]);
  });

  const NAME = 'expected a DNS name such as "hello.example.com", a wildcard such as "*.example.com" or an IP address such as "192.0.2.10"';
  const DNS = { server: 'ns1.example.com', zone: 'example.com', keyFile: 'acme.key' };

  it.each([
    [
      { domains: ['*.example.com'] },
      'stages.prod.certs.domains[0]: "*.example.com" is a wildcard name, which only DNS-01 can validate; set certs.dns: { server, zone, keyFile }',
    ],
    [{ domains: ['localhost'] }, `stages.prod.certs.domains[0]: ${NAME}, got "localhost"`],
    [{ domains: ['a_b.example.com'] }, `stages.prod.certs.domains[0]: ${NAME}, got "a_b.example.com"`],
    [{ domains: ['a.*.example.com'] }, `stages.prod.certs.domains[0]: ${NAME}, got "a.*.example.com"`],
    [{ domains: ['*.*.example.com'], dns: DNS }, `stages.prod.certs.domains[0]: ${NAME}, got "*.*.example.com"`],
    [{ domains: ['fe80::1%eth0'] }, `stages.prod.certs.domains[0]: ${NAME}, got "fe80::1%eth0"`],
    [
      { domains: ['192.0.2.10'] },
      'stages.prod.certs.profile: Let\'s Encrypt issues certificates for IP addresses ("192.0.2.10") only under the "shortlived" profile; set profile: "shortlived"',
    ],
    [
      { domains: ['192.0.2.10'], directory: 'letsencrypt-staging', profile: 'classic' },
      'stages.prod.certs.profile: Let\'s Encrypt issues certificates for IP addresses ("192.0.2.10") only under the "shortlived" profile; set profile: "shortlived"',
    ],
    [
      { domains: ['a.example.com', 'b.example.org'], dns: DNS },
      'stages.prod.certs.domains[1]: "b.example.org" is not in the zone "example.com" (certs.dns.zone), where ship adds the DNS-01 record',
    ],
    [
      { domains: ['*.notexample.com'], dns: DNS },
      'stages.prod.certs.domains[0]: "*.notexample.com" is not in the zone "example.com" (certs.dns.zone), where ship adds the DNS-01 record',
    ],
    [
      { profile: 'short lived' },
      'stages.prod.certs.profile: expected a profile name the CA offers, such as "shortlived", got "short lived"',
    ],
    [
      { dns: { ...DNS, server: 'ns1 example.com' } },
      'stages.prod.certs.dns.server: expected a DNS server as host or host:port, such as "ns1.example.com" or "192.0.2.53:53", got "ns1 example.com"',
    ],
    [
      { dns: { ...DNS, server: '192.0.2.53:70000' } },
      'stages.prod.certs.dns.server: expected a DNS server as host or host:port, such as "ns1.example.com" or "192.0.2.53:53", got "192.0.2.53:70000"',
    ],
    [
      { dns: { ...DNS, zone: '*.example.com' } },
      'stages.prod.certs.dns.zone: expected a DNS name such as "hello.example.com", got "*.example.com"',
    ],
    [{ dns: { ...DNS, timeout: 0 } }, 'stages.prod.certs.dns.timeout: expected a number of seconds greater than 0, got 0'],
    [
      { dns: { server: 'ns1.example.com', zone: 'example.com' } },
      'stages.prod.certs.dns.keyFile: missing; expected the local path of a TSIG key file (as `tsig-keygen` writes it), relative to hosts.ts',
    ],
    [{ dns: { ...DNS, keyfile: 'x' } }, 'stages.prod.certs.dns.keyfile: unknown field; did you mean "keyFile"?'],
    [{ domains: [] }, 'stages.prod.certs.domains: expected at least one DNS name, such as ["hello.example.com"], got an empty array'],
    [{ email: 'ops' }, 'stages.prod.certs.email: expected a contact email address, such as "ops@example.com", got "ops"'],
    [{ webroot: 'www' }, 'stages.prod.certs.webroot: expected an absolute path, starting with /, got "www"'],
    [
      { directory: 'http://acme.local/dir' },
      'stages.prod.certs.directory: expected "letsencrypt", "letsencrypt-staging" or an https:// directory URL, got "http://acme.local/dir"',
    ],
    [{ keyType: 'rsa-4096' }, 'stages.prod.certs.keyType: expected "ecdsa-p256" or "rsa-2048", got "rsa-4096"'],
    [
      { reload: 'nginx; reboot' },
      'stages.prod.certs.reload: expected a systemd unit name such as "hello" or "nginx.service", got "nginx; reboot"',
    ],
  ])('rejects certs %j', (fields, message) => {
    const certs = { domains: ['hello.example.com'], email: 'ops@example.com', webroot: '/var/www/html', ...fields };
    expect(problems(withStage({ certs }))).toEqual([message]);
  });

  it('accepts wildcards with DNS-01, IP addresses with a profile, and no webroot when DNS-01 answers every name', () => {
    const base = { email: 'ops@example.com' };
    const dns = { server: '[2001:db8::53]:53', zone: 'Example.com.', keyFile: 'acme.key', timeout: 300 };
    expect(problems(withStage({ certs: { ...base, domains: ['*.example.com', 'example.com', 'www.Example.com'], dns } }))).toEqual([]);
    expect(
      problems(withStage({ certs: { ...base, domains: ['192.0.2.10', '2001:db8::10'], webroot: '/var/www/html', profile: 'shortlived' } })),
    ).toEqual([]);
    expect(
      problems(withStage({ certs: { ...base, domains: ['192.0.2.10'], webroot: '/var/www/html', directory: 'https://ca.example/dir' } })),
    ).toEqual([]);
    // An IP address always needs HTTP-01, DNS-01 or not.
    expect(problems(withStage({ certs: { ...base, domains: ['example.com', '192.0.2.10'], dns, profile: 'shortlived' } }))).toEqual([
      'stages.prod.certs.webroot: missing; expected the absolute directory on the hosts served at /.well-known/acme-challenge/ (for HTTP-01; not needed when certs.dns answers every name) (set it in stages.<name>.certs or in the top-level certs)',
    ]);
  });

  it('checks certs across the top level and the stage, reporting a field where it is set', () => {
    const config = {
      ...valid(),
      certs: { email: 'ops@example.com', domains: ['*.example.com'] },
      stages: { prod: { ...valid().stages.prod, certs: { webroot: '/var/www/html' } } },
    };
    expect(problems(config)).toEqual([
      'certs.domains[0]: "*.example.com" is a wildcard name, which only DNS-01 can validate; set certs.dns: { server, zone, keyFile }',
    ]);
    const fixed = {
      ...config,
      stages: { prod: { ...valid().stages.prod, certs: { dns: { server: 'ns1.example.com', zone: 'example.com', keyFile: 'k' } } } },
    };
    expect(problems(fixed)).toEqual([]);
  });

  it('accepts custom ACME directories and IDN names', () => {
    const certs = {
      domains: ['xn--bcher-kva.example', 'Hello.Example.com'],
      email: 'ops@example.com',
      webroot: '/var/www/html',
      directory: 'https://acme.example/dir',
    };
    expect(problems(withStage({ certs }))).toEqual([]);
  });

  it('rejects stage names it could not use on the command line', () => {
    expect(problems({ ...valid(), stages: { ...valid().stages, Prod: valid().stages.prod } })).toEqual([
      'stages.Prod: not a valid stage name; use lowercase letters, digits, - and _, such as "prod"',
    ]);
  });

  it('reports a section of the wrong type once, not also its fields as missing', () => {
    expect(problems(withStage({ service: 'node server.js' }))).toEqual([
      'stages.prod.service: expected an object such as { exec: "node server.js", user: "deploy" }, got "node server.js"',
    ]);
  });

  it('names unknown fields inside sections, even in a stage named like a section', () => {
    const config = { ...valid(), stages: { build: { ...valid().stages.prod, health: { url: 'http://x/', timout: 5 } } } };
    expect(problems(config)).toEqual(['stages.build.health.timout: unknown field; did you mean "timeout"?']);
  });

  it('describes a default export of the wrong kind', () => {
    expect(problems([])).toEqual(['expected an object such as defineHosts({ app: "hello", stages: { ... } }), got an empty array']);
  });
});

describe('formatPath', () => {
  it('dots names, brackets indexes, quotes odd keys', () => {
    expect(formatPath(['stages', 'prod', 'hosts', 1])).toBe('stages.prod.hosts[1]');
    expect(formatPath(['service', 'env', 'a b'])).toBe('service.env["a b"]');
  });
});

describe('closest', () => {
  it('suggests near misses and spelling variants, not distant words', () => {
    expect(closest('kep', ['keep', 'path'])).toBe('keep');
    expect(closest('env_file', ['env', 'envFile'])).toBe('envFile');
    expect(closest('prd', ['prod', 'staging'])).toBe('prod');
    expect(closest('port', ['path', 'keep'])).toBeUndefined();
    expect(closest('colour', ['app', 'stages'])).toBeUndefined();
  });
});
