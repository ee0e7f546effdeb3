/**
 * A session's choice of hosts (--host, --role) and what --offline refuses; no host is connected to.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { Output } from '../../../src/output/output.js';
import { Session } from '../../../src/session/session.js';
import { testStage } from '../support/stage.js';

const output = () => new Output({ mode: 'plain', verbose: false, stdout: new PassThrough(), stderr: new PassThrough() });

const HOSTS = ['deploy@web1.example.com:2222', 'web2', 'deploy@work1'];
const stage = testStage({
  hosts: HOSTS,
  roles: {
    app: { name: 'app', unit: 'app' },
    worker: { name: 'worker', unit: 'app-worker' },
  },
  hostRoles: { 'deploy@work1': ['worker'] },
});

const session = (hostFilter: string[], roleFilter: string[] = []) =>
  new Session(stage, output(), { dryRun: true, offline: true, hostFilter, roleFilter });

describe('Session: which hosts', () => {
  it('all of the stage, in hosts.ts order, without --host or --role', () => {
    expect(session([]).hosts).toEqual(HOSTS);
  });

  it('--host takes a spec as written or its host part, each host once, in the order given', () => {
    expect(session(['web2', 'web1.example.com', 'deploy@web1.example.com:2222']).hosts).toEqual(['web2', 'deploy@web1.example.com:2222']);
  });

  it('--host that is not a host of the stage: names it, the stage and its hosts', () => {
    expect(() => session(['web3'])).toThrow(ConfigError);
    expect(() => session(['web3'])).toThrow('--host web3: not a host of stage "prod" in /x/hosts.ts');
  });

  it('--role keeps the hosts that carry it; a role the stage lacks, or one no chosen host carries, is refused', () => {
    expect(session([], ['worker']).hosts).toEqual(['deploy@work1']);
    expect(session([], ['app']).hosts).toEqual(['deploy@web1.example.com:2222', 'web2']);
    expect(() => session([], ['db'])).toThrow('--role db: not a role of stage "prod" in /x/hosts.ts');
    expect(() => session(['web2'], ['worker'])).toThrow('--role worker: no host chosen with --host of stage "prod" carries it');
  });
});

describe('Session --offline', () => {
  it('hands out plans that record, and refuses a live connection, naming the host and what to do', async () => {
    const s = session(['web2']);
    const plan = await s.connection('web2');
    await plan.run({ argv: ['systemctl', 'restart', 'app'], sudo: true });
    expect(s.plans.get('web2')?.steps.flatMap((step) => step.lines.map((l) => l.text))).toEqual(['sudo -n -- systemctl restart app']);
    await expect(s.real('web2')).rejects.toThrow('--offline: this command needs web2 itself, and --offline connects to no host');
  });
});
