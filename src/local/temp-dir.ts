/**
 * Temporary directories of a run (a --ref worktree, an unpacked --artifact), named after the
 * process that made them so that one left by a ship killed with -9 can be removed later, and only
 * then: TMPDIR may be shared with other machines, containers and pid namespaces, where the same
 * pid is someone else, so a directory is removed only when provablyGone() says its maker is dead.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentProcess, provablyGone } from './process-identity.js';

const NAME = /^ship-tmp-([0-9a-f]+)-(\d+)-(\d+)-/;

/** Make `ship-tmp-<machine>-<pid>-<start>-<what>-XXXXXX` in TMPDIR, after sweeping abandoned ones. */
export async function makeTempDir(what: string): Promise<string> {
  await removeAbandoned();
  const me = currentProcess();
  return mkdtemp(join(tmpdir(), `ship-tmp-${me.machine || '0'}-${me.pid}-${me.start || '0'}-${what}-`));
}

/** Remove this user's temporary directories whose ship provably no longer runs. */
export async function removeAbandoned(dir = tmpdir()): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const name of entries) {
    const match = NAME.exec(name);
    if (!match || !provablyGone({ machine: match[1], pid: Number(match[2]), start: match[3] })) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory() && info.uid === process.getuid?.()) await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}
