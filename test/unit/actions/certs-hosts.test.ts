/**
 * The hosts of `ship certs renew`, on real deploy paths: each host is a temporary directory of
 * its own, its commands (the lock scripts among them) run in a local shell. The deploy lock is
 * taken by the deploy's code, in its order, and is always released; a path that cannot exist
 * gets no lock; off a terminal nothing is printed unless something is wrong.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { certHosts, passing, withDeployLock } from '../../../src/actions/certs-hosts.js';
import type { Stage } from '../../../src/config/types.js';
import { ExitCode, ShipError } from '../../../src/errors.js';
import { Output } from '../../../src/output/output.js';
import type { Session } from '../../../src/session/session.js';
import { LocalShell } from '../support/local-shell.js';

/** Relative: each host's shell runs in its own directory, so each has its own deploy path. */
const PATH = 'srv';
/** A lock a deploy elsewhere holds: not provably dead, so it is waited for, never broken. */
const DEPLOY = JSON.stringify({ user: 'alice', origin: 'laptop', pid: 1, command: 'ship deploy prod', time: 't', token: 'x' });

let dirs: Record<string, string>;
let printed: string;

beforeEach(async () => {
  dirs = {};
  for (const host of ['web1', 'web2']) dirs[host] = await mkdtemp(join(tmpdir(), `ship-certs-hosts-${host}-`));
  printed = '';
});

function session(hosts: string[], { verbose = false, sink = new PassThrough() } = {}): Session {
  sink.on('data', (d: Buffer) => (printed += d.toString()));
  const stage = { name: 'prod', app: 'app', hosts, path: PATH, sudo: false, ssh: { stallTimeout: 60 } } as unknown as Stage;
  const shells = new Map(hosts.map((h) => [h, new LocalShell(h, dirs[h])]));
  return {
    hosts,
    stage,
    dryRun: false,
    output: new Output({ mode: 'plain', verbose, stdout: sink, stderr: sink }),
    connection: async (host: string) => shells.get(host)!,
  } as unknown as Session;
}

const lockDir = (host: string) => join(dirs[host]!, PATH, '.ship', 'lock');

async function plantDeployLock(host: string): Promise<void> {
  await mkdir(lockDir(host), { recursive: true });
  await writeFile(join(lockDir(host), 'info'), `${DEPLOY}\n`);
}

describe('withDeployLock', () => {
  it('holds the deploy lock on every host while the body runs, as ship certs renew, and releases it after', async () => {
    const s = session(['web1', 'web2']);
    const hosts = await certHosts(s, 0);
    const holders = await withDeployLock(hosts, s.output, async () =>
      Promise.all(['web1', 'web2'].map(async (h) => JSON.parse(await readFile(join(lockDir(h), 'info'), 'utf8')) as { command: string })),
    );
    expect(holders.map((h) => h.command)).toEqual(['ship certs renew', 'ship certs renew']);
    for (const host of ['web1', 'web2']) expect(existsSync(lockDir(host)), host).toBe(false);
    expect(printed).toBe('');
  });

  it('releases the lock when the body fails, and passes its error on unchanged', async () => {
    const s = session(['web1', 'web2']);
    const failure = new Error('order failed');
    await expect(withDeployLock(await certHosts(s, 0), s.output, () => Promise.reject(failure))).rejects.toBe(failure);
    for (const host of ['web1', 'web2']) expect(existsSync(lockDir(host)), host).toBe(false);
  });

  it('takes no lock where the deploy path cannot be created (never deployed), with only a debug line', async () => {
    await writeFile(join(dirs.web2!, PATH), 'a file where the deploy path would be');
    for (const verbose of [false, true]) {
      printed = '';
      const s = session(['web1', 'web2'], { verbose });
      const locked = await withDeployLock(await certHosts(s, 0), s.output, async () => [existsSync(lockDir('web1'))]);
      expect(locked).toEqual([true]);
      expect(existsSync(lockDir('web1'))).toBe(false);
      expect(printed).toBe(verbose ? 'web2 | no deploy lock taken: srv does not exist and cannot be created\n' : '');
    }
  });

  it('a deploy holding the first host in lock order: fails naming that host, runs nothing, leaves no lock of its own', async () => {
    await plantDeployLock('web1');
    // hosts.ts order is not lock order: web1 comes first in both the lock and the message.
    const s = session(['web2', 'web1']);
    let ran = false;
    const error = await withDeployLock(await certHosts(s, 0), s.output, async () => (ran = true)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShipError);
    expect((error as ShipError).message).toBe('web1: locked by alice@laptop pid 1 (ship deploy prod) since t');
    expect((error as ShipError).exitCode).toBe(ExitCode.locked);
    expect(ran).toBe(false);
    expect(existsSync(lockDir('web2'))).toBe(false);
    expect(await readFile(join(lockDir('web1'), 'info'), 'utf8')).toBe(`${DEPLOY}\n`);
  });

  it('a deploy holding a later host: the hosts locked before it are released again', async () => {
    await plantDeployLock('web2');
    const s = session(['web1', 'web2']);
    const error = await withDeployLock(await certHosts(s, 0), s.output, async () => {}).catch((e: unknown) => e);
    expect((error as ShipError).message).toBe('web2: locked by alice@laptop pid 1 (ship deploy prod) since t');
    expect(existsSync(lockDir('web1'))).toBe(false);
    expect(await readFile(join(lockDir('web2'), 'info'), 'utf8')).toBe(`${DEPLOY}\n`);
  });

  it("waits for a deploy's lock, saying so once in a debug line, and goes on when the deploy ends", async () => {
    await plantDeployLock('web1');
    const sink = new PassThrough();
    const s = session(['web1'], { verbose: true, sink });
    // The deploy ends once the wait has been told.
    sink.on('data', (d: Buffer) => {
      if (d.toString().includes('waiting for')) void rm(lockDir('web1'), { recursive: true });
    });
    const ran = await withDeployLock(await certHosts(s, 600), s.output, async () => existsSync(lockDir('web1')));
    expect(ran).toBe(true);
    expect(printed).toBe('web1 | waiting for the deploy lock held by alice@laptop pid 1 (ship deploy prod) since t\n');
  });
});

describe('passing', () => {
  it('runs a phase on every host at once and returns those it passed on; each failure is handed over, nothing printed', async () => {
    const s = session(['web1', 'web2']);
    const failed: Array<[string, unknown]> = [];
    const broken = new Error('nginx -t failed');
    const passed = await passing(
      s.output,
      await certHosts(s, 0),
      async (host) => {
        if (host.name === 'web2') throw broken;
      },
      (host, error) => failed.push([host, error]),
    );
    expect(passed.map((h) => h.name)).toEqual(['web1']);
    expect(failed).toEqual([['web2', broken]]);
    expect(printed).toBe('');
  });
});
