import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath } from '../../../src/output/display-path.js';

describe('displayPath', () => {
  it('shows a path under the working directory relative to it, any other as given', () => {
    expect(displayPath(join(process.cwd(), 'recipes', 'deploy.ts'))).toBe(join('recipes', 'deploy.ts'));
    expect(displayPath(process.cwd())).toBe(process.cwd());
    const outside = resolve(process.cwd(), '..', 'elsewhere', 'hosts.ts');
    expect(displayPath(outside)).toBe(outside);
  });
});
