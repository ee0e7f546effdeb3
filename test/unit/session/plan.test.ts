/**
 * The --dry-run plan: which step each command is recorded under, the printed format, --full's
 * bodies, and the offline answers that stand in for the hosts.
 */
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../../src/remote/command.js';
import { OFFLINE_FACTS, PlanConnection, planEvent, printPlans, shownSteps } from '../../../src/session/plan.js';
import { inStep, recordSteps } from '../../../src/session/plan-step.js';
import type { Connection, RunOptions, RunResult } from '../../../src/transport/types.js';
import { RemoteHost } from '../../../src/host/host.js';
import { Output } from '../../../src/output/output.js';
import { testStage } from '../support/stage.js';

const lock: Command = { argv: ['mkdir', '--', '/srv/app/.ship/lock'] };
const restart: Command = { argv: ['systemctl', 'restart', 'app'], sudo: true };
const swap: Command = { argv: ['sh', '-c', 'set -e\nmv -T -- "$1" current', 'switch-current.sh', '.tmp'], script: 'switch-current.sh' };

function print(plans: Map<string, PlanConnection>, full = false): string[] {
  const lines: string[] = [];
  printPlans(plans, (l) => lines.push(l), { full });
  return lines;
}

/** A live connection that answers every query with `answer` and records what it was asked. */
function liveAnswering(answer: string): { asked: string[]; connect: () => Promise<Connection> } {
  const asked: string[] = [];
  const connection = {
    async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
      asked.push(command.argv.join(' '));
      options.onStdout?.(answer);
      return { code: 0, stdout: answer, stderr: '' };
    },
  } as unknown as Connection;
  return { asked, connect: async () => connection };
}

// What the session does when it makes a plan (session.ts).
beforeAll(() => recordSteps());

describe('the plan printer', () => {
  it('prints per host, each step label with its commands indented under it', async () => {
    const web1 = new PlanConnection('web1', undefined, true);
    const web2 = new PlanConnection('web2', undefined, true);
    for (const plan of [web1, web2]) {
      await inStep('lock', () => plan.run(lock));
      await inStep('switch current -> r2', () => plan.run(swap, { stdin: 'x', stdinLabel: 'manifest' }));
    }
    await inStep('systemctl restart app', async () => {
      await web1.run({ argv: ['systemctl', 'reset-failed', 'app'] });
      await web1.run(restart);
    });
    expect(
      print(
        new Map([
          ['web1', web1],
          ['web2', web2],
        ]),
      ),
    ).toEqual([
      `web1 | plan, ${OFFLINE_FACTS}`,
      'web1 |   lock',
      'web1 |     mkdir -- /srv/app/.ship/lock',
      'web1 |   switch current -> r2',
      'web1 |     switch-current.sh .tmp  < manifest',
      'web1 |   systemctl restart app',
      'web1 |     systemctl reset-failed app',
      'web1 |     sudo -n -- systemctl restart app',
      `web2 | plan, ${OFFLINE_FACTS}`,
      'web2 |   lock',
      'web2 |     mkdir -- /srv/app/.ship/lock',
      'web2 |   switch current -> r2',
      'web2 |     switch-current.sh .tmp  < manifest',
    ]);
  });

  it('--full prints the body of a script command under it, plain --dry-run never', async () => {
    const plan = new PlanConnection('web1', undefined, true);
    await inStep('switch current -> r2', () => plan.run(swap));
    await inStep('lock', () => plan.run(lock));
    const plans = new Map([['web1', plan]]);
    expect(print(plans, true).slice(1)).toEqual([
      'web1 |   switch current -> r2',
      'web1 |     switch-current.sh .tmp',
      'web1 |       | set -e',
      'web1 |       | mv -T -- "$1" current',
      'web1 |   lock',
      'web1 |     mkdir -- /srv/app/.ship/lock',
    ]);
    expect(print(plans).some((l) => l.includes(' | set -e'))).toBe(false);
  });

  it('two calls of one verb are two steps; a command outside any step goes under its own label', async () => {
    const plan = new PlanConnection('web1', liveAnswering('').connect, true);
    await inStep('install app.service', () => plan.run(lock));
    await inStep('install app.service', () => plan.run(restart));
    await plan.run({ ...lock, label: 'take the lock' });
    await plan.run(restart);
    expect(print(new Map([['web1', plan]]))).toEqual([
      'web1 | plan',
      'web1 |   install app.service',
      'web1 |     mkdir -- /srv/app/.ship/lock',
      'web1 |   install app.service',
      'web1 |     sudo -n -- systemctl restart app',
      'web1 |   take the lock',
      'web1 |     mkdir -- /srv/app/.ship/lock',
      'web1 |   run',
      'web1 |     sudo -n -- systemctl restart app',
    ]);
  });

  it('says so when a host would run nothing', () => {
    expect(print(new Map([['web1', new PlanConnection('web1', liveAnswering('').connect, true)]]))).toEqual([
      'web1 | plan',
      'web1 |   (nothing to run)',
    ]);
  });
});

