/**
 * The second look at an extracted --artifact tree, on real trees in a temp dir: links resolved
 * one component at a time through the links already there, as the kernel will on a host.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractedProblem } from '../../../src/release/extracted-tree.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ship-extracted-'));
  await mkdir(join(root, 'app', 'lib'), { recursive: true });
  await writeFile(join(root, 'app', 'lib', 'index.js'), 'ok\n');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('extractedProblem', () => {
  it('passes files, directories and links that stay inside, also through other links and to names not there yet', async () => {
    await symlink('lib/index.js', join(root, 'app', 'main.js'));
    await symlink('app/lib', join(root, 'lib'));
    await symlink('lib/../main.js', join(root, 'app', 'again.js')); // app/lib/.. is app
    await symlink('../shared/uploads', join(root, 'app', 'uploads')); // shared/ comes at deploy time
    await symlink('../lib/./index.js', join(root, 'app', 'lib', 'self.js'));
    expect(await extractedProblem(root)).toBeUndefined();
  });

  it('refuses a link that leads out, directly or through a chain of links that each look harmless', async () => {
    await symlink('../../etc/passwd', join(root, 'app', 'out'));
    expect(await extractedProblem(root)).toBe('member "app/out" is a symbolic link to ../../etc/passwd, which leads out of the release');
    await rm(join(root, 'app', 'out'));
    await mkdir(join(root, 'd'));
    await symlink('..', join(root, 'd', 'b')); // d/b -> .. is the root: inside
    await symlink('d/b/..', join(root, 'a')); // but a -> d/b/.. is above the root
    expect(await extractedProblem(root)).toBe(
      'member "a" is a symbolic link to d/b/.., which leads out of the release through the links it passes',
    );
  });

  it('refuses absolute links, also one reached through another link', async () => {
    await symlink('/etc', join(root, 'app', 'etc'));
    expect(await extractedProblem(root)).toBe(
      'member "app/etc" is a symbolic link to an absolute path (/etc); links must stay inside the release',
    );
    await rm(join(root, 'app', 'etc'));
    // w/via -> ../y/x passes y -> /srv. y is a member too, so whichever the walk meets first is
    // named; both are refusals of the same tree.
    await mkdir(join(root, 'w'));
    await symlink('../y/x', join(root, 'w', 'via'));
    await symlink('/srv', join(root, 'y'));
    expect([
      'member "w/via" is a symbolic link to ../y/x, which leads to an absolute path (y -> /srv)',
      'member "y" is a symbolic link to an absolute path (/srv); links must stay inside the release',
    ]).toContain(await extractedProblem(root));
  });

  it('refuses a loop of links and anything that is not a file, directory or link', async () => {
    await symlink('b', join(root, 'a'));
    await symlink('a', join(root, 'b'));
    expect(await extractedProblem(root)).toMatch(/^member "[ab]" is a symbolic link that loops \(more than 40 links to follow\)$/);
    await rm(join(root, 'a'));
    await rm(join(root, 'b'));
    execFileSync('mkfifo', [join(root, 'app', 'pipe')]);
    expect(await extractedProblem(root)).toBe('member "app/pipe" is neither a file, a directory nor a link once extracted');
  });

  it('says when the root itself was replaced', async () => {
    const file = join(root, 'app', 'lib', 'index.js');
    expect(await extractedProblem(file)).toBe('it replaced its own root directory');
  });
});
