/**
 * The Debian bookworm root filesystem every test host boots from. Built once with debootstrap
 * and cached outside the repository (SHIP_TEST_CACHE, default /var/cache/ship-test), shared
 * read-only by all hosts through overlayfs. The cache key is a hash of this file's recipe, so
 * changing the package list or the customisation rebuilds it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, rename, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

export const CACHE_DIR = process.env.SHIP_TEST_CACHE ?? '/var/cache/ship-test';
export const MIRROR = process.env.SHIP_TEST_MIRROR ?? 'http://deb.debian.org/debian';

/** Host-side tools the lab needs, by Debian package. */
const HOST_PACKAGES: Record<string, string> = {
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  ip: 'iproute2',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  openssl: 'openssl',
  // An authoritative DNS server for the DNS-01 tests (test/hosts/dns-server.ts); Pebble itself
  // comes from Debian unstable (pebble-package.ts).
  named: 'bind9',
  'tsig-keygen': 'bind9',
};

/** Packages inside each test host: minbase plus what ship and later features need. */
const GUEST_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'sudo',
  'nginx-light',
  'iproute2',
  'nodejs',
  'procps',
  'ca-certificates',
];

/** Runs inside the fresh root with chroot; keep it idempotent and readable. */
const CUSTOMISE = String.raw`
set -eu
useradd -m -s /bin/bash deploy
useradd -m -s /bin/bash nosudo
echo 'deploy ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/deploy
chmod 0440 /etc/sudoers.d/deploy
# Host keys are made by each host at its first boot, never shared between hosts.
rm -f /etc/ssh/ssh_host_*
mkdir -p /etc/systemd/system/ssh.service.d
printf '[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n' > /etc/systemd/system/ssh.service.d/keygen.conf
printf 'UseDNS no\nPasswordAuthentication no\n' > /etc/ssh/sshd_config.d/test.conf
: > /etc/machine-id
# Nothing on a test host needs a login prompt on the console.
systemctl mask console-getty.service getty@.service systemd-firstboot.service >/dev/null 2>&1 || true
apt-get clean
rm -rf /var/lib/apt/lists/*
`;

export const BASE_KEY = createHash('sha256')
  .update(JSON.stringify([GUEST_PACKAGES, CUSTOMISE, MIRROR]))
  .digest('hex')
  .slice(0, 12);

export function baseDir(): string {
  return join(CACHE_DIR, `bookworm-${BASE_KEY}`);
}

async function has(command: string): Promise<boolean> {
  const result = await execa('sh', ['-c', 'command -v "$1"', 'sh', command], { reject: false });
  return result.exitCode === 0;
}

/** Install the host-side tools with apt-get when missing, so a new machine needs no manual step. */
export async function ensureHostTools(log: (line: string) => void): Promise<void> {
  const missing = new Set<string>();
  for (const [command, pkg] of Object.entries(HOST_PACKAGES)) {
    const found = (await has(command)) || existsSync(`/usr/sbin/${command}`) || existsSync(`/usr/bin/${command}`);
    if (!found) missing.add(pkg);
  }
  if (missing.size === 0) return;
  log(`installing host packages: ${[...missing].join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-qq'], { env });
  await execa('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
  // The tests run their own named in network namespaces; one that the package started on this
  // machine would only answer queries nobody should send it.
  if (missing.has('bind9') && (await has('systemctl'))) await execa('systemctl', ['disable', '--now', 'named.service'], { reject: false });
}

/** Build the base root once; later calls return the cached path at once. */
export async function ensureBaseImage(log: (line: string) => void): Promise<string> {
  const dir = baseDir();
  if (existsSync(join(dir, 'etc/os-release'))) return dir;
  await mkdir(CACHE_DIR, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  log(`building Debian bookworm base image in ${dir} (debootstrap, about a minute)`);
  await execa('debootstrap', ['--variant=minbase', `--include=${GUEST_PACKAGES.join(',')}`, 'bookworm', tmp, MIRROR]);
  const script = join(tmp, 'tmp/customise.sh');
  await writeFile(script, CUSTOMISE);
  await chmod(script, 0o755);
  await execa('chroot', [tmp, '/bin/sh', '/tmp/customise.sh']);
  await rm(script);
  // Rename is atomic: a build killed half-way never looks like a finished base.
  await rename(tmp, dir);
  return dir;
}