describe('read-only queries', () => {
  it('online: run on the host; shown under their step by --full only, and not at all outside a step', async () => {
    const live = liveAnswering('current r1\n');
    const plan = new PlanConnection('web1', live.connect, true);
    const result = await inStep('lock', () => plan.run({ argv: ['readlink', 'current'] }, { readOnly: true }));
    await plan.run({ argv: ['cat', 'manifest'] }, { readOnly: true });
    expect(result.stdout).toBe('current r1\n');
    expect(live.asked).toEqual(['readlink current', 'cat manifest']);
    expect(shownSteps(plan)).toEqual([]);
    expect(print(new Map([['web1', plan]]))).toEqual(['web1 | plan', 'web1 |   (nothing to run)']);
    expect(shownSteps(plan, { full: true })).toEqual([{ label: 'lock', lines: [{ text: 'reads: readlink current', reads: true }] }]);
    expect(print(new Map([['web1', plan]]), true)).toEqual(['web1 | plan', 'web1 |   lock', 'web1 |     reads: readlink current']);
  });

  it('offline: answered as a host with nothing on it, through onStdout too, and nothing is connected', async () => {
    const plan = new PlanConnection('web1', undefined, true);
    expect(plan.offline).toBe(true);
    expect(await plan.run({ argv: ['readlink', 'current'] }, { readOnly: true })).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
      ran: { argv: ['readlink', 'current'] },
    });
    let seen = '';
    const answer = await plan.run(
      { argv: ['stat', 'x'] },
      { readOnly: true, allowFailure: true, offline: { code: 44, stdout: 'missing\n' }, onStdout: (t) => (seen += t) },
    );
    expect(answer).toEqual({ code: 44, stdout: 'missing\n', stderr: '', ran: { argv: ['stat', 'x'] } });
    expect(seen).toBe('missing\n');
  });
});

describe('the plan event of --json', () => {
  it('has the same steps and lines as the printed plan; bodies only with --full; the offline facts', async () => {
    const plan = new PlanConnection('web1', undefined, true);
    await inStep('switch current -> r2', () => plan.run(swap));
    await inStep('systemctl restart app', () => plan.run(restart));
    expect(planEvent('web1', plan)).toEqual({
      host: 'web1',
      assumed: OFFLINE_FACTS.replace(/^offline: /, ''),
      steps: [
        { label: 'switch current -> r2', lines: [{ text: 'switch-current.sh .tmp' }] },
        { label: 'systemctl restart app', lines: [{ text: 'sudo -n -- systemctl restart app' }] },
      ],
    });
    const full = planEvent('web1', plan, { full: true }) as { steps: Array<{ lines: Array<{ body?: string }> }> };
    expect(full.steps[0]!.lines[0]!.body).toBe('set -e\nmv -T -- "$1" current');
    expect(full.steps[1]!.lines[0]!.body).toBeUndefined();
  });
});

describe('offline answers of the steps', () => {
  const stage = testStage({ shared: ['.env'], service: { exec: 'node server.js', user: 'deploy', env: {} } });

  function offlineHost(): { host: RemoteHost; plan: PlanConnection; printed: () => string } {
    let printed = '';
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => (printed += d.toString()));
    const output = new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink });
    const plan = new PlanConnection('web1', undefined, true);
    const host = new RemoteHost('web1', plan, {
      stage,
      output,
      release: { id: '20260102T120000Z-0b0b0b', user: 'alice', origin: 'laptop' },
      dryRun: true,
      signal: new AbortController().signal,
      command: 'ship setup prod',
      lockWait: 0,
    });
    return { host, plan, printed: () => printed };
  }

  it('setup plans every file as missing: directories, the unit, its program found in /usr/bin', async () => {
    const { host, plan, printed } = offlineHost();
    await host.createDirectories();
    await host.installUnit('app.service');
    await host.removeUnit('app.socket');
    await host.enableUnits();
    expect(shownSteps(plan).map((s) => s.label)).toEqual([
      'create directories',
      'install app.service',
      'remove app.socket',
      'enable units',
    ]);
    // A step with nothing to do is in the plan too, saying why.
    expect(shownSteps(plan)[2]!.lines.map((l) => l.text)).toEqual(['(/etc/systemd/system/app.socket is not there)']);
    expect(shownSteps(plan, { full: true })[2]!.lines.map((l) => l.text)).toEqual([
      'reads: read-file-origin.sh /etc/systemd/system/app.socket',
      '(/etc/systemd/system/app.socket is not there)',
    ]);
    expect(shownSteps(plan)[1]!.lines.some((l) => l.text.includes('/etc/systemd/system/app.service'))).toBe(true);
    expect(host.setupSummary()).toBe(
      'would create /srv/app releases/ shared/ .ship/, write app.service, reload systemd, enable app.service',
    );
    expect(printed()).not.toContain('not written by ship');
  });

  it('a deploy switches from no current release, and its cleanup says there is nothing to remove', async () => {
    const { host, plan } = offlineHost();
    await host.switchCurrent();
    await host.cleanup();
    expect(host.applied.switched?.from).toBe('');
    expect(shownSteps(plan).map((s) => s.label)).toEqual(['switch current -> 20260102T120000Z-0b0b0b', 'cleanup']);
    expect(shownSteps(plan)[1]!.lines.map((l) => l.text)).toEqual(['(nothing old to remove; keep is 3)']);
  });

  it('a rollback offline: a named release is taken as there; without one, an error says what to do', async () => {
    const { host } = offlineHost();
    expect(await host.rollbackTarget('20260101T120000Z-0a0a0a')).toBe('20260101T120000Z-0a0a0a');
    await expect(host.rollbackTarget()).rejects.toThrow(/offline plan assumes a host with no releases/);
  });
});
