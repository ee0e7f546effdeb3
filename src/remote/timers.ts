/**
 * The commands behind scheduled jobs: checking an OnCalendar expression on the host, finding the
 * timer units ship wrote, reading their state, running one now and reading that run's journal.
 * Pure builders (argv data); the one script is src/remote/sh/list-timer-units.sh.
 */
import { labelled, type Command } from './command.js';
import { script } from './scripts.js';

/** What `ship status` and `ship timers` read of a job's units (systemctl show -p). */
export const TIMER_PROPERTIES = ['Id', 'NextElapseUSecRealtime', 'LastTriggerUSec'] as const;
export const JOB_PROPERTIES = ['Id', 'ActiveState', 'Result', 'ExecMainStatus', 'ExecMainStartTimestamp', 'ExecMainExitTimestamp'] as const;

export const timers = {
  /** Exit 0 when systemd reads `expression` as an OnCalendar= value; else its reason on stderr. */
  checkCalendar: (expression: string): Command =>
    labelled(`check OnCalendar ${JSON.stringify(expression)}`, { argv: ['systemd-analyze', 'calendar', '--', expression] }),

  /** Names of the .timer files in /etc/systemd/system that hold `marker` (see timerMarker). */
  listOwn: (marker: string): Command => labelled('list the timers ship wrote', script('list-timer-units.sh', marker)),

  /**
   * The wrapper each job's service runs (src/remote/sh/run-job.sh). Not run over SSH: setup
   * installs its body (scriptText of `.script`) as <path>/.ship/run-job.sh, and the unit's
   * ExecStart= gives it the deploy path and the job's argv.
   */
  wrapper: (): Command => script('run-job.sh'),

  /** `Key=value` lines, a blank line between units, for each unit (`hello-backup.timer`, `hello-backup.service`). */
  show: (units: readonly string[]): Command => ({
    argv: ['systemctl', 'show', ...[...new Set([...TIMER_PROPERTIES, ...JOB_PROPERTIES])].flatMap((p) => ['-p', p]), '--', ...units],
  }),

  /** Start the job's service now and wait for it to end (a oneshot's start returns when it has run); non-zero when it failed. */
  start: (service: string): Command => ({ argv: ['systemctl', 'start', '--', service], sudo: true }),

  /** The id of the service's latest run, for its journal. */
  invocation: (service: string): Command => ({ argv: ['systemctl', 'show', '-p', 'InvocationID', '--value', '--', service] }),

  /**
   * Have journald write out what it has: a job's last lines travel a stream socket and may not be
   * readable yet when `systemctl start` returns.
   */
  syncJournal: (): Command => ({ argv: ['journalctl', '--sync'], sudo: true }),

  /** Everything one run of a unit wrote to the journal, message text only. */
  journalOf: (invocation: string, lines: number): Command => ({
    argv: ['journalctl', `_SYSTEMD_INVOCATION_ID=${invocation}`, '-n', String(lines), '--no-pager', '-o', 'cat'],
    sudo: true,
  }),
};

/**
 * The line (part of the header the job.timer template writes) by which setup finds the timers it
 * wrote for one deploy path, and so which to remove once hosts.ts no longer has them.
 */
export const timerMarker = (path: string): string => ` of ${path}, written by ship setup`;
