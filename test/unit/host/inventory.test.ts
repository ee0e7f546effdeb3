import { describe, expect, it } from 'vitest';
import { parseInventory, planCleanup, releaseState, rollbackTarget, type Inventory } from '../../../src/host/inventory.js';

/** Release ids as ship makes them; r(1) < r(2) < ... by the timestamp in the id. */
const r = (n: number) => `2026010${n}T120000Z-${String(n).repeat(6).slice(0, 6)}`;
const [r1, r2, r3, r4, r5, r6, r7] = [1, 2, 3, 4, 5, 6, 7].map(r) as [string, string, string, string, string, string, string];

/** An inventory from a compact description: ids, current, log results per id (logged in this order). */
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

const cleanup = (inv: Inventory, keep: number) => {
  const plan = planCleanup(inv, keep);
  return { releases: [...plan.releases].sort(), leftovers: plan.leftovers.map((l) => `${l.kind} ${l.id}`).sort() };
};

describe('releaseState', () => {
  it('current, good after ok or rollback, failed when the last word is failed, else incomplete', () => {
    const inv = inventory([r1, r2, r3, r4, r5], r5, {
      [r1]: ['ok'],
      [r2]: ['ok', 'failed'],
      [r3]: ['interrupted'],
      [r4]: ['ok', 'interrupted'],
    });
    expect([r1, r2, r3, r4, r5].map((id) => releaseState(inv, id))).toEqual(['good', 'failed', 'incomplete', 'good', 'current']);
  });
});

describe('rollbackTarget', () => {
  it('is the newest good release deployed before current', () => {
    expect(rollbackTarget(inventory([r1, r2, r3, r4], r4, { [r1]: ['ok'], [r2]: ['ok'], [r3]: ['failed'], [r4]: ['ok'] }))).toBe(r2);
  });
  it('never a release deployed later, a failed one, or one never deployed whole', () => {
    expect(rollbackTarget(inventory([r1, r2, r3], r1, { [r1]: ['ok'], [r2]: ['ok'], [r3]: ['ok'] }))).toBeUndefined();
    expect(rollbackTarget(inventory([r1, r2], r2, { [r1]: ['interrupted'], [r2]: ['ok'] }))).toBeUndefined();
    expect(rollbackTarget(inventory([r1, r2], r2, { [r1]: ['ok', 'failed'], [r2]: ['ok'] }))).toBeUndefined();
  });
  it('with no current, or one the log does not know, the newest good release', () => {
    const inv = parseInventory(
      ['current ', `dir 1 ${r1}`, `dir 1 ${r2}`, 'log', JSON.stringify({ release: r1, result: 'ok', time: 't' })].join('\n'),
    );
    expect(rollbackTarget(inv)).toBe(r1);
    expect(rollbackTarget(inventory([r1, r2, r3], r3, { [r2]: ['ok'], [r1]: ['ok'] }))).toBe(r1);
  });
  it('follows the release log, not the clock in the id (a deploy from a machine a day behind)', () => {
    // r5 deployed, then r4 from a slow clock: r4 is current, r5 the real previous release.
    const inv = inventory([r3, r4, r5], r4, { [r3]: ['ok'], [r5]: ['ok'], [r4]: ['ok'] });
    expect(inv.releases.map((x) => x.id)).toEqual([r4, r5, r3]);
    expect(rollbackTarget(inv)).toBe(r5);
    // Rolled back to r5 (logged as a rollback), a second rollback goes on to r3, never forward to r4.
    const back = inventory([r3, r4, r5], r5, { [r3]: ['ok'], [r5]: ['ok', 'rollback'], [r4]: ['ok'] });
    expect(rollbackTarget(back)).toBe(r3);
  });
});

