import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/output/units.js';

describe('formatBytes', () => {
  it('counts in binary units, one decimal below 100, none from 100 on, no trailing .0', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(150 * 1024)).toBe('150 KB');
    expect(formatBytes(40 * 1024 ** 2)).toBe('40 MB');
    expect(formatBytes(2.25 * 1024 ** 3)).toBe('2.3 GB');
  });

  it('stops at TB', () => {
    expect(formatBytes(2048 * 1024 ** 4)).toBe('2048 TB');
  });
});
