/**
 * `ship init`: give a project its hosts.ts (a copy of hosts.example.ts, whose comments explain
 * every field) and copies of the built-in recipes and unit templates, so the user can read and
 * change exactly what ship will do. Existing files are kept unless --force; nothing remote.
 */
import { constants } from 'node:fs';
import { access, copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../errors.js';
import type { Output } from '../output/output.js';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface InitOptions {
  /** Where hosts.ts goes (--config); recipes/ goes beside it. */
  configFile: string;
  force: boolean;
  dryRun: boolean;
}

/** Source -> destination pairs: hosts.example.ts, recipes/*.ts, recipes/templates/*. */
export async function filesToCopy(configFile: string, root = PACKAGE_ROOT): Promise<Array<{ from: string; to: string }>> {
  const projectDir = dirname(configFile);
  const list = async (dir: string, keep: (name: string) => boolean) =>
    (await readdir(join(root, dir), { withFileTypes: true }))
      .filter((e) => e.isFile() && keep(e.name))
      .map((e) => e.name)
      .sort()
      .map((name) => ({ from: join(root, dir, name), to: join(projectDir, dir, name) }));
  return [
    { from: join(root, 'hosts.example.ts'), to: configFile },
    ...(await list('recipes', (n) => n.endsWith('.ts'))),
    ...(await list('recipes/templates', () => true)),
  ];
}

export async function init(output: Output, options: InitOptions): Promise<number> {
  const shown = (path: string) => relative(process.cwd(), path) || path;
  const written: string[] = [];
  const kept: string[] = [];
  for (const { from, to } of await filesToCopy(options.configFile)) {
    const done = await place(from, to, options);
    (done ? written : kept).push(shown(to));
    output.event('file', { path: to, action: done ? (options.dryRun ? 'would-write' : 'written') : 'kept' });
  }
  const verb = options.dryRun ? 'would write' : 'wrote';
  for (const file of written) output.info(`${verb} ${file}`);
  if (kept.length > 0) {
    output.info(`kept ${kept.length} existing file${kept.length === 1 ? '' : 's'} (ship init --force overwrites them):`);
    for (const file of kept) output.info(`  ${file}`);
  }
  if (!options.dryRun) {
    output.info(`next: edit ${shown(options.configFile)} (every field is explained there), then run: ship setup <stage>`);
    output.info(
      'recipes/ holds copies of the built-in recipes and unit templates: a file there replaces the built-in one of the same name.',
    );
    output.info('keep the env files (service.envFile) out of version control: they hold secrets.');
  }
  return ExitCode.ok;
}

/** Copy unless the destination exists (or always with --force). Returns whether it (would have) copied. */
async function place(from: string, to: string, options: InitOptions): Promise<boolean> {
  if (options.dryRun) return options.force || !(await exists(to));
  await mkdir(dirname(to), { recursive: true });
  try {
    // COPYFILE_EXCL: the check and the copy are one step, so a file that appears meanwhile is kept too.
    await copyFile(from, to, options.force ? 0 : constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
