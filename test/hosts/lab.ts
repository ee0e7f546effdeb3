/**
 * A lab of real Debian test hosts on this machine: each one a systemd-nspawn container booted
 * with its own systemd and sshd, in its own network namespace, on a bridge in the root
 * namespace. Hosts share the cached base image read-only through overlayfs.
 *
 * Networks: lab N uses 10.213.N.0/24 on bridge `shipbrN` (root side 10.213.N.1) and, for the
 * ProxyJump test, a hidden link 10.214.N.0/24 between the first host and the `hidden` host, which
 * has no address on the bridge and so is reachable only through the first host.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, chmod, chown } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { ensureBaseImage, ensureHostTools, CACHE_DIR } from './base-image.js';

export interface LabHost {
  name: string;
  address: string;
  netns: string;
  root: string;
  /** True for the host that only the first host can reach. */
  hidden: boolean;
}

export interface Lab {
  id: number;
  dir: string;
  bridge: string;
  gateway: string;
  hosts: LabHost[];
  /** ssh_config naming every host, with the test key and the lab's known_hosts. */
  sshConfig: string;
  knownHosts: string;
  key: string;
  /** An address on the bridge where no host answers. */
  deadAddress: string;
}

export interface LabOptions {
  /** Lab number, 1-200: picks the subnet and names, so labs can run side by side. */
  id: number;
  /** Names of the reachable hosts, e.g. ['h1', 'h2', 'h3']. */
  hosts: string[];
  /** Also boot `hidden`, reachable only through the first host. */
  hidden?: boolean;
  log?: (line: string) => void;
}

const sh = (cmd: string, args: string[]) => execa(cmd, args);
const quiet = (cmd: string, args: string[]) => execa(cmd, args, { reject: false });

export function labDir(id: number): string {
  return join(CACHE_DIR, 'labs', String(id));
}

