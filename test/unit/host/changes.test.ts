import { describe, expect, it } from 'vitest';
import { noChanges } from '../../../src/host/changes.js';

describe('noChanges', () => {
  it('records nothing, and each call is a record of its own', () => {
    const a = noChanges();
    expect(a).toEqual({ uploaded: [], switchedFrom: undefined, switchedTo: undefined, healthFailed: false, onFailure: [] });
    a.uploaded.push('r1');
    a.onFailure.push(async () => {});
    expect(noChanges().uploaded).toEqual([]);
    expect(noChanges().onFailure).toEqual([]);
  });
});
