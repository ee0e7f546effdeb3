import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { findRecipe } from '../../../src/recipe/runner.js';

describe('findRecipe', () => {
  it("takes the project's recipes/<name>.ts before ship's built-in one", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-recipes-'));
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', 'deploy.ts'), 'export default 1;\n');
    expect(findRecipe(dir, 'deploy')).toBe(join(dir, 'recipes', 'deploy.ts'));
  });

  it("falls back to ship's built-in recipe of that name", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-recipes-'));
    expect(findRecipe(dir, 'rollback')).toMatch(/recipes[/\\]rollback\.ts$/);
  });

  it('names both places it looked when neither has the recipe, and says how to write one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-recipes-'));
    expect(() => findRecipe(dir, 'backup')).toThrow(ConfigError);
    expect(() => findRecipe(dir, 'backup')).toThrow(/no recipe "backup": neither .*recipes[/\\]backup\.ts nor a built-in recipe/);
  });

  it.each(['../etc/passwd', 'a/b', '', '-x', 'a b'])('refuses %j as a recipe name', (name) => {
    expect(() => findRecipe('/nonexistent', name)).toThrow(/invalid recipe name/);
  });
});
