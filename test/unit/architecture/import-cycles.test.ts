/**
 * The import graph of src/ has no cycle: every module can be read (and loaded) after the ones it
 * imports. Parsed with the TypeScript compiler, so `import type`, `export ... from` and dynamic
 * `import('...')` count too: a type-only cycle still ties two folders together for a reader.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, root, sourceFiles, specifiers } from './import-graph.js';

/** Strongly connected components of more than one module, or of one that imports itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

describe('import graph of src/', () => {
  it('finds a cycle when there is one (the check itself)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
      ['e', ['e']],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(
      specifiers(
        'x.ts',
        "import type { A } from './a.js'; export { b } from './b.js'; const c = () => import('./c.js'); type D = typeof import('./d.js');",
      ),
    ).toEqual(['./a.js', './b.js', './c.js', './d.js']);
  });

  it('has no cycle', () => {
    const files = sourceFiles(root);
    expect(files.length).toBeGreaterThan(50);
    const found = cycles(importGraph(files, (file) => readFileSync(file, 'utf8')));
    const report = found.map((component) => component.map((file) => relative(root, file)).join(' <-> '));
    expect(report, `import cycles in src/ (each line one set of modules that import each other):\n${report.join('\n')}`).toEqual([]);
  });
});
