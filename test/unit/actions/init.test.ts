import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { init } from '../../../src/actions/init.js';
import { Output } from '../../../src/output/output.js';

const REPO = new URL('../../../', import.meta.url).pathname;

function capture() {
  const lines: string[] = [];
  const sink = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
  return { output: new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink }), text: () => lines.join('') };
}

describe('ship init', () => {
  it('writes hosts.ts (hosts.example.ts as is) and copies of the built-in recipes and templates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-init-'));
    const { output, text } = capture();
    expect(await init(output, { configFile: join(dir, 'hosts.ts'), force: false, dryRun: false })).toBe(0);
    expect(await readFile(join(dir, 'hosts.ts'), 'utf8')).toBe(await readFile(join(REPO, 'hosts.example.ts'), 'utf8'));
    const recipes = (await readdir(join(REPO, 'recipes'))).filter((f) => f.endsWith('.ts'));
    expect(recipes).toEqual(expect.arrayContaining(['deploy.ts', 'setup.ts']));
    for (const file of recipes)
      expect(await readFile(join(dir, 'recipes', file), 'utf8')).toBe(await readFile(join(REPO, 'recipes', file), 'utf8'));
    expect(await readdir(join(dir, 'recipes/templates'))).toEqual(expect.arrayContaining(['app.service', 'app.socket']));
    expect(text()).toMatch(/wrote .*hosts\.ts/);
    expect(text()).not.toContain('kept');
  });

  it('keeps existing files and names them; --force overwrites them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-init-'));
    await writeFile(join(dir, 'hosts.ts'), 'mine\n');
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes/deploy.ts'), 'my deploy\n');
    const first = capture();
    await init(first.output, { configFile: join(dir, 'hosts.ts'), force: false, dryRun: false });
    expect(await readFile(join(dir, 'hosts.ts'), 'utf8')).toBe('mine\n');
    expect(await readFile(join(dir, 'recipes/deploy.ts'), 'utf8')).toBe('my deploy\n');
    expect(first.text()).toMatch(
      /kept 2 existing files \(ship init --force overwrites them\):\n {2}\S*hosts\.ts\n {2}\S*recipes\/deploy\.ts\n/,
    );
    expect(await readFile(join(dir, 'recipes/setup.ts'), 'utf8')).toContain("recipe('setup'");

    const forced = capture();
    await init(forced.output, { configFile: join(dir, 'hosts.ts'), force: true, dryRun: false });
    expect(await readFile(join(dir, 'hosts.ts'), 'utf8')).toContain('defineHosts');
    expect(forced.text()).not.toContain('kept');
  });

  it('--dry-run writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-init-'));
    const { output, text } = capture();
    await init(output, { configFile: join(dir, 'hosts.ts'), force: false, dryRun: true });
    expect(await readdir(dir)).toEqual([]);
    expect(text()).toMatch(/would write .*recipes\/templates\/app\.socket/);
  });
});
