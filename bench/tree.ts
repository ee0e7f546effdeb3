/**
 * A node_modules-like build tree made from a seed, for the benchmarks of issue 19: the same seed
 * gives the same paths, bytes, modes and links on every machine, so the tree is checked in as
 * this generator, not as data.
 *
 * Shape: `node_modules/` of plain and `@scope/` packages, each with package.json, README.md,
 * LICENSE, index.js and lib/ or dist/ subtrees up to a few levels deep (.js, .d.ts, .js.map,
 * .json); some packages with a nested node_modules/ of their own; a few large bundles and
 * many tiny files; `node_modules/.bin/` symbolic links to executable (0755) CLI scripts; a
 * project package.json and server.js at the top. Content is JS-like text (gzip shrinks it about
 * 4 times), never random bytes.
 *
 *   npx jiti bench/tree.ts DIR [--files 15000] [--mb 45] [--seed 1]
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export interface TreeOptions {
  /** Regular files to make (exactly; the links come on top). */
  files?: number;
  /** Total bytes of the regular files (exactly). */
  bytes?: number;
  seed?: number;
}

export interface TreeSummary {
  files: number;
  links: number;
  dirs: number;
  bytes: number;
}

/** Make the tree in `dir` (created; must not hold a tree already). */
export function makeTree(dir: string, options: TreeOptions = {}): TreeSummary {
  const files = options.files ?? 15_000;
  const bytes = options.bytes ?? 45 * 1024 * 1024;
  const random = mulberry32(options.seed ?? 1);
  const words = vocabulary(random);
  const lines = Array.from({ length: 1536 }, () => codeLine(random, words));

  const paths = layout(random, words, files);
  const sizes = fileSizes(
    random,
    paths.map((p) => p.kind),
    bytes,
  );
  const made = new Set<string>();
  const mkdir = (d: string) => {
    if (made.has(d)) return;
    mkdirSync(d, { recursive: true });
    for (let up = d; up !== dir && !made.has(up); up = dirname(up)) made.add(up);
  };
  for (const [i, { path, kind }] of paths.entries()) {
    const full = join(dir, path);
    mkdir(dirname(full));
    writeFileSync(full, content(random, kind, path, sizes[i]!, lines), { mode: kind === 'bin' ? 0o755 : 0o644 });
  }
  // `.bin` links the way npm makes them, to the packages' executables; and one link to a directory.
  const bins = paths.filter((p) => p.kind === 'bin').map((p) => p.path);
  const binDir = join(dir, 'node_modules/.bin');
  mkdir(binDir);
  for (const bin of bins) symlinkSync(relative(binDir, join(dir, bin)), join(binDir, bin.split('/').at(-1)!.replace(/\.js$/, '')));
  symlinkSync('node_modules/.bin', join(dir, 'bin'));
  return { files: paths.length, links: bins.length + 1, dirs: made.size, bytes };
}

type Kind = 'js' | 'dts' | 'map' | 'json' | 'pkg' | 'md' | 'license' | 'bin';

const BINS = 3;

/** Every regular file's path, package by package, until `files` are laid out. */
function layout(random: () => number, words: string[], files: number): Array<{ path: string; kind: Kind }> {
  const out: Array<{ path: string; kind: Kind }> = [
    { path: 'package.json', kind: 'pkg' },
    { path: 'server.js', kind: 'js' },
  ];
  const name = () => `${pick(random, words)}${random() < 0.4 ? `-${pick(random, words)}` : ''}`;
  const taken = new Set<string>();
  const seen = new Set(out.map((o) => o.path));
  let bins = 0;
  while (out.length < files) {
    let pkg = random() < 0.15 ? `@${pick(random, words)}/${name()}` : name();
    while (taken.has(pkg)) pkg = `${pkg}-${Math.floor(random() * 100)}`;
    taken.add(pkg);
    // Now and then a dependency npm could not hoist: node_modules inside a package.
    const parent = random() < 0.1 && taken.size > 1 ? `node_modules/${pick(random, [...taken].slice(0, 50))}/` : '';
    const root = `${parent}node_modules/${pkg}`;
    const own: Array<{ path: string; kind: Kind }> = [
      { path: `${root}/package.json`, kind: 'pkg' },
      { path: `${root}/README.md`, kind: 'md' },
      { path: `${root}/LICENSE`, kind: 'license' },
      { path: `${root}/index.js`, kind: 'js' },
    ];
    if (bins < BINS && random() < 0.2) own.push({ path: `${root}/bin/${pkg.split('/').at(-1)}.js`, kind: 'bin' });
    // Most packages are small; a few carry hundreds of files in lib/ or dist/, a few levels deep.
    const count = random() < 0.1 ? 40 + Math.floor(random() * 200) : Math.floor(random() * 12);
    const dirs = [`${root}/${random() < 0.5 ? 'lib' : 'dist'}`];
    for (let i = 0; i < count; i++) {
      if (random() < 0.15) dirs.push(`${pick(random, dirs)}/${pick(random, words)}`);
      const base = `${pick(random, dirs)}/${name()}`;
      const r = random();
      const kind: Kind = r < 0.55 ? 'js' : r < 0.8 ? 'dts' : r < 0.95 ? 'map' : 'json';
      const ext = { js: '.js', dts: '.d.ts', map: '.js.map', json: '.json' }[kind as 'js' | 'dts' | 'map' | 'json'];
      own.push({ path: `${base}${ext}`, kind });
    }
    for (const entry of own) {
      if (out.length === files) break;
      if (seen.has(entry.path)) continue;
      seen.add(entry.path);
      if (entry.kind === 'bin') bins++;
      out.push(entry);
    }
  }
  return out;
}

