/**
 * A real ACME server for the certificate tests: Pebble (Let's Encrypt's test CA) and
 * pebble-challtestsrv (its fake DNS), both from Debian unstable's `pebble` 2.10 or newer
 * (pebble-package.ts fetches it), run on this machine. 2.10 serves ACME profiles
 * (`meta.profiles`) and renewal information (RFC 9773), as Let's Encrypt does.
 *
 * Everything listens on one address, normally the lab's gateway (10.213.N.1), so each lab has its
 * own CA without port clashes and nothing is reachable from outside this machine. Several CAs can
 * run side by side (`instance`, on ports 10 apart), each with its own root, like Let's Encrypt's
 * staging and production. Pebble resolves
 * names through challtestsrv, where tests add A records pointing the test domains at lab hosts,
 * and validates HTTP-01 on port 80 of those hosts, like Let's Encrypt would. With `dnsServer`,
 * Pebble asks that server instead (a real authoritative one, for DNS-01) and no challtestsrv runs.
 *
 * Pebble's own HTTPS listener gets a certificate made here with openssl; `caFile` is what a ship
 * child process must trust (NODE_EXTRA_CA_CERTS). The CA that signs issued certificates is a
 * different one, made fresh by Pebble at every start: `root()` fetches it from `/roots/0`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { execa } from 'execa';
import { killLeftovers, spawnLogged, stopChild, waitFor, writePids } from './children.js';
import { ensurePebble } from './pebble-package.js';

/** A certificate profile the CA offers, as in Pebble's `profiles` config. */
export interface PebbleProfile {
  description?: string;
  validitySeconds: number;
}

export interface PebbleOptions {
  /** Address every listener binds to: the lab gateway, so it is private to this machine. */
  address: string;
  /** Working directory for configs, certificates and logs; wiped at start. */
  dir: string;
  /** Lifetime of issued certificates in seconds, as the one profile `default`. */
  validitySeconds?: number;
  /** The profiles offered instead (Pebble picks one at random for an order that names none). */
  profiles?: Record<string, PebbleProfile>;
  /** 0 (default), 1, 2...: a separate CA (and fake DNS) on ports 10 * instance higher. */
  instance?: number;
  /** `host:port` of the DNS server Pebble resolves and validates DNS-01 with, instead of challtestsrv. */
  dnsServer?: string;
}

export interface Pebble {
  /** The ACME directory URL to put in hosts.ts (`certs.directory`). */
  directoryUrl: string;
  /** PEM of the CA that signed Pebble's listener certificate: pass it as NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** Pebble's log (requests, validations), for tests that check what the CA was asked. */
  logFile: string;
  /** Pebble's current root certificate (PEM), which issued certificates chain to. */
  root(): Promise<string>;
  /** Make challtestsrv answer A queries for `name` with `addresses`. */
  addA(name: string, addresses: string[]): Promise<void>;
  /**
   * What Pebble answers from now on for the renewal information of `certPem` (its leaf):
   * any text, even one that is not a renewal window (Pebble's management API).
   */
  setRenewalInfo(certPem: string, response: string): Promise<void>;
  /** Stop Pebble only (the "ACME server is down" case); `start()` brings it back with a new CA. */
  stopCa(): Promise<void>;
  start(): Promise<void>;
  /** Stop both processes. */
  stop(): Promise<void>;
}

