/**
 * The second look at an `--artifact` tarball, after tar has extracted it: what is on disk now,
 * not what the headers said. Each symbolic link is resolved the way the kernel will resolve it
 * on a host, one component at a time through the links already there, so a chain of links that
 * each look harmless (`d/b -> ..`, then `a -> d/b/..`) cannot lead out of the release. Only
 * files, directories and links may be there.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Links followed for one path before it counts as a loop (Linux stops at 40). */
const MAX_HOPS = 40;

/** Why the extracted tree under `root` must not be deployed, or undefined when it is fine. */
export async function extractedProblem(root: string): Promise<string | undefined> {
  if (!(await lstat(root)).isDirectory()) return 'it replaced its own root directory';
  return walk(root, '');

  async function walk(abs: string, rel: string): Promise<string | undefined> {
    for (const dirent of await readdir(abs, { withFileTypes: true })) {
      const path = rel ? `${rel}/${dirent.name}` : dirent.name;
      const full = join(abs, dirent.name);
      const info = await lstat(full);
      let problem: string | undefined;
      if (info.isDirectory()) problem = await walk(full, path);
      else if (info.isSymbolicLink()) problem = await linkProblem(root, path);
      else if (!info.isFile()) problem = `member ${JSON.stringify(path)} is neither a file, a directory nor a link once extracted`;
      if (problem) return problem;
    }
    return undefined;
  }
}

/** Resolve the link at `path` (relative to root) inside root; say why when it leads out. */
async function linkProblem(root: string, path: string): Promise<string | undefined> {
  const shown = `member ${JSON.stringify(path)}`;
  const target = await readlink(join(root, path));
  // Components still to walk; `real` is where we are, relative to root.
  const todo = [...path.split('/').slice(0, -1), ...target.split('/')];
  if (target.startsWith('/')) return `${shown} is a symbolic link to an absolute path (${target}); links must stay inside the release`;
  const real: string[] = [];
  let hops = 0;
  let gone = false; // past a name that does not exist: the rest is read as written
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (real.length === 0)
        return `${shown} is a symbolic link to ${target}, which leads out of the release${hops > 0 ? ' through the links it passes' : ''}`;
      real.pop();
      continue;
    }
    real.push(part);
    if (gone) continue;
    const info = await lstat(join(root, ...real)).catch(() => undefined);
    if (!info) {
      gone = true;
      continue;
    }
    if (!info.isSymbolicLink()) continue;
    if (++hops > MAX_HOPS) return `${shown} is a symbolic link that loops (more than ${MAX_HOPS} links to follow)`;
    const next = await readlink(join(root, ...real));
    if (next.startsWith('/'))
      return `${shown} is a symbolic link to ${target}, which leads to an absolute path (${real.join('/')} -> ${next})`;
    real.pop();
    todo.unshift(...next.split('/'));
  }
  return undefined;
}
