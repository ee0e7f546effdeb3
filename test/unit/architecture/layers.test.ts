/**
 * The folders of src/ stand in one order, from the bottom: a module imports only from its own
 * folder and the folders below it, so each layer can be read knowing only the ones under it.
 * Counted on the same import graph as the cycle check (type-only and dynamic imports included).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, root, sourceFiles } from './import-graph.js';

/** Bottom first. A top-level file of src/ stands for itself (`errors.ts`). */
const LAYERS: ReadonlyArray<{ folder: string; why: string }> = [
  { folder: 'errors.ts', why: 'the error types every layer throws; imports nothing of ship' },
  { folder: 'local', why: 'facts about this machine and process (cache dir, temp dirs); no ship types' },
  { folder: 'remote', why: 'commands as data and their one renderer; nothing here runs anything' },
  { folder: 'output', why: 'what the user sees; prints rendered commands' },
  { folder: 'systemd', why: 'unit files and env files as text, from values, for setup to write' },
  { folder: 'config', why: 'hosts.ts: its types, loading and validation; writes the env file the way systemd reads it' },
  { folder: 'transport', why: 'ssh and the local shell: runs commands from remote/ on hosts from config/' },
  { folder: 'session', why: 'one command run: the stage, its connections, the dry-run plan' },
  { folder: 'release', why: 'builds and streams a release to the hosts of a session' },
  { folder: 'acme', why: 'certificates: ACME, the due policy, files on the hosts over a transport' },
  { folder: 'host', why: 'the recipe verbs on one host, from releases, locks and units' },
  { folder: 'recipe', why: 'defines and runs recipes over the hosts of a session' },
  { folder: 'index.ts', why: "the public API ('ship-deploy'): re-exports for hosts.ts and recipes" },
  { folder: 'actions', why: 'the work of each command that is not a recipe (certs, doctor, exec, ...)' },
  { folder: 'cli', why: 'commander wiring: each command calls one action or recipe; hands index.ts to the loaders' },
];

/** `errors.ts` or `remote` for a module of src/. */
function layerOf(file: string): string {
  const path = relative(root, file);
  return path.includes('/') ? (path.split('/')[0] as string) : path;
}

/** `remote/` for a folder, `index.ts` for a top-level file. */
const shown = (layer: string) => (layer.endsWith('.ts') ? layer : `${layer}/`);

/** One line for each import that runs from a lower layer up to a higher one. */
function upImports(graph: ReadonlyMap<string, readonly string[]>, layers: readonly string[], layer: (file: string) => string): string[] {
  const rank = new Map(layers.map((name, i) => [name, i]));
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const a = layer(from);
      const b = layer(to);
      if ((rank.get(a) ?? -1) < (rank.get(b) ?? -1)) found.push(`${from} imports ${to}: ${shown(a)} is below ${shown(b)}`);
    }
  }
  return found.sort();
}

describe('layers of src/', () => {
  it('finds an import that runs up (the check itself)', () => {
    const graph = new Map([
      ['low/a.ts', ['high/b.ts', 'low/c.ts']],
      ['high/b.ts', ['low/a.ts']],
      ['low/c.ts', []],
    ]);
    expect(upImports(graph, ['low', 'high'], (f) => f.split('/')[0] as string)).toEqual([
      'low/a.ts imports high/b.ts: low/ is below high/',
    ]);
  });

  it('names every folder and top-level file of src/ exactly once', () => {
    const present = [...new Set(sourceFiles(root).map(layerOf))].sort();
    const named = LAYERS.map((l) => l.folder);
    expect(new Set(named).size).toBe(named.length);
    expect([...named].sort(), 'a new folder of src/ needs its place (and a reason) in LAYERS').toEqual(present);
    for (const { folder, why } of LAYERS) expect(why, folder).not.toBe('');
  });

  it('has no import that runs up the order', () => {
    const files = sourceFiles(root);
    const graph = importGraph(files, (file) => readFileSync(file, 'utf8'));
    const named = (file: string) => `src/${relative(root, file)}`;
    const relativeGraph = new Map([...graph].map(([from, to]) => [named(from), to.map(named)]));
    const found = upImports(
      relativeGraph,
      LAYERS.map((l) => l.folder),
      (file) => layerOf(`${root}/${file.slice('src/'.length)}`),
    );
    expect(found, `imports that run up the layers (move the shared piece down into a module of its own):\n${found.join('\n')}`).toEqual([]);
  });
});
