/**
 * `ship certs` against a real ACME server (Pebble, on this machine) and real hosts (h1, h2)
 * running nginx. Nothing is mocked: Pebble validates HTTP-01 on port 80 of the hosts, and the
 * checks look at the hosts over OpenSSH and at what they serve over TLS from here.
 *
 * The two names resolve to different hosts (a -> h1, b -> h2), so an order only succeeds when
 * each token is on every host. Certificates live 60 seconds, so renewal by lifetime is tested by
 * waiting for it, not by pretending: under 10 days of lifetime a certificate is due at 1/2.
 *
 * The tests run in order and build on each other, like a server's life: first issuance, quiet
 * re-runs, a broken nginx, renewal by age, the CA going down.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:tls';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machineFingerprint, processStart } from '../../src/local/process-identity.js';
import { startPebble, type Pebble } from '../hosts/pebble.js';
import { addTlsSite, breakNginx, nginxWorkers, repairNginx, restoreNginx } from '../hosts/nginx-site.js';
import { address, lab, onHost, project, REPO, ship, writeHosts } from './support.js';

const DOMAINS = ['a.ship.test', 'b.ship.test'];
const CERT_DIR = '/etc/ship/certs/a.ship.test';
const KEY = `${CERT_DIR}/privkey.pem`;
const CERT = `${CERT_DIR}/fullchain.pem`;
const HOSTS = ['h1', 'h2'];
const VALIDITY_S = 60;

let pebble: Pebble;
let dir: string;
let env: Record<string, string>;

const run = (host: string, script: string) => onHost(host, script);

/**
 * Pebble 2.10 offers renewal information (RFC 9773), and ship follows it. For a certificate that
 * lives 60 seconds Pebble's window is the whole lifetime, so ship would renew at a random moment.
 * The tests of this file are about the lifetime rule, which ship follows for a CA without usable
 * renewal information: every certificate issued here gets an answer from Pebble that is not a
 * window (renewal information itself is tested in certs-profiles.test.ts).
 */
async function withoutRenewalInfo(): Promise<void> {
  // Both hosts at once: the checks of a fresh certificate below have its first 30 seconds.
  await Promise.all(
    HOSTS.map(async (host) => {
      const pem = await run(host, `sudo -n cat ${CERT} 2>/dev/null || true`);
      // A certificate from before Pebble restarted is unknown to it, and asks ship nothing.
      if (pem) await pebble.setRenewalInfo(pem, 'no renewal window here').catch(() => {});
    }),
  );
}

const renew = async (...args: string[]) => {
  const result = await ship(['certs', 'renew', ...args, '--no-random-sleep'], { cwd: dir, env });
  if (!args.includes('--dry-run')) await withoutRenewalInfo();
  return result;
};

const certs = (directory: string) => ({
  domains: DOMAINS,
  email: 'ops@ship.test',
  webroot: '/var/www/html',
  directory,
  reload: 'nginx',
});

beforeAll(async () => {
  // A fixed directory per lab, so a run killed half-way has its Pebble stopped by the next one.
  pebble = await startPebble({ address: lab().gateway, dir: join(tmpdir(), `ship-pebble-lab${lab().id}`), validitySeconds: VALIDITY_S });
  await pebble.addA('a.ship.test', [address('h1')]);
  await pebble.addA('b.ship.test', [address('h2')]);
  dir = await project({ app: 'hello', stages: { prod: { hosts: HOSTS, path: '/srv/hello', certs: certs(pebble.directoryUrl) } } });
  env = { NODE_EXTRA_CA_CERTS: pebble.caFile, XDG_STATE_HOME: join(dir, 'state') };
  for (const host of HOSTS) await addTlsSite(run, host, { domains: DOMAINS, certPath: CERT, keyPath: KEY });
});

afterAll(async () => {
  // Leave h1 and h2 as the other test files expect them: the base image's nginx, no certificates.
  for (const host of HOSTS) await restoreNginx(run, host, ['/etc/ship/certs']).catch(() => {});
  await pebble?.stop();
});

