/**
 * artifactProblem on tarballs made by the real tar: what a release may hold, and every way a
 * member could land outside the release directory or be something other than a file.
 */
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactProblem } from '../../../src/release/artifact.js';

let dir: string;
const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(60)}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ship-artifact-test-'));
  await mkdir(join(dir, 'c', 'bin'), { recursive: true });
  await mkdir(join(dir, 'c', long), { recursive: true });
  await writeFile(join(dir, 'c', 'server.js'), 'x');
  await writeFile(join(dir, 'c', long, 'file.txt'), 'x');
  await symlink('../server.js', join(dir, 'c', 'bin', 'inside'));
  await mkdir(join(dir, 'odd'));
  await symlink('/etc/passwd', join(dir, 'odd', 'abs-link'));
  await symlink('../../etc', join(dir, 'odd', 'out-link'));
  await execa('mkfifo', [join(dir, 'odd', 'fifo')]);
});

async function tarball(name: string, args: string[]): Promise<string> {
  const file = join(dir, name);
  await execa('tar', [name.endsWith('.gz') ? '-czf' : '-cf', file, ...args]);
  return file;
}

describe('artifactProblem', () => {
  it('accepts files, directories, links inside the release and long names (GNU and pax), gzipped or not', async () => {
    expect(await artifactProblem(await tarball('ok.tar.gz', ['-C', join(dir, 'c'), '.']))).toBeUndefined();
    expect(await artifactProblem(await tarball('ok.tar', ['-C', join(dir, 'c'), '.']))).toBeUndefined();
    expect(await artifactProblem(await tarball('pax.tar', ['--format=pax', '-C', join(dir, 'c'), '.']))).toBeUndefined();
  });

  it('refuses absolute names, "..", also hidden in a long name', async () => {
    expect(await artifactProblem(await tarball('abs.tar.gz', ['-P', join(dir, 'c', 'server.js')]))).toMatch(/has an absolute path/);
    expect(await artifactProblem(await tarball('up.tar', ['-P', '-C', join(dir, 'c'), '--transform', 's,^,../,', 'server.js']))).toBe(
      'member "../server.js" has ".." in its path',
    );
    const hidden = await tarball('long-up.tar', [
      '-P',
      '-C',
      join(dir, 'c'),
      '--transform',
      's,file.txt,../../../../x,',
      `${long}/file.txt`,
    ]);
    expect(await artifactProblem(hidden)).toMatch(/has "\.\." in its path/);
    const paxHidden = await tarball('pax-up.tar', [
      '--format=pax',
      '-P',
      '-C',
      join(dir, 'c'),
      '--transform',
      's,file.txt,../../../../x,',
      `${long}/file.txt`,
    ]);
    expect(await artifactProblem(paxHidden)).toMatch(/has "\.\." in its path/);
  });

  it('refuses device files, FIFOs and links that lead out of the release', async () => {
    if (process.getuid?.() === 0) {
      await execa('mknod', [join(dir, 'odd', 'null'), 'c', '1', '3']);
      expect(await artifactProblem(await tarball('dev.tar', ['-C', join(dir, 'odd'), 'null']))).toBe(
        'member "null" is a device file (character device); a release holds regular files, directories and links only',
      );
    }
    expect(await artifactProblem(await tarball('fifo.tar', ['-C', join(dir, 'odd'), 'fifo']))).toMatch(/is a FIFO/);
    expect(await artifactProblem(await tarball('abs-link.tar', ['-C', join(dir, 'odd'), 'abs-link']))).toMatch(
      /symbolic link to an absolute path \(\/etc\/passwd\)/,
    );
    expect(await artifactProblem(await tarball('out-link.tar', ['-C', join(dir, 'odd'), 'out-link']))).toMatch(
      /symbolic link that leads out of the release/,
    );
  });

  it('says what a file is when it is not a tarball', async () => {
    await writeFile(join(dir, 'notes.txt'), 'hello');
    expect(await artifactProblem(join(dir, 'notes.txt'))).toBe('it is not a tarball; ship reads .tar and .tar.gz files');
    await execa('sh', ['-c', `head -c 10 ${join(dir, 'ok.tar.gz')} > ${join(dir, 'cut.tar.gz')}`]);
    expect(await artifactProblem(join(dir, 'cut.tar.gz'))).toMatch(/cannot be read as a tarball|cut short|holds no files/);
  });
});
