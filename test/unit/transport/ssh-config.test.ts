import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { expandPath, parseHostSpec, parseSshG, resolveHost, type TokenContext } from '../../../src/transport/ssh-config.js';

describe('parseHostSpec', () => {
  it.each([
    ['web2', { host: 'web2' }],
    ['deploy@web1.example.com', { user: 'deploy', host: 'web1.example.com' }],
    ['deploy@web1.example.com:2222', { user: 'deploy', host: 'web1.example.com', port: 2222 }],
    ['web1:2222', { host: 'web1', port: 2222 }],
    ['[::1]:2222', { host: '::1', port: 2222 }],
    ['deploy@[2001:db8::5]:22', { user: 'deploy', host: '2001:db8::5', port: 22 }],
    ['[::1]', { host: '::1' }],
    ['::1', { host: '::1' }],
    ['fe80::1:2', { host: 'fe80::1:2' }],
    ['me@corp@web1', { user: 'me@corp', host: 'web1' }],
    ['ssh://deploy@web1:2200', { user: 'deploy', host: 'web1', port: 2200 }],
  ])('%s', (spec, expected) => {
    expect(parseHostSpec(spec)).toEqual(expected);
  });

  it.each([
    '',
    '@web1',
    'web1:',
    'web1:0',
    'web1:65536',
    'web1:22x',
    '[::1',
    '[::1]x',
    '-oProxyCommand=x',
    '-l@web1',
    'web 1',
    'a;b',
    'we$b',
  ])('rejects %j with a ConfigError', (spec) => {
    expect(() => parseHostSpec(spec)).toThrow(ConfigError);
  });
});

// Trimmed from real `ssh -G` output of OpenSSH 9.2, noise lines kept.
const FIXTURE = `host web2
user deploy
hostname 10.0.0.5
port 2222
addressfamily any
batchmode no
identitiesonly yes
stricthostkeychecking false
hostkeyalgorithms ssh-ed25519-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256
hostkeyalias web2alias
identityagent none
identityfile ~/.ssh/id_%r_%h
identityfile ~/.ssh/id_ed25519
globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2
userknownhostsfile /root/.ssh/kh1 /tmp/kh2
connecttimeout 5
proxyjump ops@bastion:2201,[::1]:2222,jump2
hashknownhosts yes
revokedhostkeys ~/.ssh/revoked_%h
`;

describe('parseSshG', () => {
  it('reads the fields ship needs', () => {
    expect(parseSshG(FIXTURE)).toEqual({
      user: 'deploy',
      hostname: '10.0.0.5',
      port: 2222,
      identityFiles: ['~/.ssh/id_%r_%h', '~/.ssh/id_ed25519'],
      proxyJump: ['ops@bastion:2201', '[::1]:2222', 'jump2'],
      userKnownHostsFiles: ['/root/.ssh/kh1', '/tmp/kh2'],
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      strictHostKeyChecking: 'no',
      identitiesOnly: true,
      connectTimeoutMs: 5000,
      hostKeyAlias: 'web2alias',
      identityAgent: 'none',
      hostKeyAlgorithms: ['ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256'],
      hashKnownHosts: true,
      revokedHostKeys: '~/.ssh/revoked_%h',
    });
  });

  it('maps every StrictHostKeyChecking spelling ssh -G prints', () => {
    const strict = (value: string) => parseSshG(`user u\nhostname h\nport 22\nstricthostkeychecking ${value}\n`).strictHostKeyChecking;
    expect(strict('true')).toBe('yes');
    expect(strict('yes')).toBe('yes');
    expect(strict('false')).toBe('no');
    expect(strict('no')).toBe('no');
    expect(strict('accept-new')).toBe('accept-new');
    expect(strict('ask')).toBe('ask');
  });

  it('treats `none` as unset for ProxyJump and ConnectTimeout', () => {
    const g = parseSshG('user u\nhostname h\nport 22\nproxyjump none\nconnecttimeout none\nidentitiesonly no\n');
    expect(g.proxyJump).toEqual([]);
    expect(g.connectTimeoutMs).toBeUndefined();
    expect(g.identitiesOnly).toBe(false);
    expect(g.hostKeyAlias).toBeUndefined();
    expect(g.hashKnownHosts).toBe(false);
    expect(g.revokedHostKeys).toBeUndefined();
  });

  it('reads ServerAliveInterval and ServerAliveCountMax; an interval of 0 (off) leaves ship its own', () => {
    const g = parseSshG('user u\nhostname h\nport 22\nserveraliveinterval 5\nserveralivecountmax 2\n');
    expect([g.serverAliveIntervalMs, g.serverAliveCountMax]).toEqual([5000, 2]);
    const off = parseSshG('user u\nhostname h\nport 22\nserveraliveinterval 0\nserveralivecountmax 3\n');
    expect([off.serverAliveIntervalMs, off.serverAliveCountMax]).toEqual([undefined, 3]);
  });

  it('reports output that is not ssh -G output', () => {
    expect(() => parseSshG('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy]')).toThrow(ConfigError);
  });
});

