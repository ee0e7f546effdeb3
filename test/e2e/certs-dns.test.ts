/**
 * DNS-01 against a real authoritative DNS service: BIND's named as a primary taking TSIG-signed
 * updates and a secondary following it (test/hosts/dns-server.ts), each in its own network
 * namespace, and Pebble 2.10 validating against the primary, as Let's Encrypt would against any
 * of a zone's servers. A wildcard certificate goes on h1 and h2 without any HTTP-01.
 */
import type { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServers, type DnsServers } from '../hosts/dns-server.js';
import { addTlsSite, restoreNginx } from '../hosts/nginx-site.js';
import { startPebble, type Pebble } from '../hosts/pebble.js';
import { address, lab, onHost, project, REPO, ship } from './support.js';

const ZONE = 'dns.ship.test';
const DOMAINS = [`*.${ZONE}`, ZONE];
const CERT_DIR = `/etc/ship/certs/${ZONE}`;
const CERT = `${CERT_DIR}/fullchain.pem`;
const KEY = `${CERT_DIR}/privkey.pem`;
const HOSTS = ['h1', 'h2'];
const RECORD = `_acme-challenge.${ZONE}`;

let dns: DnsServers;
let pebble: Pebble;
let dir: string;
let env: Record<string, string>;

const run = (host: string, script: string) => onHost(host, script);

beforeAll(async () => {
  dns = await startDnsServers({ lab: lab(), dir: join(tmpdir(), `ship-dns-lab${lab().id}`), zone: ZONE, records: { www: address('h1') } });
  pebble = await startPebble({
    address: lab().gateway,
    dir: join(tmpdir(), `ship-pebble-lab${lab().id}-dns`),
    instance: 4,
    dnsServer: `${dns.primary.address}:53`,
    profiles: { shortlived: { validitySeconds: 160 * 3600 } },
  });
  dir = await project(
    {
      app: 'hello',
      stages: {
        prod: {
          hosts: HOSTS,
          path: '/srv/hello',
          certs: {
            domains: DOMAINS,
            email: 'ops@ship.test',
            directory: pebble.directoryUrl,
            reload: 'nginx',
            dns: { server: dns.primary.address, zone: ZONE, keyFile: 'acme.key' },
          },
        },
      },
    },
    { 'acme.key': await readFile(dns.keyFile, 'utf8') },
  );
  env = { NODE_EXTRA_CA_CERTS: pebble.caFile, XDG_STATE_HOME: join(dir, 'state') };
  for (const host of HOSTS) await addTlsSite(run, host, { domains: DOMAINS, certPath: CERT, keyPath: KEY });
});

afterAll(async () => {
  for (const host of HOSTS) await restoreNginx(run, host, ['/etc/ship/certs']).catch(() => {});
  await pebble?.stop();
  await dns?.stop();
});

/** The leaf h serves for `servername`, verified against Pebble's root. */
function served(host: string, servername: string, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address(host), port: 443, servername, ca, rejectUnauthorized: true });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS timeout')));
    socket.once('secureConnect', () => {
      const peer = socket.getPeerX509Certificate();
      socket.end();
      if (peer) resolve(peer);
      else reject(new Error('no certificate'));
    });
    socket.once('error', reject);
  });
}

async function untilGone(server: DnsServers['primary']): Promise<void> {
  // The secondary hears of the deletion by NOTIFY, a moment after the primary.
  while ((await dns.txt(server, RECORD)).length > 0) await new Promise((r) => setTimeout(r, 200));
}