/** What a host serves on 443 for `servername`, seen from this machine. With `ca`, verified against it. */
function served(host: string, options: { servername?: string; ca?: string } = {}): Promise<{ serial: string; fingerprint: string }> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({
      host: address(host),
      port: 443,
      servername: options.servername ?? DOMAINS[0],
      ...(options.ca ? { ca: options.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS timeout')));
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      resolvePromise({ serial: peer.serialNumber.toLowerCase(), fingerprint: peer.fingerprint256 });
    });
    socket.once('error', reject);
  });
}

/** The certificate file on a host, parsed here. */
async function onDisk(host: string): Promise<X509Certificate> {
  return new X509Certificate(await run(host, `sudo -n cat ${CERT}`));
}

/** Inode, mtime and hash of key and chain: "untouched" means all three unchanged. */
function fileState(host: string): Promise<string> {
  return run(host, `sudo -n stat -c '%n %i %Y' ${KEY} ${CERT} && sudo -n sha256sum ${KEY} ${CERT}`);
}

const renewedLine = /^prod: renewed a\.ship\.test, b\.ship\.test on h1, h2: serial ([0-9a-f]+), expires \S+ \(due: .+\)$/;

async function waitUntil(when: Date): Promise<void> {
  const ms = when.getTime() - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

describe('ship certs', () => {
  let serial = '';

  it('issues a certificate on the first run and installs it on both hosts', async () => {
    const r = await renew();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(renewedLine);
    expect(r.stdout).toContain('no certificate at /etc/ship/certs/a.ship.test/fullchain.pem on h1, h2');
    serial = renewedLine.exec(r.stdout)![1]!;

    // Both hosts serve that certificate, and its chain verifies against Pebble's root for both names.
    const root = await pebble.root();
    for (const host of HOSTS) {
      for (const servername of DOMAINS) expect((await served(host, { servername, ca: root })).serial).toBe(serial);
      expect(await run(host, `sudo -n stat -c '%a %U' ${KEY}`)).toBe('600 root');
      // The HTTP-01 tokens were removed from every host.
      expect(await run(host, 'ls -A /var/www/html/.well-known/acme-challenge/')).toBe('');
    }
    const leaf = await onDisk('h1');
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(leaf.subjectAltName).toBe('DNS:a.ship.test, DNS:b.ship.test');
    expect((await served('h1')).fingerprint).toBe((await served('h2')).fingerprint);

    // The ACME account: one key, 0600, in a 0700 directory under $XDG_STATE_HOME/ship/acme/.
    const accounts = join(dir, 'state/ship/acme');
    const [account] = readdirSync(accounts);
    expect((await stat(join(accounts, account!, 'account.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(accounts, account!))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(join(accounts, account!, 'account.json'), 'utf8'))).toMatchObject({
      directoryUrl: pebble.directoryUrl,
    });
  });

  it('is silent on a second run and changes nothing', async () => {
    const before = await Promise.all(HOSTS.map(async (h) => [await fileState(h), await nginxWorkers(run, h)]));
    const r = await renew();
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    const after = await Promise.all(HOSTS.map(async (h) => [await fileState(h), await nginxWorkers(run, h)]));
    expect(after).toEqual(before);
  });

  it('shows what a forced run would do under --dry-run, and does nothing', async () => {
    const before = await Promise.all(HOSTS.map(fileState));
    const r = await renew('--force', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('prod: a.ship.test, b.ship.test is due (forced (--force)); would order from');
    expect(r.stdout).toContain('h1 |     sudo -n -- nginx -t');
    expect(r.stdout).toContain('h2 |     sudo -n -- systemctl reload nginx');
    expect(await Promise.all(HOSTS.map(fileState))).toEqual(before);
  });

  it('certs status: a table, exit 0 while the certificate is fresh', async () => {
    const r = await ship(['certs', 'status'], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^STAGE\s+HOST\s+DOMAINS\s+ISSUER\s+NOT AFTER\s+DAYS LEFT\s+DUE$/);
    for (const host of HOSTS) {
      expect(r.stdout).toMatch(
        new RegExp(`^prod\\s+${host}\\s+a\\.ship\\.test,b\\.ship\\.test\\s+Pebble Intermediate CA \\S+\\s+\\S+Z\\s+<1\\s+no$`, 'm'),
      );
    }
  });

  it('does not reload a broken nginx config, reports it, and keeps the old certificate there', async () => {
    await breakNginx(run, 'h1');
    try {
      const workers = await nginxWorkers(run, 'h1');
      const before = await fileState('h1');
      const r = await renew('--force');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'error: prod: a.ship.test, b.ship.test: h1: `sudo -n -- nginx -t` failed, so nginx was not reloaded and the previous certificate was put back',
      );
      expect(r.stderr).toMatch(/unknown directive "this_is_not_a_directive"/);
      expect(r.stderr).toContain('next: fix the nginx configuration on h1 until `sudo nginx -t` passes, then run: ship certs renew prod');
      const fresh = /^prod: renewed a\.ship\.test, b\.ship\.test on h2 \(not on h1\): serial ([0-9a-f]+),/.exec(r.stdout)?.[1];
      expect(fresh).toBeDefined();
      expect(fresh).not.toBe(serial);

      // h1: same nginx workers (no reload), same files, still serving the old certificate.
      expect(await nginxWorkers(run, 'h1')).toBe(workers);
      expect(await fileState('h1')).toBe(before);
      expect((await served('h1')).serial).toBe(serial);
      // h2 took the new one.
      expect((await served('h2')).serial).toBe(fresh);

      // Once nginx is fixed, a plain run puts the same certificate on h1 without a new order.
      await repairNginx(run, 'h1');
      const again = await renew();
      expect(again.stderr).toBe('');
      expect(again.code).toBe(0);
      const expires = new Date((await onDisk('h2')).validTo).toISOString();
      expect(again.stdout).toBe(
        `prod: installed a.ship.test, b.ship.test on h1: serial ${fresh}, expires ${expires} (issued earlier, not yet on every host)`,
      );
      expect((await served('h1')).serial).toBe(fresh);
      serial = fresh!;
    } finally {
      await repairNginx(run, 'h1');
    }
  });

  it('renews once the certificate has passed 2/3 of its lifetime', async () => {
    const cert = await onDisk('h1');
    const notBefore = new Date(cert.validFrom).getTime();
    const lifetime = new Date(cert.validTo).getTime() - notBefore;
    await waitUntil(new Date(notBefore + (lifetime * 2) / 3 + 1000));

    const r = await renew();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(renewedLine);
    expect(r.stdout).toMatch(/\(due: expires in \d+ seconds, less than 1\/2 of its lifetime \(\d+ seconds\) is left\)$/);
    const renewed = renewedLine.exec(r.stdout)![1]!;
    expect(renewed).not.toBe(serial);
    for (const host of HOSTS) expect((await served(host, { ca: await pebble.root() })).serial).toBe(renewed);
    serial = renewed;
  }, 90_000);

  it('certs status exits non-zero in the last 1/6 of the lifetime', async () => {
    const cert = await onDisk('h1');
    const notAfter = new Date(cert.validTo).getTime();
    const lifetime = notAfter - new Date(cert.validFrom).getTime();
    await waitUntil(new Date(notAfter - lifetime / 6 + 1000));

    const r = await ship(['certs', 'status', 'prod'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^prod\s+h1\s+.*\s+yes: expires in \d+ seconds/m);
    expect(r.stderr).toMatch(/^needs attention: prod h1: expires \S+, within the last 1\/6 of its lifetime$/m);
    expect(r.stderr).toMatch(/^needs attention: prod h2: /m);
  }, 90_000);

  it('leaves the files untouched and exits non-zero when the ACME server is down', async () => {
    const before = await Promise.all(HOSTS.map(fileState));
    await pebble.stopCa();
    try {
      const r = await renew();
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        `error: prod: a.ship.test, b.ship.test: could not get a new certificate: cannot reach the ACME server at ${pebble.directoryUrl}: connect ECONNREFUSED`,
      );
      expect(r.stderr).toContain('the certificate and key on the hosts are unchanged');
      expect(r.stderr).toContain(`next: check that ${pebble.directoryUrl} is reachable from this machine, then run: ship certs renew prod`);
      expect(await Promise.all(HOSTS.map(fileState))).toEqual(before);
      for (const host of HOSTS) expect((await served(host)).serial).toBe(serial);
    } finally {
      await pebble.start();
    }
    // The CA is back (with a new root and no memory of the account): the next run recovers.
    const r = await renew();
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(renewedLine);
    const root = await pebble.root();
    for (const host of HOSTS) expect((await served(host, { ca: root })).serial).toBe(renewedLine.exec(r.stdout)![1]);
  });

  it('certs status exits non-zero when a certificate is missing, and 2 for a stage without certs', async () => {
    const other = await project({
      app: 'hello',
      stages: {
        prod: { hosts: ['h1'], path: '/srv/hello', certs: { ...certs(pebble.directoryUrl), domains: ['missing.ship.test'] } },
        bare: { hosts: ['h1'], path: '/srv/hello' },
      },
    });
    const r = await ship(['certs', 'status'], { cwd: other, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^prod\s+h1\s+missing\.ship\.test\s+-\s+-\s+-\s+yes: no certificate at \/etc\/ship\/certs\/missing\.ship\.test\/fullchain\.pem$/m,
    );
    expect(r.stderr).toContain('needs attention: prod h1: no certificate at /etc/ship/certs/missing.ship.test/fullchain.pem');
    const bare = await ship(['certs', 'status', 'bare'], { cwd: other, env });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('stage "bare"');
  });

  it('renews every stage with certs, and one stage failing does not stop the next', async () => {
    await pebble.addA('c.ship.test', [address('h2')]);
    const webroot = '/var/www/html';
    const multi = await project({
      app: 'hello',
      stages: {
        // First in the file, and its CA is unreachable (nothing listens on that port).
        down: {
          hosts: ['h1'],
          path: '/srv/hello',
          certs: { domains: ['d.ship.test'], email: 'ops@ship.test', webroot, directory: `https://${lab().gateway}:14999/dir` },
        },
        up: {
          hosts: ['h2'],
          path: '/srv/hello',
          certs: { domains: ['c.ship.test'], email: 'ops@ship.test', webroot, directory: pebble.directoryUrl },
        },
        plain: { hosts: ['h1'], path: '/srv/hello' },
      },
    });
    const r = await ship(['certs', 'renew', '--no-random-sleep'], { cwd: multi, env: { ...env, XDG_STATE_HOME: join(multi, 'state') } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^up: renewed c\.ship\.test on h2: serial [0-9a-f]+, expires \S+ \(due: no certificate at \/etc\/ship\/certs\/c\.ship\.test\/fullchain\.pem on h2\)$/,
    );
    expect(r.stderr).toContain(
      `error: down: d.ship.test: could not get a new certificate: cannot reach the ACME server at https://${lab().gateway}:14999/dir: connect ECONNREFUSED`,
    );
    expect(await run('h2', 'sudo -n test -s /etc/ship/certs/c.ship.test/fullchain.pem && echo there')).toBe('there');
    expect(await run('h1', 'sudo -n test -e /etc/ship/certs/d.ship.test || echo absent')).toBe('absent');
  });

  it('leaves every host untouched, exits non-zero and prints one paragraph when the CA rejects the order mid-way', async () => {
    // The name resolves to h1, but the webroot is one nginx does not serve: the CA's HTTP-01
    // check gets a 404 and the authorization fails after the order was created.
    await pebble.addA('e.ship.test', [address('h1')]);
    const files = () =>
      Promise.all(HOSTS.map((h) => run(h, `sudo sha256sum ${KEY} ${CERT} 2>&1; sudo stat -c '%i %Y' ${KEY} ${CERT} 2>&1`)));
    const before = await files();
    const bad = await project({
      app: 'hello',
      stages: {
        prod: {
          hosts: HOSTS,
          path: '/srv/hello',
          certs: {
            domains: ['e.ship.test'],
            email: 'ops@ship.test',
            webroot: '/var/www/not-served',
            directory: pebble.directoryUrl,
            reload: 'nginx',
            keyPath: KEY,
            certPath: CERT,
          },
        },
      },
    });
    const r = await ship(['certs', 'renew', '--no-random-sleep'], { cwd: bad, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // What cron mails: one paragraph. What failed first; under it, indented, the warnings met
    // on the way (each host's own check of its webroot); last, the one thing to do next.
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(
      /^error: prod: e\.ship\.test: could not get a new certificate: the CA could not validate e\.ship\.test over HTTP-01: .+; the certificate and key on the hosts are unchanged$/,
    );
    expect(lines.slice(1).filter((l) => !l.startsWith('  '))).toEqual([]);
    for (const h of HOSTS)
      expect(lines).toContain(
        `  ${h}: http://e.ship.test/.well-known/acme-challenge/ on this host does not serve /var/www/not-served (got HTTP 404); the CA may fail to validate`,
      );
    expect(lines.at(-1)).toBe(
      '  next: check that http://e.ship.test/.well-known/acme-challenge/ is served from /var/www/not-served on every host, on port 80 of the address the CA reaches, then run: ship certs renew prod',
    );
    expect(lines.filter((l) => l.includes('next:'))).toHaveLength(1);
    expect(await files()).toEqual(before);
    for (const h of HOSTS) expect((await run(h, 'sudo find /var/www/not-served -type f 2>/dev/null | wc -l')).trim()).toBe('0');
  });

  it('removes the HTTP-01 token from every host when writing it fails on one', async () => {
    // A file where h2's challenge directory should be: the token cannot be written there, while
    // the write on h1 (run at the same time, and awaited) succeeds.
    const challenges = '/var/www/html/.well-known/acme-challenge';
    await run('h2', `sudo rm -rf ${challenges} && sudo mkdir -p /var/www/html/.well-known && sudo touch ${challenges}`);
    try {
      const blocked = await project({
        app: 'hello',
        stages: {
          prod: {
            hosts: HOSTS,
            path: '/srv/hello',
            certs: { domains: ['f.ship.test'], email: 'ops@ship.test', webroot: '/var/www/html', directory: pebble.directoryUrl },
          },
        },
      });
      const r = await ship(['certs', 'renew', '--no-random-sleep'], {
        cwd: blocked,
        env: { ...env, XDG_STATE_HOME: join(blocked, 'state') },
      });
      // No token left anywhere: h1, where it was written, and h2, where only the blocking file is.
      expect(await run('h1', 'sudo find /var/www/html/.well-known -type f')).toBe('');
      expect(await run('h2', 'sudo find /var/www/html/.well-known -type f')).toBe(challenges);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error: prod: f.ship.test: h2: could not write the HTTP-01 token to ${challenges}/`);
      expect(r.stderr).toContain(`next: check that ${challenges} on h2 is a directory`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await run('h2', `sudo rm -f ${challenges}`);
    }
  });
});

describe('ship certs when certs.directory changes', () => {
  // Two CAs with their own roots, like Let's Encrypt's staging and production. Their
  // certificates live 90 days, so nothing here becomes due by age while the test runs.
  let staging: Pebble;
  let production: Pebble;
  let switched: string;
  let switchedEnv: Record<string, string>;
  const stage = (ca: Pebble) => ({ app: 'hello', stages: { prod: { hosts: HOSTS, path: '/srv/hello', certs: certs(ca.directoryUrl) } } });

  beforeAll(async () => {
    const ca = (instance: number) =>
      startPebble({
        address: lab().gateway,
        dir: join(tmpdir(), `ship-pebble-lab${lab().id}-${instance}`),
        validitySeconds: 90 * 86_400,
        instance,
      });
    [staging, production] = await Promise.all([ca(1), ca(2)]);
    for (const each of [staging, production]) {
      await each.addA('a.ship.test', [address('h1')]);
      await each.addA('b.ship.test', [address('h2')]);
    }
    switched = await project(stage(staging));
    // ship must reach both CAs' HTTPS listeners, each with its own listener CA.
    const cas = join(switched, 'listener-cas.pem');
    await writeFile(cas, (await readFile(staging.caFile, 'utf8')) + (await readFile(production.caFile, 'utf8')));
    switchedEnv = { NODE_EXTRA_CA_CERTS: cas, XDG_STATE_HOME: join(switched, 'state') };
  });

  afterAll(async () => {
    await repairNginx(run, 'h2');
    await Promise.all([staging?.stop(), production?.stop()]);
  });

  const verifiesAgainst = async (host: string, ca: Pebble) =>
    served(host, { ca: await ca.root() }).then(
      () => true,
      () => false,
    );
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  /** The due reason for a certificate from `from` when hosts.ts names `to`, as a pattern. */
  const fromTo = (from: Pebble, to: Pebble) =>
    `ordered from ${escape(from.directoryUrl)} \\(issuer Pebble Intermediate CA [0-9a-f]+\\); hosts\\.ts asks for ${escape(to.directoryUrl)}`;

  it("never installs the old CA's pending pair after the switch, and reports the old CA's certificate due", async () => {
    // Against "staging", with h2 unable to take the certificate (its nginx -t fails, as a host
    // that is down at install time would): h1 gets it, and the pair is kept as pending for h2.
    // --force: whatever earlier tests left on the hosts, this run orders.
    await breakNginx(run, 'h2');
    const first = await ship(['certs', 'renew', '--force', '--no-random-sleep'], { cwd: switched, env: switchedEnv });
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^prod: renewed a\.ship\.test, b\.ship\.test on h1 \(not on h2\): /);
    await repairNginx(run, 'h2');
    const stagingPair = await served('h1');
    expect(await verifiesAgainst('h1', staging)).toBe(true);

    // Switched to "production": the staging certificate is due, though it is fresh.
    await writeHosts(switched, stage(production));
    const status = await ship(['certs', 'status'], { cwd: switched, env: switchedEnv });
    expect(status.stdout).toMatch(new RegExp(`^prod\\s+h1\\s+.*\\s+yes: h1: ${fromTo(staging, production)}$`, 'm'));

    // The renewal orders from production and installs that on both hosts, never the staging pair.
    const r = await ship(['certs', 'renew', '--no-random-sleep'], { cwd: switched, env: switchedEnv });
    for (const host of HOSTS) {
      expect((await served(host)).fingerprint).not.toBe(stagingPair.fingerprint);
      expect(await verifiesAgainst(host, production)).toBe(true);
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(renewedLine);

    // Beside each certificate, the record of where it came from.
    for (const host of HOSTS) {
      expect(JSON.parse(await run(host, `sudo -n cat ${CERT}.ship.json`))).toEqual({
        directoryUrl: production.directoryUrl,
        fingerprint: (await served(host)).fingerprint,
      });
    }

    // And production's certificate is not due again: ship knows where it came from.
    const again = await ship(['certs', 'renew', '--no-random-sleep'], { cwd: switched, env: switchedEnv });
    expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });

    // Back to "staging": production's certificate, fresh and the same on both hosts, is due, and
    // staging's pair from the first run is gone (every host had a certificate since): a new order.
    await writeHosts(switched, stage(staging));
    const back = await ship(['certs', 'renew', '--no-random-sleep'], { cwd: switched, env: switchedEnv });
    expect(back.stderr).toBe('');
    expect(back.stdout).toMatch(
      new RegExp(
        `^prod: renewed a\\.ship\\.test, b\\.ship\\.test on h1, h2: serial [0-9a-f]+, expires \\S+ \\(due: h1: ${fromTo(production, staging)}\\)$`,
      ),
    );
    for (const host of HOSTS) {
      expect((await served(host)).fingerprint).not.toBe(stagingPair.fingerprint);
      expect(await verifiesAgainst(host, staging)).toBe(true);
    }
  });
});

describe('ship certs renew and deploys', () => {
  it('waits while a deploy holds the lock on a host, installs nothing meanwhile, then renews', async () => {
    const info = JSON.stringify({ user: 'alice', origin: 'laptop', pid: 1, command: 'ship deploy prod', time: '2026-01-01T00:00:00Z' });
    for (const host of HOSTS)
      await run(host, 'sudo mkdir -p /srv/certlock && sudo chown deploy: /srv/certlock && mkdir -p /srv/certlock/.ship');
    await run('h1', `mkdir /srv/certlock/.ship/lock && printf '%s\\n' '${info}' > /srv/certlock/.ship/lock/info`);
    const lockDir = await project({
      app: 'hello',
      stages: { prod: { hosts: HOSTS, path: '/srv/certlock', certs: certs(pebble.directoryUrl) } },
    });
    const before = await run('h1', `sudo sha256sum ${CERT} 2>/dev/null || echo none`);
    const child = execa('node', [join(REPO, 'bin/ship'), 'certs', 'renew', '--force', '--no-random-sleep', '--verbose'], {
      cwd: lockDir,
      env,
      reject: false,
      stdin: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 6000));
    expect(child.exitCode).toBeNull(); // still waiting for the deploy
    expect(await run('h1', `sudo sha256sum ${CERT} 2>/dev/null || echo none`)).toBe(before);
    await run('h1', 'rm -rf /srv/certlock/.ship/lock'); // the deploy ends
    const r = await child;
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/h1\s+\| waiting for the deploy lock held by alice@laptop pid 1 \(ship deploy prod\)/);
    expect(await run('h1', `sudo sha256sum ${CERT} 2>/dev/null || echo none`)).not.toBe(before);
    for (const host of HOSTS) expect(await run(host, 'ls -A /srv/certlock/.ship')).toBe('');
  });

  it('breaks a lock left by a dead ship of this machine (as a deploy does) instead of waiting it out', async () => {
    const child = spawn('sleep', ['30']);
    await once(child, 'spawn');
    const dead = { pid: child.pid!, start: processStart(child.pid!)! };
    child.kill('SIGKILL');
    await once(child, 'exit');
    const info = JSON.stringify({
      user: 'bob',
      origin: hostname(),
      machine: machineFingerprint(),
      ...dead,
      command: 'ship deploy prod',
      time: 't',
      token: 'dead',
    });
    await run(
      'h1',
      `mkdir -p /srv/certlock/.ship && mkdir /srv/certlock/.ship/lock && printf '%s\\n' '${info}' > /srv/certlock/.ship/lock/info`,
    );
    const lockDir = await project({
      app: 'hello',
      stages: { prod: { hosts: HOSTS, path: '/srv/certlock', certs: certs(pebble.directoryUrl) } },
    });
    const r = await ship(['certs', 'renew', '--force', '--no-random-sleep'], { cwd: lockDir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `h1 | breaking a stale lock left by a dead process (bob@${hostname()} pid ${dead.pid} (ship deploy prod) since t)`,
    );
    for (const host of HOSTS) expect(await run(host, 'ls -A /srv/certlock/.ship')).toBe('');
  });
});

describe('ship certs cron', () => {
  it('prints the line: twice a day, absolute node and ship, the config and the working directory', async () => {
    const r = await ship(['certs', 'cron', 'prod'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const config = join(dir, 'hosts.ts');
    const shipBin = resolve(REPO, 'bin/ship');
    expect(r.stdout).toMatch(/^\d{1,2} \d{1,2},\d{1,2} \* \* \* /);
    expect(r.stdout.replace(/^\S+ \S+ \* \* \* /, '')).toBe(
      `cd ${dir} && ${process.execPath} ${shipBin} certs renew prod --config ${config} # ship-certs stage=prod config=${config}`,
    );
    // Printing it again gives the same line (the minute comes from the config, not from chance).
    expect((await ship(['certs', 'cron', 'prod'], { cwd: dir, env })).stdout).toBe(r.stdout);
  });

  it('--install adds it to the crontab once', async () => {
    const saved = await execa('crontab', ['-l'], { reject: false });
    try {
      await execa('crontab', ['-'], { input: '# kept by the test\n0 1 * * * true\n' });
      const first = await ship(['certs', 'cron', 'prod', '--install'], { cwd: dir, env });
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^added to the crontab: .* certs renew prod --config /);
      const second = await ship(['certs', 'cron', 'prod', '--install'], { cwd: dir, env });
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^already in the crontab: /);
      const table = (await execa('crontab', ['-l'])).stdout.split('\n');
      expect(table.slice(0, 2)).toEqual(['# kept by the test', '0 1 * * * true']);
      expect(table.filter((l) => l.includes('# ship-certs stage=prod'))).toHaveLength(1);
      expect(table[2]).toBe(`${first.stdout.replace('added to the crontab: ', '')}`);
    } finally {
      if (saved.exitCode === 0) await execa('crontab', ['-'], { input: `${saved.stdout}\n` });
      else await execa('crontab', ['-r'], { reject: false });
    }
  });
});
