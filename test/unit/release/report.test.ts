import { describe, expect, it } from 'vitest';
import { parseReport } from '../../../src/release/report.js';

const HASH_A = 'a'.repeat(64);
const HASH_S = '5'.repeat(64);

describe('parseReport', () => {
  it('reads the stream hash, the find list and the hashes into a manifest sorted by path', () => {
    const text = [
      `received\nstream ${HASH_S}\n`,
      'files',
      'f 644 5 b.txt',
      '',
      'l 777 0 link',
      'b.txt',
      'd 755 0 dir',
      '',
      '',
      'hashes',
      `${HASH_A}  b.txt`,
    ].join('\0');
    const report = parseReport(text);
    expect(report.stream).toBe(HASH_S);
    expect(report.actual).toEqual({
      version: 1,
      entries: [
        { path: 'b.txt', type: 'file', mode: 0o644, size: 5, sha256: HASH_A },
        { path: 'dir', type: 'dir', mode: 0o755 },
        { path: 'link', type: 'link', mode: 0o777, target: 'b.txt' },
      ],
    });
  });

  it('keeps paths with spaces and newlines whole, and names a special file by its kind', () => {
    const text = ['manifest', '{"version":1}', 'where here', 'files', 'f 600 0 a b\nc', '', 'p 644 0 fifo', '', ''].join('\0');
    const report = parseReport(text);
    expect(report.manifest).toBe('{"version":1}');
    expect(report.where).toBe('here');
    expect(report.stream).toBeUndefined();
    expect(report.actual.entries.map((e) => [e.path, e.type])).toEqual([
      ['a b\nc', 'file'],
      ['fifo', 'special (p)'],
    ]);
  });
});
