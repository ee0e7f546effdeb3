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
   * Whose is the unit name `name`: `ship` when /etc/systemd/system/<name> is a file carrying
   * ship's "written by ship setup" line, `other PATH` for any other file (or link) there, or for a
   * unit file of that name anywhere else on systemd's search path, which writing
   * /etc/systemd/system/<name> would shadow (a distro's nginx.service); else `missing`.
   */
  fileOwner: (name: string): Command => ({
    argv: ['sh', '-c', [
      'f=/etc/systemd/system/$1',
      'if [ -e "$f" ] || [ -L "$f" ]; then',
      '  { [ -f "$f" ] && [ ! -L "$f" ] && grep -q "written by ship setup" -- "$f"; } || { echo "other $f"; exit 0; }',
      'fi',
      'dirs=$(systemd-analyze unit-paths 2>/dev/null) || dirs="/run/systemd/system /usr/local/lib/systemd/system /usr/lib/systemd/system /lib/systemd/system"',
      'for d in $dirs; do',
      '  [ "$d" = /etc/systemd/system ] && continue',
      '  if [ -e "$d/$1" ] || [ -L "$d/$1" ]; then echo "other $d/$1"; exit 0; fi',
      'done',
      'if [ -e "$f" ]; then echo ship; else echo missing; fi',
    ].join('\n'), 'sh', name],
  }),

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
