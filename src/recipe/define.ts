import type { RecipeContext } from './context.js';

export interface Recipe {
  readonly name: string;
  readonly run: (ctx: RecipeContext) => Promise<void>;
  readonly [RECIPE]: true;
}

const RECIPE = Symbol.for('ship.recipe');

/**
 * Define a recipe: `export default recipe('backup', async ({ hosts }) => { ... })`.
 * Run it with `ship run <stage> backup`; `deploy` and `rollback` are recipes too, and a file of
 * the same name in the project's recipes/ replaces the built-in one.
 */
export function recipe(name: string, run: (ctx: RecipeContext) => Promise<void>): Recipe {
  return { name, run, [RECIPE]: true };
}

export function isRecipe(value: unknown): value is Recipe {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RECIPE] === true;
}
