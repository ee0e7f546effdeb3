/**
 * Faults injected on the real test hosts during deploys to two hosts, and what must hold after
 * each: the network to one host cut mid-upload, a full disk during upload and during extract, a
 * release damaged on the host as it is extracted, a previous release changed on the host, a unit
 * that fails on one host only,
 * two deploys at once, and nobody reading ship's output any more.
 *
 * Covered elsewhere, not repeated here: a unit that does not start at all or dies within the
 * health window on every host (test/e2e/deploy.test.ts), Ctrl-C during the upload
 * (deploy.test.ts), kill -9 (kill9.test.ts). ACME faults belong to test/e2e/certs.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, onHost, SHIP } from '../support.js';
import { App, expectNoSecretsPrinted, printed, sleep, type HostState } from './support.js';

const HOSTS = ['h1', 'h2'];
const apps: App[] = [];
const netns = (host: string) => lab().hosts.find((h) => h.name === host)!.netns;
const veth = (host: string) => `shv${lab().id}x${lab().hosts.findIndex((h) => h.name === host)}`;

async function newApp(name: string, port: number, extra: Partial<Parameters<typeof App.create>[0]> = {}): Promise<App> {
  const app = await App.create({ name, port, hosts: HOSTS, healthTimeout: 5, ...extra });
  apps.push(app);
  await app.setup();
  const first = await app.deploy('v1');
  expect(first.code, first.stderr).toBe(0);
  return app;
}

/** A ship run we can watch line by line and act on while it runs. */
function start(app: App, args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false }> & { lines: string[] } {
  const child = execa('node', [SHIP, ...args], {
    cwd: app.dir,
    reject: false,
    stdin: 'ignore',
    env: { SHIP_NO_COLOR: '1', TMPDIR: join(app.dir, '.tmp'), ...env },
  }) as ResultPromise<{ reject: false }> & { lines: string[] };
  child.lines = [];
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    child.lines.push(...lines);
  });
  void child.then((r) => printed.push({ args, stdout: String(r.stdout), stderr: String(r.stderr) }));
  return child;
}

async function waitForLine(child: { lines: string[]; exitCode: number | null }, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = child.lines.find((l) => pattern.test(l));
    if (line) return line;
    if (child.exitCode !== null) break;
    await sleep(10);
  }
  throw new Error(`no line matching ${pattern} (got:\n${child.lines.join('\n')})`);
}

/** current, what answers, no leftovers, no lock: the state an undone deploy must leave. */
function expectUntouched(states: HostState[], before: HostState[]): void {
  states.forEach((s, i) => {
    expect(s.current, s.host).toBe(before[i]!.current);
    expect(s.complete, s.host).toBe(true);
    expect(s.answer, s.host).toBe(before[i]!.answer);
    expect(s.leftovers, `${s.host} leftovers`).toEqual([]);
    expect(s.lock, `${s.host} lock`).toBe('');
    expect(
      s.releases.filter((r) => r.startsWith('.')),
      s.host,
    ).toEqual([]);
  });
}

afterAll(async () => {
  await expectNoSecretsPrinted(apps);
  for (const app of apps) await app.remove();
});

