/** Builders for the systemctl and journalctl commands of `ship setup` and `ship logs`. */
import type { Command } from './command.js';

export const units = {
  daemonReload: (): Command => ({ argv: ['systemctl', 'daemon-reload'], sudo: true }),
  /** Prints one state per unit (`enabled`, `disabled`, `not-found`...); non-zero unless all are enabled. */
  isEnabled: (names: readonly string[]): Command => ({ argv: ['systemctl', 'is-enabled', '--', ...names] }),
  enable: (names: readonly string[]): Command => ({ argv: ['systemctl', 'enable', '--', ...names], sudo: true }),
  isActive: (name: string): Command => ({ argv: ['systemctl', 'is-active', '--', name] }),
  /** Remove the unit from boot; it keeps running until stopped. */
  disable: (name: string): Command => ({ argv: ['systemctl', 'disable', '--', name], sudo: true }),
  stop: (name: string): Command => ({ argv: ['systemctl', 'stop', '--', name], sudo: true }),

  /**
   * The unit's journal, oldest first: the last `lines`, then with `follow` new lines as they
   * come. No hostname column: ship prefixes every line with the host already. sudo, because a
   * system unit's journal is readable only by root and the adm/systemd-journal groups.
   */
  journal: (unit: string, options: { lines: number; follow: boolean }): Command => ({
    argv: ['journalctl', '-u', unit, '-n', String(options.lines), '--no-pager', '--no-hostname', '-o', 'short-iso', ...(options.follow ? ['-f'] : [])],
    sudo: true,
  }),
};