/** Boot the lab; tears down any earlier lab with the same id first. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const log = options.log ?? (() => {});
  if (process.getuid?.() !== 0) throw new Error('test hosts need root (systemd-nspawn, network namespaces)');
  await ensureHostTools(log);
  const base = await ensureBaseImage(log);
  await stopLab(options.id);

  const id = options.id;
  const dir = labDir(id);
  await mkdir(dir, { recursive: true });
  const bridge = `shipbr${id}`;
  const gateway = `10.213.${id}.1`;
  await sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
  // A MAC of its own: otherwise the bridge takes its lowest port's, so every port added or
  // removed later (the DNS servers of the DNS-01 tests) can change it, and a changed address
  // flushes the bridge's neighbours, the dead address's permanent entry included.
  await sh('ip', ['link', 'set', bridge, 'address', `02:00:00:00:${id.toString(16).padStart(2, '0')}:01`]);
  await sh('ip', ['addr', 'add', `${gateway}/24`, 'dev', bridge]);
  await sh('ip', ['link', 'set', bridge, 'up']);

  const key = join(dir, 'id_ed25519');
  await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ship-test', '-f', key]);
  const publicKey = await readFile(`${key}.pub`, 'utf8');

  const hosts: LabHost[] = options.hosts.map((name, i) => ({
    name,
    address: `10.213.${id}.${11 + i}`,
    netns: `shipt${id}-${name}`,
    root: join(dir, name, 'root'),
    hidden: false,
  }));
  if (options.hidden) {
    hosts.push({ name: 'hidden', address: `10.214.${id}.2`, netns: `shipt${id}-hidden`, root: join(dir, 'hidden', 'root'), hidden: true });
  }

  for (const host of hosts) await prepareHost(base, dir, host, publicKey);
  await wireNetwork(id, bridge, hosts);
  // The dead address has a fixed MAC that no host owns: packets to it vanish, so a connect
  // really times out (without it the kernel fails fast with "no route to host"). Added once
  // the bridge has ports: the kernel flushes neighbours while the bridge has no carrier.
  await sh('ip', ['neigh', 'replace', `10.213.${id}.250`, 'lladdr', '02:00:00:00:00:fa', 'dev', bridge, 'nud', 'permanent']);
  await Promise.all(hosts.map((host) => bootHost(dir, host)));
  // Hosts boot side by side: on a 2-core machine 20 of them take a while, so allow more per host.
  const bootMs = 60_000 + hosts.length * 6_000;
  await Promise.all(hosts.map((host) => waitForSsh(host, hosts[0]!, bootMs)));

  const knownHosts = join(dir, 'known_hosts');
  const sshConfig = join(dir, 'ssh_config');
  await writeFile(knownHosts, (await Promise.all(hosts.map((h) => knownHostsLine(h)))).join(''));
  await writeFile(sshConfig, renderSshConfig(hosts, key, knownHosts));
  await Promise.all(hosts.map((host) => waitForBoot(sshConfig, host, bootMs)));
  const lab: Lab = { id, dir, bridge, gateway, hosts, sshConfig, knownHosts, key, deadAddress: `10.213.${id}.250` };
  await writeFile(join(dir, 'lab.json'), JSON.stringify(lab, null, 2));
  log(`lab ${id}: ${hosts.map((h) => `${h.name}=${h.address}`).join(' ')}`);
  return lab;
}

async function prepareHost(base: string, dir: string, host: LabHost, publicKey: string): Promise<void> {
  const hostDir = join(dir, host.name);
  await mkdir(join(hostDir, 'upper'), { recursive: true });
  await mkdir(join(hostDir, 'work'), { recursive: true });
  await mkdir(host.root, { recursive: true });
  await sh('mount', [
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${base},upperdir=${join(hostDir, 'upper')},workdir=${join(hostDir, 'work')}`,
    host.root,
  ]);
  await writeFile(join(host.root, 'etc/hostname'), `${host.name}\n`);
  await writeFile(join(host.root, 'etc/hosts'), `127.0.0.1 localhost\n127.0.1.1 ${host.name}\n`);
  const passwd = await readFile(join(host.root, 'etc/passwd'), 'utf8');
  // root too: ship must also be right when the SSH user is root (sshd allows root keys by default).
  for (const user of ['deploy', 'nosudo', 'root']) {
    const entry = passwd.split('\n').find((line) => line.startsWith(`${user}:`));
    if (!entry) throw new Error(`base image has no ${user} user`);
    const [, , uid, gid, , home] = entry.split(':');
    const sshDir = join(host.root, home!, '.ssh');
    await mkdir(sshDir, { recursive: true });
    await writeFile(join(sshDir, 'authorized_keys'), publicKey);
    await chmod(sshDir, 0o700);
    await chmod(join(sshDir, 'authorized_keys'), 0o600);
    await chown(sshDir, Number(uid), Number(gid));
    await chown(join(sshDir, 'authorized_keys'), Number(uid), Number(gid));
  }
}

async function wireNetwork(id: number, bridge: string, hosts: LabHost[]): Promise<void> {
  for (const [i, host] of hosts.entries()) {
    await sh('ip', ['netns', 'add', host.netns]);
    await sh('ip', ['-n', host.netns, 'link', 'set', 'lo', 'up']);
    if (host.hidden) continue;
    const outer = `shv${id}x${i}`;
    await sh('ip', ['link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns]);
    await sh('ip', ['link', 'set', outer, 'master', bridge, 'up']);
    await sh('ip', ['-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
    await sh('ip', ['-n', host.netns, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', host.netns, 'route', 'add', 'default', 'via', `10.213.${id}.1`]);
  }
  const hidden = hosts.find((h) => h.hidden);
  const jump = hosts[0];
  if (hidden && jump) {
    await sh('ip', ['link', 'add', 'eth1', 'netns', jump.netns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hidden.netns]);
    await sh('ip', ['-n', jump.netns, 'addr', 'add', `10.214.${id}.1/24`, 'dev', 'eth1']);
    await sh('ip', ['-n', jump.netns, 'link', 'set', 'eth1', 'up']);
    await sh('ip', ['-n', hidden.netns, 'addr', 'add', `${hidden.address}/24`, 'dev', 'eth0']);
    await sh('ip', ['-n', hidden.netns, 'link', 'set', 'eth0', 'up']);
  }
}

function cgroupDirs(host: LabHost): string[] {
  const legacy = existsSync('/sys/fs/cgroup/systemd/cgroup.procs');
  const roots = legacy ? ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified'] : ['/sys/fs/cgroup'];
  return roots.filter((root) => existsSync(`${root}/cgroup.procs`)).map((root) => join(root, 'ship-lab', host.netns));
}

async function removeCgroups(id: number): Promise<void> {
  const { readdir, rmdir } = await import('node:fs/promises');
  // cgroup directories can only be removed with rmdir, deepest first, once empty of processes.
  const removeTree = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await removeTree(join(dir, entry.name));
    }
    await rmdir(dir).catch(() => {});
  };
  for (const root of ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    const top = join(root, 'ship-lab');
    if (!existsSync(top)) continue;
    for (const entry of await readdir(top, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name.startsWith(`shipt${id}-`)) await removeTree(join(top, entry.name));
    }
  }
}

async function bootHost(dir: string, host: LabHost): Promise<void> {
  const console = await import('node:fs').then((fs) => fs.openSync(join(dir, host.name, 'console.log'), 'w'));
  // Without a systemd on this machine, every container would share the root cgroup and their
  // systemds would create and delete each other's units' cgroups (status=219/CGROUP at random).
  // Each host therefore starts in a cgroup of its own in every hierarchy that systemd uses.
  const cgroups = cgroupDirs(host);
  for (const cg of cgroups) await mkdir(cg, { recursive: true });
  const enter = cgroups.map((cg) => `echo $$ > ${cg}/cgroup.procs`).join(' && ');
  const child = spawn(
    'sh',
    [
      '-c',
      `${enter} && exec "$@"`,
      'sh',
      'systemd-nspawn',
      '-b',
      '--register=no',
      '--keep-unit',
      `--network-namespace-path=/run/netns/${host.netns}`,
      '-D',
      host.root,
      '-M',
      host.name,
      '--console=read-only',
    ],
    { detached: true, stdio: ['ignore', console, console] },
  );
  child.unref();
  await writeFile(join(dir, host.name, 'pid'), String(child.pid));
}

/** Wait until sshd answers with its banner (first boot generates host keys, so allow a while). */
async function waitForSsh(host: LabHost, jump: LabHost, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = host.hidden ? await bannerVia(jump, host) : await banner(host.address);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`test host ${host.name} (${host.address}) did not start sshd within ${ms / 1000} s; see its console.log`);
}

