/**
 * hosts.rollout, hosts.once and hosts.withRole on RemoteHosts whose steps only record what ran:
 * which hosts a step reaches, in which batch, and what a failure or Ctrl-C leaves unrun.
 */
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Stage } from '../../../src/config/types.js';
import { Output } from '../../../src/output/output.js';
import { hostGroup, PhaseError } from '../../../src/recipe/context.js';
import { RemoteHost } from '../../../src/host/host.js';
import type { Connection } from '../../../src/transport/types.js';

const stage = {
  name: 'prod',
  app: 'app',
  hosts: ['h1', 'h2', 'h3', 'h4', 'h5'],
  path: '/srv/app',
  unit: 'app',
  keep: 3,
  shared: [],
  sudo: false,
  ssh: { connectTimeout: 5, commandTimeout: 600, stallTimeout: 60 },
  configFile: '/x/hosts.ts',
  configDir: '/x',
  roles: { app: { name: 'app', unit: 'app' }, worker: { name: 'worker', unit: 'app-worker' } },
  hostRoles: { h4: ['worker'], h5: ['app', 'worker'] },
} as Stage;

let printed: string;
let output: Output;
let hosts: RemoteHost[];

beforeEach(() => {
  printed = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (printed += d.toString()));
  output = new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink });
  hosts = stage.hosts.map(
    (name) =>
      new RemoteHost(name, {} as Connection, {
        stage,
        output,
        release: { id: 'R', user: 'u', origin: 'o' },
        dryRun: false,
        signal: new AbortController().signal,
        command: 'ship deploy prod',
        lockWait: 0,
      }),
  );
});

describe('hosts.rollout', () => {
  it('runs batch by batch, announcing each; a failure stops before the next batch', async () => {
    const ran: string[] = [];
    const group = hostGroup(output, hosts, { rollout: { canary: 1, batch: 2, pause: 0 } });
    await expect(
      group.rollout(async (host) => {
        ran.push(host.name);
        if (host.name === 'h3') throw new Error('unhealthy');
      }),
    ).rejects.toBeInstanceOf(PhaseError);
    expect(printed).toMatch(/^batch 1\/3: h1$/m);
    expect(printed).toMatch(/^batch 2\/3: h2, h3$/m);
    expect(printed).not.toMatch(/batch 3\/3/);
    expect(ran.sort()).toEqual(['h1', 'h2', 'h3']);
  });

  it('without a rollout: every host at once, no batch lines', async () => {
    const ran: string[] = [];
    await hostGroup(output, hosts).rollout(async (host) => void ran.push(host.name));
    expect(ran.sort()).toEqual(stage.hosts);
    expect(printed).not.toMatch(/^batch /m);
  });

  it('Ctrl-C during a pause ends it and starts no further batch', async () => {
    const abort = new AbortController();
    const ran: string[] = [];
    const group = hostGroup(output, hosts, { rollout: { canary: 0, batch: 2, pause: 3600 }, signal: abort.signal });
    const run = group.rollout(async (host) => void ran.push(host.name));
    while (!printed.includes('pause 3600 s before batch 2/3')) await new Promise((r) => setTimeout(r, 5));
    abort.abort(new Error('interrupted by SIGINT'));
    await expect(run).rejects.toThrow();
    expect(ran.sort()).toEqual(['h1', 'h2']);
  });
});

describe('hosts.once and hosts.withRole', () => {
  it('once: the first host of the run, or the first that carries the role', async () => {
    const group = hostGroup(output, hosts);
    const ran: string[] = [];
    await group.once(async (host) => void ran.push(host.name));
    await group.once(async (host) => void ran.push(host.name), { role: 'worker' });
    expect(ran).toEqual(['h1', 'h4']);
    await expect(
      group.once(async () => {
        throw new Error('migration failed');
      }),
    ).rejects.toThrow(/h1: migration failed/);
  });

  it('withRole: the hosts that carry the role; a role the stage does not define is an error', async () => {
    expect(
      hostGroup(output, hosts)
        .withRole('worker')
        .list.map((h) => h.name),
    ).toEqual(['h4', 'h5']);
    expect(
      hostGroup(output, hosts)
        .withRole('app')
        .list.map((h) => h.name),
    ).toEqual(['h1', 'h2', 'h3', 'h5']);
    expect(() => hostGroup(output, hosts).withRole('db')).toThrow(/does not define/);
  });
});
