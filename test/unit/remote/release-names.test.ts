import { describe, expect, it } from 'vitest';
import { newReleaseId } from '../../../src/release/build.js';
import { isReleaseId } from '../../../src/remote/release-names.js';

describe('release ids', () => {
  it('accepts the ids ship makes and nothing else a host may hold in releases/', () => {
    expect(isReleaseId(newReleaseId(new Date('2026-11-27T09:35:12.345Z')))).toBe(true);
    expect(newReleaseId(new Date('2026-11-27T09:35:12.345Z'))).toMatch(/^20261127T093512Z-[0-9a-f]{6}$/);
    for (const other of [
      '',
      'latest',
      '.partial-20261127T093512Z-3f9a1c',
      '20261127T093512Z-3F9A1C',
      '20261127T093512Z-3f9a1c/..',
      '20261127T093512Z-3f9a1c\n',
    ])
      expect(isReleaseId(other), JSON.stringify(other)).toBe(false);
  });
});
