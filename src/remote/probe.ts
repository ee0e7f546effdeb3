/**
 * Read-only questions ship asks a host. Where a shell is needed the script is a file in
 * src/remote/sh and every value is passed as a positional parameter ("$1"), never spliced in.
 */
import type { Command } from './command.js';
import { script } from './scripts.js';

export const probe = {
  whoami: (): Command => ({ argv: ['id', '-un'] }),
  sudo: (): Command => ({ argv: ['sudo', '-n', 'true'] }),
  systemd: (): Command => script('probe-systemd.sh'),
  tool: (name: string): Command => script('find-tool.sh', name),
  /** Prints the nearest existing ancestor of PATH (PATH itself if it exists), then `writable` or not. */
  existingAncestor: (path: string): Command => script('existing-ancestor.sh', path),
  /** Free kilobytes on the filesystem holding PATH (or its nearest existing ancestor). */
  freeSpace: (path: string): Command => script('free-space.sh', path),
};
