import { describe, expect, it } from 'vitest';
import { parseInventory, planCleanup, releaseState, rollbackTarget, type Inventory } from '../../../src/host/inventory.js';

/** An inventory from a compact description: ids newest last, current, log results per id. */
function inventory(ids: string[], current: string, results: Record<string, string[]>, leftovers: string[] = []): Inventory {
  const text = [
    `current releases/${current}`,
    ...ids.map((id) => `dir 100 ${id}`),
    ...leftovers.map((id) => `upload ${id}.tar.gz`),
    'log',
    ...Object.entries(results).flatMap(([id, rs]) => rs.map((result) => JSON.stringify({ time: 't', release: id, result }))),
  ].join('\n');
  return parseInventory(text);
}

describe('releaseState', () => {
  it('current, good after ok or rollback, failed when the last word is failed, else incomplete', () => {
    const inv = inventory(['r1', 'r2', 'r3', 'r4', 'r5'], 'r5', { r1: ['ok'], r2: ['ok', 'failed'], r3: ['interrupted'], r4: ['ok', 'interrupted'] });
    expect(['r1', 'r2', 'r3', 'r4', 'r5'].map((id) => releaseState(inv, id))).toEqual(['good', 'failed', 'incomplete', 'good', 'current']);
  });
});

describe('rollbackTarget', () => {
  it('is the newest good release older than current', () => {
    expect(rollbackTarget(inventory(['r1', 'r2', 'r3', 'r4'], 'r4', { r1: ['ok'], r2: ['ok'], r3: ['failed'], r4: ['ok'] }))).toBe('r2');
  });
  it('never a newer release, a failed one, or one never deployed whole', () => {
    expect(rollbackTarget(inventory(['r1', 'r2', 'r3'], 'r1', { r2: ['ok'], r3: ['ok'] }))).toBeUndefined();
    expect(rollbackTarget(inventory(['r1', 'r2'], 'r2', { r1: ['interrupted'] }))).toBeUndefined();
    expect(rollbackTarget(inventory(['r1', 'r2'], 'r2', { r1: ['ok', 'failed'] }))).toBeUndefined();
  });
  it('with no current, the newest good release', () => {
    const inv = parseInventory(['current ', 'dir 1 r1', 'dir 1 r2', 'log', JSON.stringify({ release: 'r1', result: 'ok', time: 't' })].join('\n'));
    expect(rollbackTarget(inv)).toBe('r1');
  });
});

describe('planCleanup', () => {
  it('keeps current, the rollback target and the newest good ones up to keep; removes failed and leftovers', () => {
    const inv = inventory(['r1', 'r2', 'r3', 'r4', 'r5', 'r6'], 'r6', { r1: ['ok'], r2: ['ok'], r3: ['ok'], r4: ['failed'], r5: ['ok'], r6: ['ok'] }, ['r7']);
    expect(planCleanup(inv, 3).sort()).toEqual(['r1', 'r2', 'r4', 'r7']);
  });
  it('keeps the rollback target even when keep is 1', () => {
    const inv = inventory(['r1', 'r2', 'r3'], 'r3', { r1: ['ok'], r2: ['failed'], r3: ['ok'] });
    expect(planCleanup(inv, 1).sort()).toEqual(['r2']);
  });
  it('never removes current, even when it is a leftover id or failed', () => {
    const inv = inventory(['r1', 'r2'], 'r2', { r1: ['ok'], r2: ['failed'] }, ['r2']);
    expect(planCleanup(inv, 1)).not.toContain('r2');
  });
  it('an interrupted release that is not current is removed; one with an older ok is kept as good', () => {
    const inv = inventory(['r1', 'r2', 'r3'], 'r1', { r1: ['ok'], r2: ['interrupted'], r3: ['ok', 'interrupted'] });
    expect(planCleanup(inv, 5)).toEqual(['r2']);
  });
  it('finishes removals cut short: .removing-<id> and .partial-<id> are leftovers', () => {
    const inv = parseInventory(['current releases/r2', 'dir 1 r2', 'dir 1 .removing-r1', 'dir 1 .partial-r3', 'log'].join('\n'));
    expect(inv.releases.map((r) => r.id)).toEqual(['r2']);
    expect(planCleanup(inv, 3).sort()).toEqual(['r1', 'r3']);
  });
});