/**
 * Sizes that add up to `total` exactly: log-normal like real packages (most files a few KB),
 * a tenth tiny (under 100 bytes), and a handful of bundles of half a megabyte and more.
 */
function fileSizes(random: () => number, kinds: Kind[], total: number): number[] {
  const raw = kinds.map(() => {
    if (random() < 0.1) return 20 + Math.floor(random() * 80);
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.exp(7.4 + 1.1 * normal);
  });
  const bundles = kinds.flatMap((kind, i) => (kind === 'js' || kind === 'map' ? [i] : []));
  for (let i = 0; i < Math.min(6, bundles.length); i++) raw[pick(random, bundles)] = 500_000 + random() * 1_500_000;
  const scale = total / raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((s) => Math.max(1, Math.round(s * scale)));
  // What rounding left over goes to the largest file.
  const largest = sizes.indexOf(Math.max(...sizes));
  sizes[largest]! += total - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

function content(random: () => number, kind: Kind, path: string, size: number, lines: string[]): Buffer {
  let head = '';
  if (kind === 'pkg') {
    const name =
      path === 'package.json'
        ? 'app'
        : path
            .split('node_modules/')
            .at(-1)!
            .replace(/\/package\.json$/, '');
    head = `${JSON.stringify({ name, version: `${Math.floor(random() * 9)}.${Math.floor(random() * 30)}.${Math.floor(random() * 10)}`, main: 'index.js', license: 'MIT' }, null, 2)}\n`;
  } else if (kind === 'license') head = 'MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n';
  else if (kind === 'bin') head = "#!/usr/bin/env node\n'use strict';\n";
  else if (kind === 'map') head = '{"version":3,"sources":["../src/index.ts"],"mappings":"';
  const parts = [head];
  let length = head.length;
  while (length < size) {
    const line = lines[Math.floor(random() * lines.length)]!;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('').slice(0, size), 'latin1');
}

const KEYWORDS = ['const', 'let', 'function', 'return', 'if', 'else', 'for', 'new', 'this', 'typeof', 'export', 'import', 'async', 'await'];

/** Identifiers of the kind packages use, made from syllables. */
function vocabulary(random: () => number): string[] {
  const syllables = [
    'ba',
    'co',
    'de',
    'fi',
    'go',
    'hu',
    'ja',
    'ke',
    'lo',
    'mi',
    'no',
    'pa',
    'qui',
    're',
    'so',
    'tu',
    'va',
    'xe',
    'yo',
    'ze',
  ];
  return Array.from({ length: 300 }, () => {
    const n = 2 + Math.floor(random() * 3);
    return Array.from({ length: n }, () => pick(random, syllables)).join('');
  });
}

function codeLine(random: () => number, words: string[]): string {
  const w = () => pick(random, words);
  const indent = '  '.repeat(Math.floor(random() * 4));
  const r = random();
  if (r < 0.3) return `${indent}const ${w()} = ${w()}.${w()}(${w()}, ${Math.floor(random() * 1000)});\n`;
  if (r < 0.5) return `${indent}if (${w()} ${pick(random, ['===', '!==', '<', '>'])} ${w()}) return ${w()};\n`;
  if (r < 0.65) return `${indent}${pick(random, KEYWORDS)} ${w()}(${w()}, ${w()}) {\n`;
  if (r < 0.75) return `${indent}}\n`;
  if (r < 0.85) return `${indent}// ${w()} ${w()} ${w()} ${w()} ${w()}\n`;
  return `${indent}exports.${w()} = ${w()}["${w()}"] || ${w()};\n`;
}

function pick<T>(random: () => number, from: readonly T[]): T {
  return from[Math.floor(random() * from.length)]!;
}

/** A small, fast, seeded generator (mulberry32): the same seed, the same sequence everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { files: { type: 'string' }, mb: { type: 'string' }, seed: { type: 'string' } },
  });
  const dir = positionals[0];
  if (!dir || positionals.length > 1) {
    process.stderr.write('usage: npx jiti bench/tree.ts DIR [--files 15000] [--mb 45] [--seed 1]\n');
    process.exit(2);
  }
  const started = performance.now();
  const summary = makeTree(dir, {
    files: Number(values.files ?? 15_000),
    bytes: Math.round(Number(values.mb ?? 45) * 1024 * 1024),
    seed: Number(values.seed ?? 1),
  });
  process.stdout.write(
    `${dir}: ${summary.files} files, ${summary.links} links, ${summary.dirs} directories, ${(summary.bytes / 1048576).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