describe('planCleanup', () => {
  it('keeps current, the rollback target and the newest good ones up to keep; removes failed and leftovers', () => {
    const inv = inventory(
      [r1, r2, r3, r4, r5, r6],
      r6,
      { [r1]: ['ok'], [r2]: ['ok'], [r3]: ['ok'], [r4]: ['failed'], [r5]: ['ok'], [r6]: ['ok'] },
      [r7],
    );
    expect(cleanup(inv, 3)).toEqual({ releases: [r1, r2, r4], leftovers: [`upload ${r7}`] });
  });
  it('keeps the rollback target even when keep is 1', () => {
    const inv = inventory([r1, r2, r3], r3, { [r1]: ['ok'], [r2]: ['failed'], [r3]: ['ok'] });
    expect(cleanup(inv, 1).releases).toEqual([r2]);
  });
  it('never removes current, even when it failed', () => {
    const inv = inventory([r1, r2], r2, { [r1]: ['ok'], [r2]: ['failed'] });
    expect(planCleanup(inv, 1).releases).not.toContain(r2);
  });
  it('an interrupted release that is not current is removed; one with an older ok is kept as good', () => {
    const inv = inventory([r1, r2, r3], r1, { [r2]: ['interrupted'], [r3]: ['ok', 'interrupted'], [r1]: ['ok'] });
    expect(planCleanup(inv, 5).releases).toEqual([r2]);
  });
  it('finishes removals cut short: .removing-<id> and .partial-<id> are leftovers', () => {
    const inv = parseInventory(
      [`current releases/${r2}`, `dir 1 ${r2}`, `dir 1 .removing-${r1}`, `dir 1 .partial-${r3}`, 'log'].join('\n'),
    );
    expect(inv.releases.map((x) => x.id)).toEqual([r2]);
    expect(cleanup(inv, 3)).toEqual({ releases: [], leftovers: [`partial ${r3}`, `removing ${r1}`] });
  });
  it("removes a leftover of a kept release's id as itself, never the release", () => {
    const inv = parseInventory(
      [
        `current releases/${r2}`,
        `dir 1 ${r1}`,
        `dir 1 ${r2}`,
        `dir 1 .partial-${r1}`,
        `dir 1 .removing-${r2}`,
        `upload ${r1}.tar.gz`,
        'log',
        JSON.stringify({ release: r1, result: 'ok', time: 't' }),
        JSON.stringify({ release: r2, result: 'ok', time: 't' }),
      ].join('\n'),
    );
    expect(cleanup(inv, 2)).toEqual({ releases: [], leftovers: [`partial ${r1}`, `removing ${r2}`, `upload ${r1}`] });
  });
  it('keeps the real previous release after a deploy from a clock a day behind, with keep 2', () => {
    const inv = inventory([r3, r4, r5], r4, { [r3]: ['ok'], [r5]: ['ok'], [r4]: ['ok'] });
    expect(cleanup(inv, 2).releases).toEqual([r3]);
  });
  it('puts releases the log does not know after every logged one, and removes them', () => {
    const inv = inventory([r1, r2, r7], r2, { [r1]: ['ok'], [r2]: ['ok'] });
    expect(inv.releases.map((x) => x.id)).toEqual([r2, r1, r7]);
    expect(cleanup(inv, 2).releases).toEqual([r7]);
  });
});

describe('names a host sends that ship never makes', () => {
  it('are neither releases nor leftovers, so nothing removes them', () => {
    const inv = parseInventory(
      [
        `current releases/${r1}`,
        `dir 1 ${r1}`,
        'dir 1 .partial-..',
        'dir 1 .removing-',
        'dir 1 .partial-../../etc',
        'dir 1 not-a-release',
        'dir 1 .removing-x y',
        'upload ../../x.tar.gz',
        'upload ...tar.gz',
        'log',
        JSON.stringify({ release: r1, result: 'ok', time: 't' }),
      ].join('\n'),
    );
    expect(inv.releases.map((x) => x.id)).toEqual([r1]);
    expect(inv.leftovers).toEqual([]);
    expect(inv.foreign.sort()).toEqual(
      [
        '.ship/upload-...tar.gz',
        '.ship/upload-../../x.tar.gz',
        'releases/.partial-..',
        'releases/.partial-../../etc',
        'releases/.removing-',
        'releases/.removing-x y',
        'releases/not-a-release',
      ].sort(),
    );
    expect(planCleanup(inv, 1)).toEqual({ releases: [], leftovers: [] });
  });
});