describe('expandPath', () => {
  const ctx: TokenContext = {
    home: '/home/me',
    localUser: 'me',
    uid: 1000,
    localHostname: 'laptop.lan',
    originalHost: 'web2',
    hostname: '10.0.0.5',
    port: 2222,
    remoteUser: 'deploy',
    proxyJump: 'bastion',
  };

  it('expands ~ and the IdentityFile tokens like ssh', () => {
    expect(expandPath('~/.ssh/id_%r@%h', ctx)).toBe('/home/me/.ssh/id_deploy@10.0.0.5');
    expect(expandPath('%d/k/%u-%n-%p-%i-%l-%L-%j-%k-100%%', ctx)).toBe('/home/me/k/me-web2-2222-1000-laptop.lan-laptop-bastion-web2-100%');
    expect(expandPath('~', ctx)).toBe('/home/me');
    expect(expandPath('/abs/~/x', ctx)).toBe('/abs/~/x');
    expect(expandPath('%k', { ...ctx, hostKeyAlias: 'alias' })).toBe('alias');
    expect(expandPath('%C', ctx)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('expands ${ENV} and rejects unknown tokens and unset variables', () => {
    process.env.SHIP_TEST_KEYDIR = '/keys';
    expect(expandPath('${SHIP_TEST_KEYDIR}/id', ctx)).toBe('/keys/id');
    expect(() => expandPath('${SHIP_TEST_UNSET_VAR}/id', ctx)).toThrow(ConfigError);
    expect(() => expandPath('%z', ctx)).toThrow(/unknown token %z/);
  });
});

describe('resolveHost with the real ssh -G', () => {
  let dir: string;
  let config: string;
  const local = userInfo().username;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ship-sshcfg-'));
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'internal.conf'), 'Host *.internal\n  User incuser\n  Port 2202\n');
    config = join(dir, 'config');
    writeFileSync(
      config,
      `Include ${dir}/conf.d/*.conf

Host web2
  HostName 10.0.0.5
  User deploy
  Port 2222
  IdentityFile ~/.ssh/id_%r_%h
  IdentityFile ${dir}/keys/%n.key
  ProxyJump ops@bastion:2201,jump2
  UserKnownHostsFile ${dir}/kh1 ${dir}/kh2
  StrictHostKeyChecking accept-new
  ConnectTimeout 5
  IdentitiesOnly yes
  HashKnownHosts yes
  RevokedHostKeys ~/.ssh/revoked_%h_%p

Host bastion
  HostName bastion.example.com
  ProxyJump outer

Host outer
  HostName outer.example.com

Host jump2
  HostName 10.0.0.2
  # overridden by -J when jump2 is a later hop, exactly as with ssh
  ProxyJump unused

Host app-*
  HostName %h.example.com
  ProxyJump none

Host loop
  ProxyJump loop

Host loopa
  ProxyJump loopb

Host loopb
  ProxyJump loopa

Host *
  StrictHostKeyChecking yes
  UserKnownHostsFile ${dir}/default_kh
  IdentityFile ${dir}/default_key
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves an alias with HostName, User, Port, IdentityFile tokens, known hosts files and timeouts', async () => {
    const host = await resolveHost('web2', { configFile: config });
    expect(host).toMatchObject({
      name: 'web2',
      hostname: '10.0.0.5',
      port: 2222,
      user: 'deploy',
      identityFiles: [`${homedir()}/.ssh/id_deploy_10.0.0.5`, `${dir}/keys/web2.key`, `${dir}/default_key`],
      knownHostsFiles: [`${dir}/kh1`, `${dir}/kh2`],
      strictHostKeyChecking: 'accept-new',
      identitiesOnly: true,
      connectTimeoutMs: 5000,
      hashKnownHosts: true,
      revokedHostKeys: `${homedir()}/.ssh/revoked_10.0.0.5_2222`,
    });
  });

  it('resolves ProxyJump hops in connection order, each with its own config', async () => {
    const host = await resolveHost('web2', { configFile: config });
    // `ProxyJump ops@bastion:2201,jump2`, and bastion's own `ProxyJump outer` goes first.
    expect(host.proxyJump.map((h) => [h.name, h.user, h.hostname, h.port, h.proxyJump.length])).toEqual([
      ['outer', local, 'outer.example.com', 22, 0],
      ['ops@bastion:2201', 'ops', 'bastion.example.com', 2201, 0],
      ['jump2', local, '10.0.0.2', 22, 0],
    ]);
    expect(host.proxyJump[0]).toMatchObject({
      strictHostKeyChecking: 'yes',
      knownHostsFiles: [`${dir}/default_kh`],
      connectTimeoutMs: 10_000,
    });
  });

  it('applies user and port from the spec over ssh config, like ssh -l / -p', async () => {
    const host = await resolveHost('root@web2:2000', { configFile: config });
    expect(host).toMatchObject({ name: 'root@web2:2000', user: 'root', port: 2000, hostname: '10.0.0.5' });
  });

  it('resolves plain user@host:port, IPv6, Include, HostName %h and ProxyJump none', async () => {
    expect(await resolveHost('deploy@web1.example.com:2200', { configFile: config })).toMatchObject({
      user: 'deploy',
      hostname: 'web1.example.com',
      port: 2200,
      proxyJump: [],
      strictHostKeyChecking: 'yes',
      knownHostsFiles: [`${dir}/default_kh`],
      connectTimeoutMs: 10_000,
      identitiesOnly: false,
      hashKnownHosts: false,
    });
    expect((await resolveHost('web1.example.com', { configFile: config })).revokedHostKeys).toBeUndefined();
    expect(await resolveHost('[::1]:2222', { configFile: config })).toMatchObject({ hostname: '::1', port: 2222 });
    expect(await resolveHost('db.internal', { configFile: config })).toMatchObject({ user: 'incuser', port: 2202 });
    expect(await resolveHost('app-7', { configFile: config })).toMatchObject({ hostname: 'app-7.example.com', proxyJump: [] });
  });

  it('stops ProxyJump loops with a ConfigError', async () => {
    await expect(resolveHost('loop', { configFile: config })).rejects.toThrow(/jumphost loop via loop/); // ssh's own check
    await expect(resolveHost('loopa', { configFile: config })).rejects.toThrow(/ProxyJump nests deeper/);
  });

  it("reports ssh config errors as ConfigError with ssh's own message", async () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'Host x\n  NoSuchOption yes\n');
    await expect(resolveHost('x', { configFile: bad })).rejects.toThrow(/Bad configuration option/);
    await expect(resolveHost('x', { configFile: join(dir, 'missing') })).rejects.toBeInstanceOf(ConfigError);
  });

  it('says to install openssh-client when ssh is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      await expect(resolveHost('web2', { configFile: config })).rejects.toThrow(/openssh-client/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('knows the local host name for %l', () => {
    expect(hostname().length).toBeGreaterThan(0);
  });
});