/** Wait until boot has finished and logins are allowed (pam_nologin lifts at the end of boot). */
async function waitForBoot(sshConfig: string, host: LabHost, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    const result = await quiet('ssh', ['-F', sshConfig, '-o', 'BatchMode=yes', host.name, 'systemctl', 'is-system-running', '--wait']);
    if (result.stdout.trim() === 'running') return;
    last = `${result.stdout} ${result.stderr}`.trim();
    if (result.stdout.trim() === 'degraded') break;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`test host ${host.name} did not finish booting: ${last}`);
}

async function banner(address: string): Promise<boolean> {
  const socket = connect(22, address);
  socket.setTimeout(1000);
  try {
    await once(socket, 'connect');
    const [data] = (await once(socket, 'data')) as [Buffer];
    return data.toString().startsWith('SSH-');
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

async function bannerVia(jump: LabHost, host: LabHost): Promise<boolean> {
  // The hidden host is not routable from here; probe it from inside the jump host's namespace.
  const result = await quiet('ip', [
    'netns',
    'exec',
    jump.netns,
    'timeout',
    '1',
    'bash',
    '-c',
    `exec 3<>/dev/tcp/${host.address}/22 && head -c 4 <&3`,
  ]);
  return result.stdout.startsWith('SSH-');
}

async function knownHostsLine(host: LabHost): Promise<string> {
  // Read the key the host generated at boot from its own disk: no trust-on-first-use needed.
  const pub = (await readFile(join(host.root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')).trim().split(' ');
  return `${host.address} ${pub[0]} ${pub[1]}\n`;
}

function renderSshConfig(hosts: LabHost[], key: string, knownHosts: string): string {
  const jump = hosts[0]!;
  return hosts
    .map((h) =>
      [
        `Host ${h.name}`,
        `  HostName ${h.address}`,
        '  User deploy',
        `  IdentityFile ${key}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHosts}`,
        '  StrictHostKeyChecking yes',
        ...(h.hidden ? [`  ProxyJump ${jump.name}`] : []),
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** Read a running lab's description (for tools in another process). */
export async function readLab(id: number): Promise<Lab> {
  return JSON.parse(await readFile(join(labDir(id), 'lab.json'), 'utf8')) as Lab;
}

/** Stop every host, unmount, delete namespaces and the bridge. Safe to call when nothing runs. */
export async function stopLab(id: number): Promise<void> {
  const dir = labDir(id);
  if (existsSync(dir)) {
    const { readdir } = await import('node:fs/promises');
    await Promise.all(
      (await readdir(dir)).map(async (name) => {
        const pidFile = join(dir, name, 'pid');
        if (!existsSync(pidFile)) return;
        await stopContainer(Number(await readFile(pidFile, 'utf8')));
      }),
    );
    for (const name of await readdir(dir)) {
      const root = join(dir, name, 'root');
      if (existsSync(root)) await quiet('umount', ['-l', root]);
    }
  }
  const netns = await quiet('ip', ['netns', 'list']);
  for (const line of netns.stdout.split('\n')) {
    const name = line.split(' ')[0];
    if (name?.startsWith(`shipt${id}-`)) await quiet('ip', ['netns', 'del', name]);
  }
  await quiet('ip', ['link', 'del', `shipbr${id}`]);
  await removeCgroups(id);
  await rm(dir, { recursive: true, force: true });
}

async function stopContainer(pid: number): Promise<void> {
  if (!alive(pid)) return;
  // SIGTERM asks nspawn to power the container off cleanly; KILL if it takes too long.
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  const hard = Date.now() + 5_000;
  while (alive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
