/**
 * Reading what a host's systemd says about its jobs (hostile input: only the properties and
 * units asked for, one short printable line each), the state shown per job, and which hosts
 * `ship timers <stage> run` picks.
 */
import { describe, expect, it } from 'vitest';
import { parseShow, timerLine, timerState, unitsToShow } from '../../../src/actions/timer-report.js';
import { runHosts } from '../../../src/actions/timers.js';
import type { Timer } from '../../../src/config/types.js';
import { testStage } from '../support/stage.js';

const backup: Timer = {
  name: 'backup',
  run: ['bin/backup'],
  on: 'daily',
  once: true,
  unit: 'app-backup',
  field: 'stages.prod.timers.backup',
};
const purge: Timer = { name: 'purge', run: ['bin/purge'], on: 'hourly', once: false, unit: 'app-purge', field: 'stages.prod.timers.purge' };
const stage = testStage({ hosts: ['web1', 'web2'], timers: [backup, purge] });
const KEYS = ['Id', 'NextElapseUSecRealtime', 'ActiveState', 'Result', 'ExecMainStatus', 'ExecMainStartTimestamp'];

const show = (timer: Record<string, string>, service: Record<string, string>) =>
  [
    ...Object.entries({ Id: 'app-backup.timer', ...timer }).map(([k, v]) => `${k}=${v}`),
    '',
    ...Object.entries({ Id: 'app-backup.service', ...service }).map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');

describe('timer state', () => {
  it('keeps only the properties asked for, first value wins, control characters out, long values cut', () => {
    const parsed = parseShow(
      'Id=a.timer\nNextElapseUSecRealtime=Tue 2026-12-08 00:00:00 UTC\x1b[31m\nNextElapseUSecRealtime=later\n__proto__=x\nEvil\n\nId=b.service\nResult=' +
        'x'.repeat(500),
      KEYS,
    );
    expect(parsed.get('a.timer')).toEqual({ Id: 'a.timer', NextElapseUSecRealtime: 'Tue 2026-12-08 00:00:00 UTC[31m' });
    expect(parsed.get('b.service')!.Result).toHaveLength(201);
    expect(Object.getPrototypeOf(parsed.get('a.timer'))).toBe(Object.prototype);
  });

  it('ok, never run, running, failed, and unknown units', () => {
    const at = (t: Record<string, string>, s: Record<string, string>) => timerState(stage, backup, parseShow(show(t, s), KEYS));
    const next = { NextElapseUSecRealtime: 'Tue 2026-12-08 00:00:00 UTC' };
    const ran = { ActiveState: 'inactive', Result: 'success', ExecMainStatus: '0', ExecMainStartTimestamp: 'Mon 2026-12-07 12:00:00 UTC' };
    expect(at(next, ran)).toEqual({
      name: 'backup',
      unit: 'app-backup.timer',
      on: 'daily',
      once: 'web1',
      result: 'ok',
      lastRun: 'Mon 2026-12-07 12:00:00 UTC',
      nextRun: 'Tue 2026-12-08 00:00:00 UTC',
      failed: false,
    });
    expect(at(next, { ActiveState: 'inactive', Result: 'success', ExecMainStartTimestamp: '' })).toMatchObject({
      result: 'never run',
      lastRun: null,
      failed: false,
    });
    expect(at(next, { ...ran, ActiveState: 'activating' })).toMatchObject({ result: 'running', failed: false });
    expect(at(next, { ...ran, Result: 'exit-code', ExecMainStatus: '3' })).toMatchObject({
      result: 'failed (exit-code, status 3)',
      failed: true,
    });
    expect(at({ NextElapseUSecRealtime: '' }, ran)).toMatchObject({ nextRun: null, failed: true });
    expect(timerState(stage, backup, new Map())).toMatchObject({ result: 'unknown', failed: true });
    expect(timerLine(at(next, ran))).toBe(
      'backup  [daily]  once (on web1)  last: ok at Mon 2026-12-07 12:00:00 UTC  next: Tue 2026-12-08 00:00:00 UTC',
    );
    expect(unitsToShow([backup, purge])).toEqual(['app-backup.timer', 'app-backup.service', 'app-purge.timer', 'app-purge.service']);
  });

  it('ship timers run: a once timer on its one host, others on every host of the run; says when --host leaves it none', () => {
    expect(runHosts({ stage, hosts: ['web1', 'web2'] }, backup)).toEqual(['web1']);
    expect(runHosts({ stage, hosts: ['web1', 'web2'] }, purge)).toEqual(['web1', 'web2']);
    expect(runHosts({ stage, hosts: ['web2'] }, purge)).toEqual(['web2']);
    expect(() => runHosts({ stage, hosts: ['web2'] }, backup)).toThrow(/timer backup runs once, on web1, which this run does not include/);
  });
});