describe('ship certs with DNS-01', () => {
  it('gets a wildcard certificate, waiting until every authoritative server answers, then removes the records', async () => {
    // The secondary is frozen: it cannot take the new records until it is let go.
    await dns.pause();
    let stderr = '';
    const child = execa('node', [join(REPO, 'bin/ship'), 'certs', 'renew', '--no-random-sleep', '--verbose'], {
      cwd: dir,
      env: { ...env, SHIP_NO_COLOR: '1' },
      reject: false,
      stdin: 'ignore',
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      while (!stderr.includes(`waiting for ${dns.secondary.name} (${dns.secondary.address})`)) {
        if (child.exitCode !== null) throw new Error(`ship exited early: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // ship added both values (the wildcard's and the name's) on the primary, and has not yet
      // let the CA look: Pebble has validated nothing while one server lacks the records.
      expect((await dns.txt(dns.primary, RECORD)).length).toBe(2);
      expect(await readFile(pebble.logFile, 'utf8')).not.toContain('Pulled a task from the Tasks queue');
    } finally {
      await dns.resume();
    }
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^prod: renewed \*\.dns\.ship\.test, dns\.ship\.test on h1, h2: serial [0-9a-f]+, expires \S+ \(due: no certificate at \/etc\/ship\/certs\/dns\.ship\.test\/fullchain\.pem on h1, h2\)$/,
    );
    expect(r.stderr).toContain(`${dns.secondary.name} (${dns.secondary.address}) answers the DNS-01 records`);
    expect(r.stderr).toMatch(/\*\.dns\.ship\.test: validated over DNS-01/);

    // Both names, on both hosts, for any name under the wildcard; openssl agrees.
    const root = await pebble.root();
    for (const host of HOSTS) {
      for (const name of ['anything.dns.ship.test', ZONE])
        expect((await served(host, name, root)).subjectAltName).toBe('DNS:*.dns.ship.test, DNS:dns.ship.test');
    }
    const pem = await run('h1', `sudo -n cat ${CERT}`);
    const text = (await execa('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: pem })).stdout;
    expect(text).toContain('DNS:*.dns.ship.test, DNS:dns.ship.test');
    // No HTTP-01 anywhere: no webroot was given, none was written to.
    for (const host of HOSTS) expect(await run(host, 'sudo -n test -e /var/www/html/.well-known && echo there || echo none')).toBe('none');

    // The records are gone from the primary (ship deleted them before it exited) and, once it
    // hears of it, from the secondary.
    expect(await dns.txt(dns.primary, RECORD)).toEqual([]);
    await untilGone(dns.secondary);
  });

  it('says in one paragraph when the DNS server refuses the key, and changes nothing', async () => {
    const before = await Promise.all(HOSTS.map((h) => run(h, `sudo -n sha256sum ${CERT} ${KEY}`)));
    const wrong = (await execa('tsig-keygen', ['-a', 'hmac-sha256', 'not-the-key'])).stdout;
    await writeFile(join(dir, 'acme.key'), `${wrong}\n`);
    try {
      const r = await ship(['certs', 'renew', '--force', '--no-random-sleep'], { cwd: dir, env });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        [
          `error: prod: *.dns.ship.test, dns.ship.test: could not add the DNS-01 record ${RECORD} TXT: ${dns.primary.address} did not accept the TSIG key "not-the-key" (NOTAUTH, BADKEY)`,
          `  next: check that ${dns.primary.address} takes updates of ${ZONE} signed with the key "not-the-key" in ${join(dir, 'acme.key')} (BIND: update-policy { grant not-the-key zonesub TXT; };), then run: ship certs renew prod`,
        ].join('\n'),
      );
      expect(r.stderr).not.toContain(wrong.match(/secret "([^"]+)"/)![1]!);
      expect(await Promise.all(HOSTS.map((h) => run(h, `sudo -n sha256sum ${CERT} ${KEY}`)))).toEqual(before);
      expect(await dns.txt(dns.primary, RECORD)).toEqual([]);
    } finally {
      await writeFile(join(dir, 'acme.key'), await readFile(dns.keyFile, 'utf8'));
    }
  });

  it("leaves the lab's network as it found it: ports that come and go keep the bridge's neighbours", async () => {
    await dns.stop();
    // The DNS servers' ports came and went on the lab's bridge. One more, with the lowest MAC
    // there is, which a bridge without an address of its own would take, changing its own.
    const port = `shv${lab().id}probe`;
    await execa('ip', ['link', 'add', port, 'address', '00:00:00:00:00:01', 'type', 'veth', 'peer', 'name', `${port}p`]);
    await execa('ip', ['link', 'set', port, 'master', lab().bridge, 'up']);
    await execa('ip', ['link', 'del', port]);
    // The dead address other tests rely on for a connect that times out keeps its permanent entry.
    expect((await execa('ip', ['neigh', 'show', lab().deadAddress, 'dev', lab().bridge])).stdout).toContain('PERMANENT');
  });
});
