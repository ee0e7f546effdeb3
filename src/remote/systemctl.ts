/**
 * Every systemctl and journalctl command ship sends, in one place. The unit name always follows
 * `--`, so a name can never be read as an option (names are validated too, see config/schema.ts).
 */
import type { Command } from './command.js';

export type UnitAction = 'restart' | 'reload' | 'start' | 'stop';

export const systemctl = {
  /** `sudo systemctl ACTION -- UNIT`: what a recipe's `host.systemctl()` runs. */
  action: (action: UnitAction, unit: string): Command => ({ argv: ['systemctl', action, '--', unit], sudo: true }),
  /** Clear a unit's failed state and its start rate limit (StartLimitBurst), before a (re)start. */
  resetFailed: (unit: string): Command => ({ argv: ['systemctl', 'reset-failed', '--', unit], sudo: true }),
  isActive: (unit: string): Command => ({ argv: ['systemctl', 'is-active', '--', unit] }),
  /** `ActiveState` then `InvocationID`, one per line: what the unit is doing, and which run of it this is. */
  probe: (unit: string): Command => ({ argv: ['systemctl', 'show', '-p', 'ActiveState', '-p', 'InvocationID', '--value', '--', unit] }),
  daemonReload: (): Command => ({ argv: ['systemctl', 'daemon-reload'], sudo: true }),
  /** Prints one state per unit (`enabled`, `disabled`, `not-found`...); non-zero unless all are enabled. */
  isEnabled: (names: readonly string[]): Command => ({ argv: ['systemctl', 'is-enabled', '--', ...names] }),
  enable: (names: readonly string[]): Command => ({ argv: ['systemctl', 'enable', '--', ...names], sudo: true }),
  /** Remove the unit from boot; it keeps running until stopped. */
  disable: (name: string): Command => ({ argv: ['systemctl', 'disable', '--', name], sudo: true }),
  stop: (name: string): Command => ({ argv: ['systemctl', 'stop', '--', name], sudo: true }),
  /**
   * The reload after a certificate is installed (certs.reload), sudo only when the stage says.
   * Without `--`: `ship certs --dry-run` has always printed `systemctl reload nginx`, and the
   * unit name is validated as a systemd unit name before it gets here.
   */
  reloadForCerts: (unit: string): Command => ({ argv: ['systemctl', 'reload', unit], sudo: true }),
};

export const journal = {
  /** The last `lines` of a unit's journal, shown when a deploy's health check fails. */
  recent: (unit: string, lines: number): Command => ({
    argv: ['journalctl', '-u', unit, '-n', String(lines), '--no-pager', '-o', 'short-iso'],
    sudo: true,
  }),
  /**
   * `ship logs`: the last `lines`, oldest first, then with `follow` new lines as they come. No
   * hostname column: ship prefixes every line with the host already. sudo, because a system
   * unit's journal is readable only by root and the adm/systemd-journal groups.
   */
  logs: (unit: string, options: { lines: number; follow: boolean }): Command => ({
    argv: [
      'journalctl',
      '-u',
      unit,
      '-n',
      String(options.lines),
      '--no-pager',
      '--no-hostname',
      '-o',
      'short-iso',
      ...(options.follow ? ['-f'] : []),
    ],
    sudo: true,
  }),
};
