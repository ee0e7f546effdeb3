/**
 * What Let's Encrypt offers since 2025-2026, against Pebble 2.10, which offers the same: profiles
 * in its directory (`meta.profiles`: here classic 90 days, tlsserver 45 days, shortlived 160
 * hours), renewal information (RFC 9773) and IP-address certificates. Real orders, validated over
 * HTTP-01 on h1's port 80; nothing mocked.
 *
 * The tests build on each other: a shortlived certificate, a refused profile, a profile change,
 * a revocation that the CA's renewal window reports, an IP certificate, then monitoring.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import acme from 'acme-client';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ariCertId } from '../../src/acme/ari.js';
import { addTlsSite, restoreNginx } from '../hosts/nginx-site.js';
import { startPebble, type Pebble } from '../hosts/pebble.js';
import { address, lab, onHost, project, ship, writeHosts } from './support.js';

const NAME = 'p.ship.test';
const CERT = `/etc/ship/certs/${NAME}/fullchain.pem`;
const KEY = `/etc/ship/certs/${NAME}/privkey.pem`;
const HOUR = 3600;
const DAY = 86_400;

let pebble: Pebble;
let dir: string;
let env: Record<string, string>;

const run = (host: string, script: string) => onHost(host, script);
const renew = (...args: string[]) => ship(['certs', 'renew', ...args, '--no-random-sleep'], { cwd: dir, env });
const config = (certs: Record<string, unknown>) => ({
  app: 'hello',
  stages: {
    prod: {
      hosts: ['h1'],
      path: '/srv/hello',
      certs: {
        domains: [NAME],
        email: 'ops@ship.test',
        webroot: '/var/www/html',
        directory: pebble.directoryUrl,
        reload: 'nginx',
        ...certs,
      },
    },
  },
});

beforeAll(async () => {
  pebble = await startPebble({
    address: lab().gateway,
    dir: join(tmpdir(), `ship-pebble-lab${lab().id}-profiles`),
    instance: 3,
    profiles: {
      classic: { description: 'The same profile you know', validitySeconds: 90 * DAY },
      tlsserver: { description: 'serverAuth only, 45 days', validitySeconds: 45 * DAY },
      shortlived: { description: '160 hours', validitySeconds: 160 * HOUR },
    },
  });
  await pebble.addA(NAME, [address('h1')]);
  dir = await project(config({ profile: 'shortlived' }));
  env = { NODE_EXTRA_CA_CERTS: pebble.caFile, XDG_STATE_HOME: join(dir, 'state') };
  await addTlsSite(run, 'h1', { domains: [NAME], certPath: CERT, keyPath: KEY });
});

afterAll(async () => {
  await restoreNginx(run, 'h1', ['/etc/ship/certs']).catch(() => {});
  await pebble?.stop();
});

/** notBefore, notAfter and the names, as openssl prints them. */
async function openssl(pem: string): Promise<{ notBefore: Date; notAfter: Date; san: string }> {
  const text = (await execa('openssl', ['x509', '-noout', '-startdate', '-enddate', '-ext', 'subjectAltName'], { input: pem })).stdout;
  const field = (name: string) => new Date(/^(\w+)=(.+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name}=`)) ?? '')?.[2] ?? '');
  return { notBefore: field('notBefore'), notAfter: field('notAfter'), san: text.split('\n').at(-1)!.trim() };
}

const onDisk = (path = CERT) => run('h1', `sudo -n cat ${path}`);
const origin = async (path = CERT) => JSON.parse(await run('h1', `sudo -n cat ${path}.ship.json`)) as Record<string, string>;
const iso = (ms: number) => new Date(ms).toISOString();

describe('certificate profiles', () => {
  it("issues a shortlived certificate: 160 hours as openssl shows it, renewed inside the CA's own window", async () => {
    const r = await renew();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^prod: renewed p\.ship\.test on h1: serial [0-9a-f]+, expires \S+ \(due: no certificate at /);
    const pem = await onDisk();
    const { notBefore, notAfter, san } = await openssl(pem);
    // Pebble ends the validity period one second early, as Let's Encrypt does.
    expect((notAfter.getTime() - notBefore.getTime()) / 1000).toBe(160 * HOUR - 1);
    expect(san).toBe(`DNS:${NAME}`);
    expect(await origin()).toEqual({
      directoryUrl: pebble.directoryUrl,
      fingerprint: new X509Certificate(pem).fingerprint256,
      profile: 'shortlived',
    });

    // Not due, and when: inside the window Pebble suggests (2/3 of the lifetime, give or take a
    // day), not by ship's own rule for short lifetimes (half of it).
    const again = await renew('--verbose');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    const ideal = notAfter.getTime() - (160 * HOUR * 1000) / 3;
    const window = `the CA's renewal window ${iso(ideal - DAY * 1000)} to ${iso(ideal + DAY * 1000)}`;
    expect(again.stderr).toMatch(
      new RegExp(`not due: renews in \\d+ (days|hours), inside ${window.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'),
    );
  });

  it('refuses a profile the CA does not offer before anything is ordered, naming those it offers', async () => {
    const typo = await project(config({ profile: 'short-lived' }));
    const state = join(typo, 'state');
    const before = await run('h1', `sudo -n sha256sum ${CERT}`);
    const r = await ship(['certs', 'renew', '--force', '--no-random-sleep'], { cwd: typo, env: { ...env, XDG_STATE_HOME: state } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        `error: prod: p.ship.test: certs.profile "short-lived" is not a profile the CA at ${pebble.directoryUrl} offers; it offers: classic (The same profile you know), shortlived (160 hours), tlsserver (serverAuth only, 45 days)`,
        "  next: set certs.profile in hosts.ts to one of classic, shortlived, tlsserver, or remove it for the CA's default, then run: ship certs renew prod",
      ].join('\n'),
    );
    // Not even an account was made, and the host is as it was.
    expect(existsSync(join(state, 'ship', 'acme'))).toBe(false);
    expect(await run('h1', `sudo -n sha256sum ${CERT}`)).toBe(before);
  });

  it("renews when the profile changes, and the new certificate has the new profile's lifetime", async () => {
    await writeHosts(dir, config({ profile: 'classic' }));
    const status = await ship(['certs', 'status'], { cwd: dir, env });
    expect(status.stdout).toMatch(
      /^prod\s+h1\s+.*\s+yes: h1: profile changed: ordered with profile "shortlived"; hosts\.ts names "classic"$/m,
    );
    const r = await renew();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\(due: h1: profile changed: ordered with profile "shortlived"; hosts\.ts names "classic"\)$/);
    const { notBefore, notAfter } = await openssl(await onDisk());
    expect((notAfter.getTime() - notBefore.getTime()) / 1000).toBe(90 * DAY - 1);
    expect((await origin()).profile).toBe('classic');
  });

  it("renews at once when the CA's renewal window says so (the certificate was revoked), replacing it", async () => {
    // Revoked with the account ship registered, as a CA revokes a batch it mis-issued.
    const pem = await onDisk();
    const accountDir = join(dir, 'state', 'ship', 'acme');
    const [account] = await import('node:fs/promises').then((fs) => fs.readdir(accountDir));
    const client = new acme.Client({
      directoryUrl: pebble.directoryUrl,
      accountKey: await readFile(join(accountDir, account!, 'account.key')),
      accountUrl: (JSON.parse(await readFile(join(accountDir, account!, 'account.json'), 'utf8')) as { url: string }).url,
    });
    acme.axios.defaults.httpsAgent = new Agent({ ca: await readFile(pebble.caFile, 'utf8') });
    await client.revokeCertificate(pem);

    // A fresh 90-day certificate, yet due: Pebble answers a window that has passed.
    const r = await renew('--verbose');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^prod: renewed p\.ship\.test on h1: serial [0-9a-f]+, expires \S+ \(due: the CA's renewal window is open, \S+ to \S+\)$/,
    );
    const id = ariCertId(new X509Certificate(pem))!;
    expect(r.stderr).toContain(`with profile classic, replacing ${id}`);
    expect(await readFile(pebble.logFile, 'utf8')).toMatch(/ARI: order "\S+" is a replacement of "\S+"/);
    expect(await onDisk()).not.toBe(pem);

    // The new one is not due: quiet again.
    const again = await renew();
    expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('removing the profile', () => {
  it("renews a shortlived certificate at once when hosts.ts names no profile any more (the CA's default is another profile)", async () => {
    await writeHosts(dir, config({ profile: 'shortlived' }));
    const short = await renew();
    expect(short.code, short.stderr).toBe(0);
    expect((await origin()).profile).toBe('shortlived');
    const pem = await onDisk();

    await writeHosts(dir, config({}));
    const status = await ship(['certs', 'status'], { cwd: dir, env });
    expect(status.stdout).toMatch(
      /^prod\s+h1\s+.*\s+yes: h1: profile changed: ordered with profile "shortlived"; hosts\.ts names none \(the CA's default\)$/m,
    );
    const r = await renew();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\(due: h1: profile changed: ordered with profile "shortlived"; hosts\.ts names none \(the CA's default\)\)$/);
    expect(await onDisk()).not.toBe(pem);
    // Recorded as ordered without a profile: the next run is quiet, whichever profile the CA chose.
    expect((await origin()).profile).toBeUndefined();
    const again = await renew();
    expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('IP-address certificates', () => {
  const ip = () => address('h1');
  const ipCert = () => `/etc/ship/certs/${ip()}/fullchain.pem`;

  it("gets a certificate for h1's address over HTTP-01 to that address", async () => {
    await addTlsSite(run, 'h1', { domains: [ip()], certPath: ipCert(), keyPath: `/etc/ship/certs/${ip()}/privkey.pem` });
    await writeHosts(dir, config({ domains: [ip()], profile: 'shortlived' }));
    const r = await renew();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^prod: renewed ${ip().replaceAll('.', '\\.')} on h1: serial [0-9a-f]+,`));
    expect(await readFile(pebble.logFile, 'utf8')).toContain(
      `Attempting to validate w/ HTTP: http://${ip()}:80/.well-known/acme-challenge/`,
    );
    expect((await openssl(await onDisk(ipCert()))).san).toBe(`IP Address:${ip()}`);
    // Served on h1's address, verified against Pebble's root for that address (no SNI).
    const root = await pebble.root();
    const peer = await new Promise<X509Certificate>((resolve, reject) => {
      const socket = connect({ host: ip(), port: 443, ca: root, rejectUnauthorized: true });
      socket.once('secureConnect', () => {
        resolve(socket.getPeerX509Certificate()!);
        socket.end();
      });
      socket.once('error', reject);
    });
    expect(peer.subjectAltName).toBe(`IP Address:${ip()}`);
  });
});

describe('ship certs status for monitoring', () => {
  const status = (...args: string[]) => ship(['certs', 'status', ...args], { cwd: dir, env });

  it('exits 0 outside the --warn threshold, 1 inside it, 2 for a threshold it cannot read', async () => {
    // The shortlived certificate of the previous test: 160 hours, so 6 whole days left.
    expect((await status()).code).toBe(0);
    expect((await status('--warn', '6')).code).toBe(0);
    expect((await status('--warn', '0.5')).code).toBe(0);
    const seven = await status('--warn', '7');
    expect(seven.code).toBe(1);
    expect(seven.stderr).toMatch(/^needs attention: prod h1: expires \S+, fewer than 7 days left$/m);
    const bad = await status('--warn', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: --warn: expected a number of days such as 14, or a fraction of the lifetime such as 0.2 or 1/6, got "soon"',
    );
  });

  it('exits 3 when a host cannot be reached, and nothing else is wrong', async () => {
    const unreachable = await project({
      ...config({}),
      stages: { prod: { ...config({}).stages.prod, hosts: [`deploy@${lab().deadAddress}`] } },
    });
    const r = await ship(['certs', 'status'], { cwd: unreachable, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`needs attention: prod deploy@${lab().deadAddress}: `);
  });
});
