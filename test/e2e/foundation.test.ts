/**
 * The foundation against real hosts: exec, host key checking, ssh_config aliases, ProxyJump,
 * an unreachable host, and doctor.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { address, lab, project, ship } from './support.js';

const stage = (hosts: string[], extra: Record<string, unknown> = {}) => ({
  app: 'hello',
  stages: { prod: { hosts, path: '/srv/hello', ...extra } },
});

/** An ssh_config for one test: every host by address, with the given known_hosts and policy. */
async function sshConfigWith(dir: string, knownHosts: string, strict: string, extra: string[] = []): Promise<string> {
  const file = join(dir, 'ssh_config');
  await writeFile(
    file,
    [
      'Host 10.213.*',
      '  User deploy',
      `  IdentityFile ${lab().key}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      `  StrictHostKeyChecking ${strict}`,
      ...extra.map((line) => `  ${line}`),
      '',
    ].join('\n'),
  );
  return file;
}

/** The project's hosts.ts reads `config` instead of the lab's ssh_config. */
async function useSshConfig(dir: string, config: string): Promise<void> {
  await writeFile(join(dir, 'hosts.ts'), (await readFile(join(dir, 'hosts.ts'), 'utf8')).replace(lab().sshConfig, config));
}

/** OpenSSH itself with that config: what ship must agree with. */
const openssh = (config: string, host: string, command: string) =>
  execa('ssh', ['-F', config, '-o', 'BatchMode=yes', host, command], { reject: false });

describe('ship exec', () => {
  it('runs on every host in parallel, output prefixed by host', async () => {
    const dir = await project(stage(['h1', 'h2', 'h3']));
    const r = await ship(['exec', 'prod', '--', 'sh', '-c', 'echo "$(hostname) says $1"', 'sh', "it's $(not) run"], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const h of ['h1', 'h2', 'h3']) expect(r.stdout).toContain(`${h} | ${h} says it's $(not) run`);
  });

  it('exits non-zero with one line per failed host', async () => {
    const dir = await project(stage(['h1', 'h2', 'h3']));
    const r = await ship(['exec', 'prod', '--', 'sh', '-c', 'test "$(hostname)" != h2'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed: h2: exited 1/);
    expect(r.stderr).not.toMatch(/h1: exited|h3: exited/);
  });

  it('limits to --host and emits JSON events with --json', async () => {
    const dir = await project(stage(['h1', 'h2', 'h3']));
    const r = await ship(['exec', 'prod', '--host', 'h3', '--json', '--', 'hostname'], { cwd: dir });
    expect(r.code).toBe(0);
    const events = r.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toContainEqual(expect.objectContaining({ type: 'output', host: 'h3', stream: 'stdout', line: 'h3' }));
    expect(events.filter((e) => e.type === 'output')).toHaveLength(1);
  });

  it('reaches a host through a ProxyJump hop', async () => {
    const dir = await project(stage(['hidden']));
    const r = await ship(['exec', 'prod', '--', 'hostname'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hidden | hidden');
  });

  it('reaches 50 hosts through one sshd, which drops handshakes beyond MaxStartups (10), every one of them', async () => {
    // 50 names for h1: the hardest case for sshd's limit on unauthenticated connections, which
    // a fleet behind one jump host meets. Opening all 50 at once loses some of them.
    const names = Array.from({ length: 50 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
    const dir = await project(stage(names));
    const config = await sshConfigWith(dir, lab().knownHosts, 'yes');
    await writeFile(
      config,
      `Host m??\n  HostName ${address('h1')}\n${await readFile(config, 'utf8')}`.replace('Host 10.213.*', 'Host m?? 10.213.*'),
    );
    await useSshConfig(dir, config);
    const r = await ship(['exec', 'prod', '--', 'hostname'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const name of names) expect(r.stdout).toMatch(new RegExp(`^${name}\\s+\\| h1$`, 'm'));
  });

  it('fails an unreachable host within the connect timeout while the others succeed', async () => {
    const dead = `deploy@${lab().deadAddress}`;
    const dir = await project(stage(['h1', dead, 'h2']));
    const r = await ship(['exec', 'prod', '--', 'hostname'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^h1\s+\| h1$/m);
    expect(r.stdout).toMatch(/^h2\s+\| h2$/m);
    expect(r.stderr).toMatch(new RegExp(`failed: ${dead.replaceAll('.', '\\.')}.*(timed out|unreachable)`));
  });
});

describe('host keys', () => {
  const h2 = () => address('h2');

  it('refuses an unknown host and says how to add it', async () => {
    const dir = await project(stage([`deploy@${h2()}`]));
    const known = join(dir, 'known_hosts');
    await writeFile(known, '');
    const config = await sshConfigWith(dir, known, 'yes');
    await useSshConfig(dir, config);
    const r = await ship(['exec', 'prod', '--', 'true'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown|not known/i);
    expect(r.stderr).toContain('ssh-keyscan');
    expect(await readFile(known, 'utf8')).toBe('');
  });

  it('accepts and records an unknown host under StrictHostKeyChecking accept-new', async () => {
    const dir = await project(stage([`deploy@${h2()}`]));
    const known = join(dir, 'known_hosts');
    await writeFile(known, '');
    const config = await sshConfigWith(dir, known, 'accept-new');
    await useSshConfig(dir, config);
    const r = await ship(['exec', 'prod', '--', 'hostname'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('| h2');
    const labLine = (await readFile(lab().knownHosts, 'utf8')).split('\n').find((l) => l.startsWith(`${h2()} `))!;
    expect((await readFile(known, 'utf8')).trim()).toBe(labLine.trim());
    // The recorded key is then trusted under the strict policy too.
    await writeFile(config, (await readFile(config, 'utf8')).replace('accept-new', 'yes'));
    expect((await ship(['exec', 'prod', '--', 'true'], { cwd: dir })).code).toBe(0);
  });

  it('refuses a host whose key changed, naming the file and line, even under accept-new', async () => {
    const dir = await project(stage([`deploy@${h2()}`]));
    const known = join(dir, 'known_hosts');
    const lines = (await readFile(lab().knownHosts, 'utf8')).split('\n');
    const h1Key = lines
      .find((l) => l.startsWith(`${address('h1')} `))!
      .split(' ')
      .slice(1)
      .join(' ');
    // Line 2 claims h2 has h1's key: exactly what a man in the middle would look like.
    await writeFile(known, `# comment\n${h2()} ${h1Key}\n`);
    const before = await readFile(known, 'utf8');
    for (const policy of ['yes', 'accept-new']) {
      const config = await sshConfigWith(dir, known, policy);
      await useSshConfig(dir, config);
      const r = await ship(['exec', 'prod', '--', 'true'], { cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/changed/i);
      expect(r.stderr).toContain(`${known} line 2`);
    }
    expect(await readFile(known, 'utf8')).toBe(before);
  });

  it('under accept-new with HashKnownHosts yes, records the key under a hashed name that OpenSSH then trusts', async () => {
    const dir = await project(stage([`deploy@${h2()}`]));
    const known = join(dir, 'known_hosts');
    await writeFile(known, '');
    const config = await sshConfigWith(dir, known, 'accept-new', ['HashKnownHosts yes']);
    await useSshConfig(dir, config);
    const r = await ship(['exec', 'prod', '--', 'hostname'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(known, 'utf8');
    expect(text).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 \S+\n$/);
    expect(text).not.toContain(h2());
    await writeFile(config, (await readFile(config, 'utf8')).replace('accept-new', 'yes'));
    expect((await openssh(config, h2(), 'hostname')).stdout).toBe('h2');
    expect((await ship(['exec', 'prod', '--', 'true'], { cwd: dir })).code).toBe(0);
  });

  it('refuses a host whose key is in RevokedHostKeys, a key list or a KRL, though known_hosts holds it, as OpenSSH does', async () => {
    const dir = await project(stage([`deploy@${h2()}`]));
    const lines = (await readFile(lab().knownHosts, 'utf8')).split('\n');
    const keyOf = (host: string) =>
      lines
        .find((l) => l.startsWith(`${host} `))!
        .split(' ')
        .slice(1)
        .join(' ');
    await writeFile(join(dir, 'h2.pub'), `${keyOf(h2())}\n`);
    const list = join(dir, 'revoked_keys');
    await writeFile(list, `# retired host keys\n${keyOf(address('h1'))}\n${keyOf(h2())}\n`);
    const krl = join(dir, 'revoked.krl');
    await execa('ssh-keygen', ['-q', '-k', '-f', krl, join(dir, 'h2.pub')]);
    for (const [file, where] of [
      [list, 'line 3'],
      [krl, 'KRL key'],
    ] as const) {
      const config = await sshConfigWith(dir, lab().knownHosts, 'yes', [`RevokedHostKeys ${file}`]);
      await useSshConfig(dir, config);
      const r = await ship(['exec', 'prod', '--', 'true'], { cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(
        `host key ${(await execa('ssh-keygen', ['-lf', join(dir, 'h2.pub')])).stdout.split(' ')[1]} is revoked by RevokedHostKeys ${file} (${where}); refusing to connect`,
      );
      expect((await openssh(config, h2(), 'true')).stderr).toContain('revoked by file');
    }
    // A list that does not hold h2's key lets it through.
    await writeFile(list, `${keyOf(address('h1'))}\n`);
    await sshConfigWith(dir, lab().knownHosts, 'yes', [`RevokedHostKeys ${list}`]);
    const ok = await ship(['exec', 'prod', '--', 'hostname'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('ship doctor', () => {
  it('passes on a good host', async () => {
    const dir = await project(stage(['h1']));
    const r = await ship(['doctor', 'prod'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const check of ['login', 'sudo -n', 'systemd', 'tar', 'sha256sum', 'flock', 'deploy path', 'free disk']) {
      expect(r.stdout).toMatch(new RegExp(`h1\\s+${check}\\s+ok`));
    }
  });

  it('reports a host without passwordless sudo', async () => {
    const dir = await project(stage(['h1', 'nosudo@h3']));
    const r = await ship(['doctor', 'prod'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/nosudo@h3\s+sudo -n\s+FAIL/);
    expect(r.stdout).toMatch(/h1\s+sudo -n\s+ok/);
  });
});
