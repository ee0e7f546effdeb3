/**
 * A real authoritative DNS service for the DNS-01 tests: BIND's named (Debian's bind9), as a
 * primary that takes TSIG-signed dynamic updates and a secondary that follows it by NOTIFY and
 * zone transfer, each in a network namespace of its own on the lab's bridge, like two name
 * servers on a network. Pebble validates DNS-01 against the primary, ship waits for both.
 *
 * Lab N: ns1 = 10.213.N.53 (namespace shiptN-ns1), ns2 = 10.213.N.54 (shiptN-ns2), port 53.
 * The namespaces' names start like the lab hosts', so stopLab removes them after a killed run;
 * the named processes are found again through their pid files.
 */
import type { ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { killLeftovers, spawnLogged, stopChild, waitFor, writePids } from './children.js';
import type { Lab } from './lab.js';

export interface NameServer {
  name: string;
  address: string;
}

export interface DnsServers {
  zone: string;
  primary: NameServer;
  secondary: NameServer;
  /** The TSIG key the primary takes updates with, as `tsig-keygen` wrote it. */
  keyFile: string;
  keyName: string;
  /** TXT values of `name` as `server` answers them now ([] when there are none). */
  txt(server: NameServer, name: string): Promise<string[]>;
  /** Freeze the secondary (SIGSTOP): it answers nothing and takes no transfer until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stop both and remove their namespaces; again does nothing. */
  stop(): Promise<void>;
}

export interface DnsOptions {
  lab: Lab;
  /** Working directory for configs, zones, keys and logs; wiped at start. */
  dir: string;
  zone: string;
  /** A records in the zone: relative name -> address. */
  records?: Record<string, string>;
}

const NAMED = '/usr/sbin/named';

export async function startDnsServers(options: DnsOptions): Promise<DnsServers> {
  const { lab, dir, zone } = options;
  await killLeftovers(dir, (program) => program === NAMED);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const net = lab.gateway.replace(/\.1$/, '');
  const primary = { name: `ns1.${zone}`, address: `${net}.53` };
  const secondary = { name: `ns2.${zone}`, address: `${net}.54` };

  const keyName = 'ship-acme';
  const keyFile = join(dir, 'acme.key');
  await writeFile(keyFile, `${(await execa('tsig-keygen', ['-a', 'hmac-sha256', keyName])).stdout}\n`);

  const zoneText = [
    '$TTL 60',
    `@ IN SOA ${primary.name}. hostmaster.${zone}. 1 60 10 600 10`,
    `@ IN NS ${primary.name}.`,
    `@ IN NS ${secondary.name}.`,
    `${primary.name}. IN A ${primary.address}`,
    `${secondary.name}. IN A ${secondary.address}`,
    ...Object.entries(options.records ?? {}).map(([name, address]) => `${name} IN A ${address}`),
    '',
  ].join('\n');

  const servers: Array<{ server: NameServer; netns: string; conf: string }> = [];
  for (const [i, server] of [primary, secondary].entries()) {
    const home = join(dir, `ns${i + 1}`);
    await mkdir(home, { recursive: true });
    const isPrimary = server === primary;
    if (isPrimary) await writeFile(join(home, 'zone.db'), zoneText);
    const conf = join(home, 'named.conf');
    await writeFile(
      conf,
      [
        ...(isPrimary ? [`include "${keyFile}";`] : []),
        'options {',
        `  directory "${home}";`,
        `  pid-file "${home}/named.pid";`,
        `  session-keyfile "${home}/session.key";`,
        `  listen-on port 53 { ${server.address}; };`,
        '  listen-on-v6 { none; };',
        '  recursion no;',
        '  dnssec-validation no;',
        // The primary tells the secondary about every change at once; the secondary asks soon.
        ...(isPrimary
          ? [`  allow-transfer { ${secondary.address}; };`, `  also-notify { ${secondary.address}; };`, '  notify-delay 0;']
          : ['  min-refresh-time 5;', '  min-retry-time 5;']),
        '};',
        // No rndc control channel: nothing here needs one.
        'controls { };',
        `zone "${zone}" {`,
        ...(isPrimary
          ? ['  type primary;', `  file "${home}/zone.db";`, `  update-policy { grant ${keyName} zonesub TXT; };`]
          : ['  type secondary;', `  primaries { ${primary.address}; };`, `  file "${home}/zone.db";`]),
        '};',
        '',
      ].join('\n'),
    );
    const netns = `shipt${lab.id}-ns${i + 1}`;
    await wire(lab, netns, `shv${lab.id}n${i + 1}`, server.address);
    servers.push({ server, netns, conf });
  }

  // `ip netns exec` execs named in place: the child's pid is named's.
  const children: ChildProcess[] = servers.map(({ server, netns, conf }) =>
    spawnLogged(dir, server.name, 'ip', ['netns', 'exec', netns, NAMED, '-g', '-c', conf]),
  );
  await writePids(
    dir,
    children.map((c) => c.pid),
  );
  const txt = async (server: NameServer, name: string) => {
    const resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([server.address]);
    try {
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch (error) {
      if (['ENODATA', 'ENOTFOUND'].includes((error as NodeJS.ErrnoException).code ?? '')) return [];
      throw error;
    }
  };
  // Both answer for the zone: the primary from its file, the secondary once it has transferred it.
  for (const [i, { server }] of servers.entries()) {
    await waitFor(`named ${server.name} (${server.address})`, () => soa(server.address, zone), children[i]!, 30);
  }
  const secondaryPid = children[1]!.pid!;

  return {
    zone,
    primary,
    secondary,
    keyFile,
    keyName,
    txt,
    pause: async () => void process.kill(secondaryPid, 'SIGSTOP'),
    resume: async () => void process.kill(secondaryPid, 'SIGCONT'),
    stop: async () => {
      // A frozen named would not see SIGTERM; one that has exited already needs nothing.
      if (children[1]!.exitCode === null) process.kill(secondaryPid, 'SIGCONT');
      await Promise.all(children.map(stopChild));
      for (const { netns } of servers) await execa('ip', ['netns', 'del', netns], { reject: false });
      await rm(join(dir, 'pids'), { force: true });
    },
  };
}

/** A namespace with one veth on the lab's bridge, like a lab host's. */
async function wire(lab: Lab, netns: string, outer: string, address: string): Promise<void> {
  await execa('ip', ['netns', 'del', netns], { reject: false });
  await execa('ip', ['link', 'del', outer], { reject: false });
  await execa('ip', ['netns', 'add', netns]);
  await execa('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  await execa('ip', ['link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await execa('ip', ['link', 'set', outer, 'master', lab.bridge, 'up']);
  await execa('ip', ['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
  await execa('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
}

async function soa(address: string, zone: string): Promise<void> {
  const resolver = new Resolver({ timeout: 1_000, tries: 1 });
  resolver.setServers([address]);
  await resolver.resolveSoa(zone);
}
