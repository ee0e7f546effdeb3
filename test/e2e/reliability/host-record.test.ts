/**
 * What a host says about its releases is not trusted beyond what it proves (issue 17, low):
 * - names in releases/ that ship never makes (`.partial-..`) are left alone, and never fail a deploy;
 * - a leftover (`.partial-<id>`, `.ship/upload-<id>.tar.gz`) with a kept release's id is removed
 *   as itself: the release stays;
 * - release order is the release log's, not the deploying machine's clock: after a deploy from
 *   a clock a day behind, cleanup keeps and `ship rollback` picks the real previous release;
 * - a failed deploy while `current` points at a release that is gone is still undone: logged
 *   as failed, removed, and `current` left on a release that exists.
 * On h1 only, as the service user (deploy), who owns the releases and can make any name there.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, expectNoSecretsPrinted, expectNoStack, type ShipRun } from './support.js';

let leftovers: App;
let clock: App;

/** Preloaded into ship (NODE_OPTIONS): `Date` runs SHIP_TEST_SKEW_MS behind or ahead, as a machine with a wrong clock. */
const SKEW = [
  'const skew = Number(process.env.SHIP_TEST_SKEW_MS ?? 0);',
  'const Real = Date;',
  'globalThis.Date = class extends Real { constructor(...a) { if (a.length === 0) super(Real.now() + skew); else super(...a); } static now() { return Real.now() + skew; } };',
  '',
].join('\n');
const DAY_MS = 86_400_000;

function ok(r: ShipRun): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  expectNoStack(r.stderr);
}

/** Deploy `version`, with the deploying machine's clock `skewDays` off; the id of the new release. */
async function deploy(app: App, version: string, skewDays = 0): Promise<string> {
  const env: Record<string, string> =
    skewDays === 0 ? {} : { NODE_OPTIONS: `--import ${join(app.dir, 'skew.mjs')}`, SHIP_TEST_SKEW_MS: String(skewDays * DAY_MS) };
  const r = await app.deploy(version, env);
  ok(r);
  expect(r.stderr).not.toMatch(/cleanup/);
  const s = await app.state('h1');
  expect(s.version).toBe(version);
  return s.current;
}

beforeAll(async () => {
  leftovers = await App.create({ name: 'relrecord', port: 4461, hosts: ['h1'], keep: 3 });
  clock = await App.create({ name: 'relclock', port: 4462, hosts: ['h1'], keep: 2 });
  await writeFile(join(clock.dir, 'skew.mjs'), SKEW);
  await Promise.all([leftovers.setup(), clock.setup()]);
});

afterAll(async () => {
  await expectNoSecretsPrinted([leftovers, clock]);
  await Promise.all([leftovers.remove(), clock.remove()]);
});

describe('leftovers a host holds', () => {
  it('names ship never makes (.partial-.., .removing-x) are left alone and never fail a deploy or its cleanup', async () => {
    await deploy(leftovers, 'v1');
    await leftovers.onHost(
      'h1',
      `cd ${leftovers.path} && mkdir -- releases/.partial-.. releases/.removing-x && : > '.ship/upload-...tar.gz'`,
    );
    await deploy(leftovers, 'v2');
    await deploy(leftovers, 'v3');
    const s = await leftovers.state('h1');
    expect(s.releases).toEqual(expect.arrayContaining(['.partial-..', '.removing-x']));
    expect(await leftovers.onHost('h1', `ls -A ${leftovers.path}/.ship`)).toContain('upload-...tar.gz');
    await leftovers.onHost('h1', `cd ${leftovers.path} && rm -rf -- releases/.partial-.. releases/.removing-x '.ship/upload-...tar.gz'`);
  });

  it('a leftover with the id of a kept release is removed as itself; the release stays', async () => {
    // keep 3: after the next deploy, the two newest of these stay beside it.
    const [, second, third] = (await leftovers.state('h1')).releases.filter((n) => !n.startsWith('.')).sort();
    await leftovers.onHost(
      'h1',
      `cd ${leftovers.path} && mkdir releases/.partial-${second} releases/.removing-${third} && : > .ship/upload-${third}.tar.gz`,
    );
    const id = await deploy(leftovers, 'v4');
    const s = await leftovers.state('h1');
    expect(s.releases.filter((n) => !n.startsWith('.')).sort()).toEqual([second, third, id]);
    expect(s.leftovers).toEqual([]);
    expect(s.answer).toBe('v4');
  });
});

describe('the order of releases', () => {
  it("is the release log's, not the clock in the id: cleanup keeps and rollback picks the real previous release", async () => {
    const first = await deploy(clock, 'v1', -2);
    const previous = await deploy(clock, 'v2');
    const last = await deploy(clock, 'v3', -1);
    // The ids say v1 < v3 < v2; the host's own record says v1, v2, v3.
    expect([first, last, previous].sort()).toEqual([first, last, previous]);
    // keep 2: current and the real previous release stay.
    expect((await clock.state('h1')).releases.filter((n) => !n.startsWith('.')).sort()).toEqual([previous, last].sort());
    const r = await clock.ship(['rollback', 'prod']);
    ok(r);
    const s = await clock.state('h1', { waitSeconds: 5 });
    expect(s.current).toBe(previous);
    expect(s.answer).toBe('v2');
  });
});

describe('undo when current points at a release that is gone', () => {
  it('a failed deploy is still logged as failed and removed, and current points at a release that exists', async () => {
    const before = await leftovers.state('h1');
    const gone = before.current;
    const good = before.releases.filter((n) => !n.startsWith('.') && n !== gone);
    expect(good.length).toBeGreaterThan(0);
    await leftovers.onHost('h1', `rm -rf -- ${leftovers.path}/releases/${gone}`);
    const r = await leftovers.deploy('v5', { APP_FAIL_START: '1' });
    expect(r.code, `${r.stdout}\n${r.stderr}`).not.toBe(0);
    expectNoStack(r.stderr);
    expect(r.stderr).not.toMatch(/cleanup failed/);
    const s = await leftovers.state('h1', { waitSeconds: 5 });
    const failed = s.log.at(-1)!;
    expect(failed).toMatchObject({ result: 'failed' });
    const id = String(failed.release);
    expect(s.releases).not.toContain(id);
    expect(s.releases).toContain(s.current);
    expect(good).toContain(s.current);
    expect(s.complete).toBe(true);
    expect(s.leftovers).toEqual([]);
    expect(s.lock).toBe('');
  });
});