export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const { address, dir } = options;
  const offset = 10 * (options.instance ?? 0);
  const ports = { acme: 14000 + offset, management: 15000 + offset, dns: 8053 + offset, dnsManagement: 8055 + offset };
  await killLeftovers(dir, (program) => /\/pebble(-challtestsrv)?$/.test(program));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const caFile = join(dir, 'listener-ca.pem');
  const ca = await listenerCertificate(dir, address);
  const binaries = await ensurePebble();
  const profiles = options.profiles ?? { default: { validitySeconds: options.validitySeconds ?? 90 * 86_400 } };

  const config = join(dir, 'pebble-config.json');
  await writeFile(
    config,
    JSON.stringify(
      {
        pebble: {
          listenAddress: `${address}:${ports.acme}`,
          managementListenAddress: `${address}:${ports.management}`,
          certificate: ca.cert,
          privateKey: ca.key,
          // Validate HTTP-01 on the real port 80 of the test hosts, as Let's Encrypt does.
          httpPort: 80,
          tlsPort: 443,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
          profiles: Object.fromEntries(
            Object.entries(profiles).map(([name, p]) => [
              name,
              { description: p.description ?? `${name} (${p.validitySeconds} s)`, validityPeriod: p.validitySeconds },
            ]),
          ),
        },
      },
      null,
      2,
    ),
  );

  const dnsManagement = `http://${address}:${ports.dnsManagement}`;
  const challtestsrv = options.dnsServer
    ? undefined
    : spawnLogged(dir, 'challtestsrv', binaries.challtestsrv, [
        '-dnsserver',
        `${address}:${ports.dns}`,
        '-management',
        `${address}:${ports.dnsManagement}`,
        // Only the fake DNS is wanted; its own challenge servers would take ports for nothing.
        '-http01',
        '',
        '-https01',
        '',
        '-tlsalpn01',
        '',
        '-doh',
        '',
        // Unknown names resolve to a dead address, and no AAAA, so Pebble never tries ::1.
        '-defaultIPv4',
        '127.0.0.9',
        '-defaultIPv6',
        '',
      ]);
  // Pids on disk at once: a start that fails half-way must not leave ports taken for the next one.
  await writePids(dir, [challtestsrv?.pid]);
  if (challtestsrv) await waitFor(`challtestsrv at ${dnsManagement}`, () => httpGet(`${dnsManagement}/`), challtestsrv);
  const dnsServer = options.dnsServer ?? `${address}:${ports.dns}`;

  let pebble: ChildProcess | undefined;
  const directoryUrl = `https://${address}:${ports.acme}/dir`;
  const management = `https://${address}:${ports.management}`;
  const caPem = await readFile(caFile, 'utf8');

  const start = async () => {
    pebble = spawnLogged(dir, 'pebble', binaries.pebble, ['-config', config, '-dnsserver', dnsServer], {
      // No artificial validation delays, no rejected nonces, and every order validates afresh
      // (no reused authorizations), so each test really exercises HTTP-01 on the hosts.
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
    });
    await writePids(dir, [challtestsrv?.pid, pebble.pid]);
    await waitFor(`pebble at ${directoryUrl}`, () => httpsGet(directoryUrl, caPem), pebble);
  };
  const stopCa = async () => {
    if (pebble) await stopChild(pebble);
    pebble = undefined;
  };
  await start();

  return {
    directoryUrl,
    caFile,
    logFile: join(dir, 'pebble.log'),
    root: () => httpsGet(`${management}/roots/0`, caPem),
    addA: async (name, addresses) => {
      if (!challtestsrv) throw new Error(`this Pebble resolves names with ${dnsServer}; add the record there`);
      await httpPost(`${dnsManagement}/add-a`, JSON.stringify({ host: name, addresses }));
    },
    setRenewalInfo: async (certPem, response) => {
      const leaf = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(certPem)?.[0] ?? certPem;
      await httpPost(`${management}/set-renewal-info/`, JSON.stringify({ Certificate: leaf, ARIResponse: response }), caPem);
    },
    stopCa,
    start,
    stop: async () => {
      await stopCa();
      if (challtestsrv) await stopChild(challtestsrv);
      await rm(join(dir, 'pids'), { force: true });
    },
  };
}

/** A throwaway CA and a listener certificate for `address`, made with openssl. */
async function listenerCertificate(dir: string, address: string): Promise<{ cert: string; key: string }> {
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await execa('openssl', [
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=ship test listener CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    file('listener-ca.key'),
    '-out',
    file('listener-ca.pem'),
  ]);
  await execa('openssl', [
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=pebble',
    '-CA',
    file('listener-ca.pem'),
    '-CAkey',
    file('listener-ca.key'),
    '-addext',
    `subjectAltName=IP:${address},DNS:localhost`,
    '-addext',
    'basicConstraints=CA:FALSE',
    '-addext',
    'extendedKeyUsage=serverAuth',
    '-keyout',
    file('listener.key'),
    '-out',
    file('listener.pem'),
  ]);
  return { cert: file('listener.pem'), key: file('listener.key') };
}

// Pebble 2.10 refuses requests without one, as RFC 8555 section 6.1 allows.
const USER_AGENT = 'ship-tests';

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, timeout: 5_000, headers: { 'user-agent': USER_AGENT } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if ((res.statusCode ?? 0) >= 400) reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${body}`));
        else resolve(body);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** POST JSON; over https (Pebble's management API) with `ca` as the trusted root. */
function httpPost(url: string, body: string, ca?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = { method: 'POST', timeout: 5_000, headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT } };
    const req = ca ? httpsRequest(url, { ...options, ca }, done) : httpRequest(url, options, done);
    function done(res: IncomingMessage): void {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`POST ${url}: HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
        else resolve();
      });
    }
    req.on('timeout', () => req.destroy(new Error(`POST ${url}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
