import { describe, expect, it } from 'vitest';
import { isRecipe, recipe } from '../../../src/recipe/define.js';

describe('recipe', () => {
  it('is recognised by its mark, not by its shape', async () => {
    const run = async () => {};
    const made = recipe('backup', run);
    expect(made.name).toBe('backup');
    expect(made.run).toBe(run);
    expect(isRecipe(made)).toBe(true);
    expect(isRecipe({ name: 'backup', run })).toBe(false);
    expect(isRecipe(null)).toBe(false);
    expect(isRecipe('backup')).toBe(false);
  });
});