describe('the network to one host is cut in the middle of the upload', () => {
  let app: App;
  beforeAll(async () => {
    // ServerAliveInterval from ssh config, like ssh: a dead link is noticed in ~3 s, not ~45 s.
    const dir = await mkdtemp(join(tmpdir(), 'ship-rel-ssh-'));
    const config = join(dir, 'ssh_config');
    await writeFile(config, `Host *\n  ServerAliveInterval 1\n  ServerAliveCountMax 3\n\n${await readFile(lab().sshConfig, 'utf8')}`);
    app = await newApp('relnet', 4321, { top: { ssh: { config, connectTimeout: 5 } } });
  });

  it("fails naming the host, switches no host, removes the others' half release; the next deploy recovers", async () => {
    const before = await app.states();
    // Slow h2's link so the 8 MB upload is surely in flight when the cable is pulled.
    await execa('tc', ['qdisc', 'add', 'dev', veth('h2'), 'root', 'tbf', 'rate', '30mbit', 'burst', '64kb', 'latency', '400ms']);
    let run;
    let pid = 0;
    try {
      const child = start(app, ['deploy', 'prod'], { APP_VERSION: 'v2', APP_PAD_MB: '8' });
      pid = child.pid!;
      await waitForLine(child, /^h2 \| upload [\d.]+ MB \/ /);
      await execa('ip', ['-n', netns('h2'), 'link', 'set', 'eth0', 'down']);
      // How soon is ServerAliveInterval's business; that it was the keepalive is checked below.
      run = await child;
    } finally {
      await execa('ip', ['-n', netns('h2'), 'link', 'set', 'eth0', 'up']);
      await execa('ip', ['-n', netns('h2'), 'route', 'replace', 'default', 'via', lab().gateway], { reject: false });
      await execa('tc', ['qdisc', 'del', 'dev', veth('h2'), 'root'], { reject: false });
    }
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(
      /^error: h2 \(10\.213\.\d+\.\d+:22\): connection lost \(Keepalive timeout\) while running receive and extract the release$/m,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // h1 finished its upload, but phase 2 never started: nothing switched, its release removed.
    const [h1, h2] = await app.states();
    expectUntouched([h1!], [before[0]!]);
    expect(h1!.releases).toEqual(before[0]!.releases);
    // h2 could not be cleaned up while unreachable: current intact, the rest left for next time.
    expect(h2!.current).toBe(before[1]!.current);
    expect(h2!.answer).toBe('v1');
    expect(run.stderr).toContain('h2 | cleanup failed');

    const next = await app.deploy('v3');
    expect(next.code, next.stderr).toBe(0);
    if (h2!.lock) expect(next.stderr).toContain(`h2 | breaking a stale lock left by a dead process (root@${hostname()} pid ${pid} `);
    for (const s of await app.states()) {
      expect(s.answer).toBe('v3');
      expect(s.leftovers).toEqual([]);
      expect(s.lock).toBe('');
    }
  });
});

describe("a host's disk fills up (a 20 MB tmpfs as the deploy path on h2)", () => {
  let app: App;
  beforeAll(async () => {
    app = await App.create({ name: 'relfull', port: 4322, hosts: HOSTS, healthTimeout: 5 });
    apps.push(app);
    await app.remove();
    await onHost('h2', `sudo mkdir -p ${app.path} && sudo mount -t tmpfs -o size=20m,uid=1000,gid=1000,mode=0755 tmpfs ${app.path}`);
    await onHost('h1', `sudo mkdir -p ${app.path} && sudo chown deploy: ${app.path}`);
    const setup = await app.ship(['setup', 'prod']);
    expect(setup.code, setup.stderr).toBe(0);
    const first = await app.deploy('v1');
    expect(first.code, first.stderr).toBe(0);
  });

  const used = async () => Number((await onHost('h2', `df --output=used -k ${app.path} | tail -n 1`)).trim());

  it('during extract (30 MB of zeros in a tiny stream): clear error, current intact, partial files removed', async () => {
    const before = await app.states();
    const usedBefore = await used();
    const r = await app.deploy('v2', { APP_ZERO_MB: '30' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: h2: command failed \(exit \d+\): receive and extract the release$/m);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expectUntouched(await app.states(), before);
    expect(await used()).toBeLessThanOrEqual(usedBefore + 64);
  });

  it('during upload (25 MB that does not compress): clear error, current intact, the upload removed', async () => {
    const before = await app.states();
    const usedBefore = await used();
    const r = await app.deploy('v3', { APP_PAD_MB: '25' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: h2: command failed \(exit \d+\): receive and extract the release$/m);
    expect(r.stderr).toMatch(/No space left on device/);
    expectUntouched(await app.states(), before);
    expect(await used()).toBeLessThanOrEqual(usedBefore + 64);
  });

  it('the next deploy that fits succeeds', async () => {
    const r = await app.deploy('v4');
    expect(r.code, r.stderr).toBe(0);
    for (const s of await app.states()) expect(s.answer).toBe('v4');
  });
});

describe('what lands on a host differs from what ship sent', () => {
  // A tar on h2 that damages what it extracts (a bad disk, a hostile process): deploy's own
  // tar, first in PATH for the deploy user's non-interactive shells.
  const EVIL_TAR = [
    '#!/bin/sh',
    '/bin/tar "$@"; rc=$?',
    'f=$(find release -type f -name padding.bin 2>/dev/null | head -n 1)',
    // Release files are extracted read-only; a process of the same user can make one writable.
    '[ -n "$f" ] && chmod u+w "$f" && printf X | dd of="$f" bs=1 seek=100 conv=notrunc status=none && chmod a-w "$f"',
    'exit $rc',
  ].join('\\n');
  const install = `mkdir -p ~/evil && printf '${EVIL_TAR}\\n' > ~/evil/tar && chmod +x ~/evil/tar && cp ~/.bashrc ~/.bashrc.ship-test && { echo 'PATH=$HOME/evil:$PATH'; cat ~/.bashrc.ship-test; } > ~/.bashrc`;
  const uninstall = 'mv ~/.bashrc.ship-test ~/.bashrc; rm -rf ~/evil';

  it('is refused after one more try: no host switched, nothing left behind', async () => {
    const app = await newApp('reltamper', 4323);
    const before = await app.states();
    await onHost('h2', install);
    let r;
    try {
      r = await app.deploy('v2', { APP_PAD_MB: '1' });
    } finally {
      await onHost('h2', uninstall);
    }
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/h2 +\| 1 path\(s\) differ from the manifest \(padding\.bin: changed \(content\)\); sending them again/);
    expect(r.stderr).toMatch(
      /^error: h2: the new release does not match its manifest after extraction: 1 difference\(s\), first padding\.bin: changed \(content\)$/m,
    );
    expectUntouched(await app.states(), before);
    expect((await app.state('h2')).log.at(-1)!.result).toBe('failed');
  });

  it('a previous release changed on the host since its deploy: the new one is whole anyway', async () => {
    const app = await newApp('relprevmod', 4328);
    const first = await app.deploy('v2', { APP_PAD_MB: '1', APP_PAD_SEED: 'prev' });
    expect(first.code, first.stderr).toBe(0);
    // A person (or an app running as the SSH user) writes into its own release, in place: the
    // files are read-only, so they make one writable first, and read-only again after.
    await onHost(
      'h1',
      `cd ${app.path}/current && chmod u+w padding.bin && printf changed | dd of=padding.bin bs=1 seek=10 conv=notrunc status=none && chmod a-w padding.bin && chmod 666 server.js`,
    );
    const r = await app.deploy('v3', { APP_PAD_MB: '1', APP_PAD_SEED: 'prev' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/h1 +\| upload: \d+ changed files, \d+ kept from /);
    expect(r.stdout).toMatch(/h1 +\| 1 path\(s\) differ from the manifest \(padding\.bin: changed \(content\)\)/);
    expect(r.stdout).not.toMatch(/h2 +\| \d+ path\(s\) differ/);
    for (const s of await app.states()) {
      expect(s.answer).toBe('v3');
      expect(s.complete, `${s.host}: every file matches its SHA256SUMS`).toBe(true);
    }
    expect(await onHost('h1', `stat -c %a ${app.path}/current/server.js`)).toBe('444');
  });
});

describe('the unit fails its health check on one host only', () => {
  let app: App;
  beforeAll(async () => {
    app = await newApp('relonefail', 4324);
  });

  it("rolls every host back, shows that host's journal, exits non-zero", async () => {
    const before = await app.states();
    const r = await app.deploy('v2', { APP_FAIL_ON_HOST: 'h2' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/h2: health check failed/);
    expect(r.stderr).toContain('version v2 refuses to start on h2 (FAIL_ON_HOST)');
    // h1 was healthy on v2, and is switched back too: hosts never run different releases.
    expect(r.stderr).toMatch(/h1 +\| rolled back to \S+; it is healthy/);
    const after = await app.states();
    expectUntouched(after, before);
    for (const s of after) expect(s.log.at(-1)!.result).toBe('failed');
  });

  it('keeps every lock until the whole run is undone: a waiting deploy never sees a host half-undone', async () => {
    // Watch h1: every change of (lock holder, current), sampled every 20 ms.
    const monitor = onHost(
      'h1',
      `cd ${app.path}; end=$(($(date +%s) + 40)); last=; while [ $(date +%s) -lt $end ]; do s="$(grep -o '"pid":[0-9]*' .ship/lock/info 2>/dev/null) $(readlink current)"; [ "$s" != "$last" ] && echo "$s"; last=$s; [ -e .ship/stop-monitor ] && break; sleep 0.02; done; rm -f .ship/stop-monitor`,
    );
    const a = start(app, ['deploy', 'prod'], { APP_VERSION: 'v3', APP_FAIL_ON_HOST: 'h2' });
    await waitForLine(a, /^h2 \| upload/);
    const b = start(await app.clone(), ['deploy', 'prod', '--lock-wait', '60'], { APP_VERSION: 'v4' });
    const [ra, rb] = await Promise.all([a, b]);
    await onHost('h1', `touch ${app.path}/.ship/stop-monitor`);
    const samples = (await monitor).split('\n').filter(Boolean);
    expect(ra.exitCode).toBe(1);
    expect(rb.exitCode, String(rb.stderr)).toBe(0);
    const idA = /release (\S+):/.exec(String(ra.stdout))![1]!;
    // While B held h1's lock, h1's current was never A's failed release.
    const underB = samples.filter((s) => s.startsWith(`"pid":${b.pid} `));
    expect(underB.length, samples.join('\n')).toBeGreaterThan(0);
    expect(
      underB.filter((s) => s.endsWith(`releases/${idA}`)),
      samples.join('\n'),
    ).toEqual([]);
    for (const s of await app.states()) expect(s.answer).toBe('v4');
  });
});

describe('in batches of one host, the unit fails on the host of the second batch', () => {
  let app: App;
  const hosts = ['h1', 'h2', 'h3'];
  const invocations = () => Promise.all(hosts.map((h) => onHost(h, `systemctl show -p InvocationID --value ${app.name}`)));

  beforeAll(async () => {
    app = await newApp('relbatchfail', 4329, { hosts, stage: { rollout: { batch: 1 } } });
  });

  it('the first batch, live and healthy on the new release, is rolled back too; the third host is never restarted', async () => {
    const before = await app.states();
    const started = await invocations();
    const r = await app.deploy('v2', { APP_FAIL_ON_HOST: 'h2' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^batch 2\/3: h2$/m);
    expect(r.stdout).not.toMatch(/^batch 3\/3/m);
    expect(r.stderr).toMatch(/h1 +\| rolled back to \S+; it is healthy/);
    expectUntouched(await app.states(), before);
    const now = await invocations();
    expect(now[0]).not.toBe(started[0]);
    expect(now[2]).toBe(started[2]);
  });
});

describe('two deploys at once, from two checkouts of the project', () => {
  let app: App;
  let other: App;
  beforeAll(async () => {
    app = await newApp('reltwo', 4325);
    other = await app.clone();
  });

  it('started together: one deploys, the other is refused (exit 4) naming the holder; never both refused', async () => {
    for (let round = 1; round <= 3; round++) {
      const logBefore = (await app.states()).map((s) => s.log.length);
      const [x, y] = await Promise.all([app.deploy(`r${round}x`), other.deploy(`r${round}y`)]);
      const codes = [x.code, y.code].sort();
      expect(codes, `round ${round}:\n${x.stderr}\n${y.stderr}`).toEqual([0, 4]);
      const refused = x.code === 4 ? x : y;
      const winner = x.code === 0 ? 'x' : 'y';
      // The holder, named: a lock is renamed into place with its info, so it is never without one.
      expect(refused.stderr).toMatch(new RegExp(`h\\d: locked by root@${hostname()} pid \\d+ \\(ship deploy prod\\)`));
      expect(refused.stderr).toContain('ship lock release prod');
      const after = await app.states();
      after.forEach((s, i) => {
        expect(s.answer).toBe(`r${round}${winner}`);
        expect(s.log.slice(logBefore[i])).toMatchObject([{ result: 'ok', release: after[0]!.current }]);
        expect(s.leftovers).toEqual([]);
        expect(s.lock).toBe('');
      });
    }
  });

  it('with --lock-wait: the second waits, and the release logs show two complete deploys one after the other', async () => {
    const logBefore = (await app.states()).map((s) => s.log.length);
    const x = start(app, ['deploy', 'prod', '--lock-wait', '60'], { APP_VERSION: 'wx' });
    const y = start(other, ['deploy', 'prod', '--lock-wait', '60'], { APP_VERSION: 'wy' });
    const [rx, ry] = await Promise.all([x, y]);
    expect(rx.exitCode, String(rx.stderr)).toBe(0);
    expect(ry.exitCode, String(ry.stderr)).toBe(0);
    expect(`${x.lines.join('\n')}\n${y.lines.join('\n')}`).toMatch(/waiting for lock held by/);
    const after = await app.states();
    const orders = after.map((s, i) => s.log.slice(logBefore[i]).map((e) => `${String(e.release)} ${String(e.result)}`));
    // Both hosts saw the same two deploys, complete and in the same order; the last one is live.
    expect(orders[0]).toHaveLength(2);
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[0]!.every((e) => e.endsWith(' ok'))).toBe(true);
    expect(new Set(after.map((s) => s.current))).toEqual(new Set([orders[0]![1]!.split(' ')[0]]));
  });

  it('with --lock-wait, two waiting deploys never hold part of the hosts each (no deadlock)', async () => {
    // Another machine's deploy holds both hosts and lets go of them one by one, h2 first, while
    // two deploys wait. Locking hosts in parallel, each waiter could take one host and wait for
    // the other's (a deadlock until --lock-wait runs out for both). Who wins depends on timing;
    // what must hold does not: both complete, and both hosts saw the same deploys in one order.
    const info = JSON.stringify({ user: 'alice', origin: 'laptop', pid: 4242, command: 'ship deploy prod', time: '2026-01-01T00:00:00Z' });
    const lockDir = (h: string) => join(lab().hosts.find((l) => l.name === h)!.root, app.path, '.ship/lock');
    const logBefore = (await app.states()).map((s) => s.log.length);
    await Promise.all(
      HOSTS.map((h) => onHost(h, `mkdir ${app.path}/.ship/lock && printf '%s\\n' '${info}' > ${app.path}/.ship/lock/info`)),
    );
    const y = start(other, ['deploy', 'prod', '--lock-wait', '40'], { APP_VERSION: 'dy' });
    await waitForLine(y, /^h1 \| waiting for lock held by alice/);
    await rm(lockDir('h2'), { recursive: true });
    const x = start(app, ['deploy', 'prod', '--lock-wait', '40'], { APP_VERSION: 'dx' });
    await waitForLine(x, /^h1 \| waiting for lock held by alice/);
    await rm(lockDir('h1'), { recursive: true });
    const [rx, ry] = await Promise.all([x, y]);
    expect([rx.exitCode, ry.exitCode], `${String(rx.stderr)}\n${String(ry.stderr)}`).toEqual([0, 0]);
    const after = await app.states();
    const orders = after.map((s, i) => s.log.slice(logBefore[i]).map((e) => `${String(e.release)} ${String(e.result)}`));
    expect(orders[0]).toHaveLength(2);
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[0]!.every((e) => e.endsWith(' ok'))).toBe(true);
    // The one deployed last is live on both hosts.
    const lastId = orders[0]![1]!.split(' ')[0];
    for (const s of after) expect(s.current).toBe(lastId);
    expect(new Set(after.map((s) => s.answer)).size).toBe(1);
  });
});

describe('nobody reads the output any more (ship deploy prod | head -1)', () => {
  it('the deploy still runs to its end instead of dying half way', async () => {
    const app = await newApp('relpipe', 4326);
    const child = start(app, ['deploy', 'prod'], { APP_VERSION: 'v2' });
    await waitForLine(child, /^local \| build/);
    child.stdout!.destroy();
    const r = await child;
    expect(String(r.stderr)).not.toMatch(/EPIPE|\n\s+at /);
    expect(r.exitCode).toBe(0);
    for (const s of await app.states()) {
      expect(s.answer).toBe('v2');
      expect(s.lock).toBe('');
    }
  });
});

describe('what the lock tells other users of the host', () => {
  // A recipe that takes the lock and shows what anyone on the host could read in it.
  const SHOW_LOCK = `
import { recipe } from 'ship-deploy';

export default recipe('showlock', async ({ stage, hosts, log }) => {
  await hosts.each(async (host) => {
    await host.lock();
    const info = await host.run(['sh', '-c', 'stat -c "%a" "$1" "$1/info"; cat "$1/info"', 'sh', stage.path + '/.ship/lock']);
    log(host.name + ' lock: ' + info.stdout.trim().split('\\n').join(' '));
    await host.unlock();
  });
});
`;

  it('who, where, pid, the command name and when, mode 0750/0640; never the arguments', async () => {
    const app = await newApp('rellockinfo', 4327, { files: { 'recipes/showlock.ts': SHOW_LOCK } });
    const r = await app.ship(['run', 'prod', 'showlock', '--', 'password=hunter22']);
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`${h} lock: `))!;
      expect(line).toMatch(/^h\d lock: 750 640 \{/);
      const info = JSON.parse(line.replace(/^h\d lock: 750 640 /, '')) as Record<string, unknown>;
      expect(Object.keys(info).sort()).toEqual(['command', 'machine', 'origin', 'pid', 'start', 'time', 'token', 'user']);
      expect(info.command).toBe('ship run prod showlock');
      expect(line).not.toContain('hunter22');
    }
    for (const s of await app.states()) expect(s.lock).toBe('');
  });
});
