/**
 * Read-only questions ship asks a host. Where a shell is needed the script is a constant and
 * every value is passed as a positional parameter ("$1"), never spliced into the script.
 */
import type { Command } from './command.js';
import { script } from './script.js';

export const probe = {
  whoami: (): Command => ({ argv: ['id', '-un'] }),
  sudo: (): Command => ({ argv: ['sudo', '-n', 'true'] }),
  systemd: (): Command => script('test -d /run/systemd/system && systemctl --version | head -n 1'),
  tool: (name: string): Command => script('command -v "$1"', name),
  /** Prints the nearest existing ancestor of PATH (PATH itself if it exists), then `writable` or not. */
  existingAncestor: (path: string): Command =>
    script('p=$1; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; printf "%s\\n" "$p"; if [ -w "$p" ]; then echo writable; else echo readonly; fi', path),
  /** Free kilobytes on the filesystem holding PATH (or its nearest existing ancestor). */
  freeSpace: (path: string): Command =>
    script('p=$1; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; df -Pk -- "$p" | awk "NR==2 {print \\$4}"', path),
};
