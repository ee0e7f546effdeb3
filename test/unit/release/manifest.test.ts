/**
 * parseManifest reads what a host says its previous release was: the service user can rewrite it,
 * so one entry ship would not have written rejects the whole manifest.
 */
import { describe, expect, it } from 'vitest';
import { isReleasePath, parseManifest, serializeManifest, type Manifest } from '../../../src/release/manifest.js';

const SHA = 'a'.repeat(64);
const good: Manifest = {
  version: 1,
  entries: [
    { path: 'bin', type: 'dir', mode: 0o755 },
    { path: 'bin/run', type: 'file', mode: 0o755, size: 3, sha256: SHA },
    { path: 'line\nbreak', type: 'file', mode: 0o644, size: 0, sha256: SHA },
    { path: 'main.js', type: 'link', mode: 0o777, target: '../anywhere' },
  ],
};

const withEntry = (entry: unknown) => JSON.stringify({ version: 1, entries: [...good.entries, entry] });

describe('parseManifest', () => {
  it('reads back what serializeManifest wrote', () => {
    expect(parseManifest(serializeManifest(good))).toEqual(good);
  });

  it.each([
    [
      'a path holding NUL',
      { path: 'server.js\u0000../../../../root/.ssh/authorized_keys', type: 'file', mode: 0o644, size: 1, sha256: SHA },
    ],
    ['the root', { path: '/', type: 'file', mode: 0o644, size: 1, sha256: SHA }],
    ['an absolute path', { path: '/etc/passwd', type: 'file', mode: 0o644, size: 1, sha256: SHA }],
    ['a path with ..', { path: 'a/../../b', type: 'file', mode: 0o644, size: 1, sha256: SHA }],
    ['a path with .', { path: './a', type: 'file', mode: 0o644, size: 1, sha256: SHA }],
    ['an empty part', { path: 'a//b', type: 'file', mode: 0o644, size: 1, sha256: SHA }],
    ['a trailing slash', { path: 'a/', type: 'dir', mode: 0o755 }],
    ['an empty path', { path: '', type: 'dir', mode: 0o755 }],
    ['a path that is not a string', { path: ['a'], type: 'dir', mode: 0o755 }],
    ['a short sha256', { path: 'x', type: 'file', mode: 0o644, size: 1, sha256: 'abc' }],
    ['an upper-case sha256', { path: 'x', type: 'file', mode: 0o644, size: 1, sha256: 'A'.repeat(64) }],
    ['a file without sha256', { path: 'x', type: 'file', mode: 0o644, size: 1 }],
    ['a negative size', { path: 'x', type: 'file', mode: 0o644, size: -1, sha256: SHA }],
    ['a fractional size', { path: 'x', type: 'file', mode: 0o644, size: 1.5, sha256: SHA }],
    ['setuid mode bits', { path: 'x', type: 'file', mode: 0o4755, size: 1, sha256: SHA }],
    ['an unknown type', { path: 'x', type: 'fifo', mode: 0o644 }],
    ['a link without target', { path: 'x', type: 'link', mode: 0o777 }],
    ['a duplicate path', { path: 'bin', type: 'dir', mode: 0o755 }],
    ['not an object', 'bin/run'],
  ])('rejects the whole manifest for %s', (_what, entry) => {
    expect(parseManifest(withEntry(entry))).toBeUndefined();
  });

  it('rejects text that is not a manifest of ours', () => {
    for (const text of [
      '',
      '{',
      '[]',
      'null',
      '{"version":2,"entries":[]}',
      '{"version":1,"entries":{}}',
      serializeManifest(good).slice(0, 60),
    ]) {
      expect(parseManifest(text)).toBeUndefined();
    }
  });
});

describe('isReleasePath', () => {
  it('takes relative paths ship writes, with any byte but NUL and /', () => {
    for (const path of ['a', 'a/b', '.env', '..a', 'a..', 'x y', 'é/ü', '-rf', 'line\nbreak']) expect(isReleasePath(path)).toBe(true);
    for (const path of ['', '/', '/a', 'a/', '.', '..', 'a/./b', 'a/../b', 'a\u0000b', 'a//b']) expect(isReleasePath(path)).toBe(false);
  });
});
