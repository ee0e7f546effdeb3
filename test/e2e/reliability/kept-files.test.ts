/**
 * Kept files are hard links into read-only releases (README "Kept files"). What must hold:
 * - a redeploy links what it keeps (one inode in both releases) and every release file is
 *   read-only, directories not;
 * - a write through an old release is refused to the SSH user; root's write goes through (and
 *   so changes every release sharing the file): `ship verify` says so, and the next deploy
 *   reads that file again, finds it changed and sends it, so the new release is exact;
 * - kill -9, Ctrl-C or SIGTERM while the host links 2,000 kept files leaves the previous release
 *   exact (`ship verify <id>`), `current` complete and serving, and the next deploy succeeds
 *   and leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, expectNoSecretsPrinted, expectNoStack, interrupted, prng, type Plan } from './support.js';

const HOSTS = ['h1', 'h2'];
const MANY = { APP_MANY: '2000' };
const SEED = Number(process.env.SHIP_RELIABILITY_SEED ?? Date.now() % 1_000_000);
const random = prng(SEED);
let app: App;
let version = 0;

const deployNext = async (env: Record<string, string> = {}) => {
  version += 1;
  const r = await app.deploy(`v${version}`, { ...MANY, ...env });
  return { ...r, version: `v${version}` };
};

/** inode, link count and mode of `path` in release `id` on `host`. */
const statIn = async (host: string, id: string, path: string) =>
  (await app.onHost(host, `stat -c '%i %h %a' ${app.path}/releases/${id}/${path}`)).trim().split(' ');

beforeAll(async () => {
  app = await App.create({ name: 'relkept', port: 4396, hosts: HOSTS, healthTimeout: 10, keep: 3 });
  await app.setup();
  for (let i = 0; i < 2; i++) {
    const r = await deployNext();
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await expectNoSecretsPrinted([app]);
  await app.remove();
});

describe('kept files', () => {
  it('a redeploy hard-links what it keeps; release files are read-only, directories are not', async () => {
    const before = (await app.state('h1')).current;
    const r = await deployNext();
    expect(r.code, r.stderr).toBe(0);
    // VERSION and SHA256SUMS change; server.js and the 2,000 files of many/ are kept.
    expect(r.stdout).toMatch(/h1 +\| upload: 2 changed files, 2001 kept from /);
    const now = (await app.state('h1')).current;
    for (const path of ['many/7/7.js', 'server.js']) {
      const [oldIno, , oldMode] = await statIn('h1', before, path);
      const [ino, links, mode] = await statIn('h1', now, path);
      expect(ino, path).toBe(oldIno);
      expect(Number(links), path).toBeGreaterThanOrEqual(2);
      expect([mode, oldMode], path).toEqual(['444', '444']);
    }
    expect((await statIn('h1', now, 'VERSION'))[1]).toBe('1');
    expect((await statIn('h1', now, 'many/7'))[2]).toBe('755');
    const verify = await app.ship(['verify', 'prod']);
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
  });

  it("a write through an old release: refused to the SSH user; root's shows in ship verify, and the next deploy sends that file again", async () => {
    const s = await app.state('h1');
    const old = s.releases.filter((n) => /^\d{8}T/.test(n) && n !== s.current).sort()[0]!;
    const file = `${app.path}/releases/${old}/many/3/3.js`;
    const refused = await app.onHost('h1', `{ printf x >> ${file}; } 2>&1; echo "exit $?"`, { reject: false });
    expect(refused).toMatch(/Permission denied[\s\S]*exit [1-9]/);
    expect((await app.ship(['verify', 'prod'])).code).toBe(0);

    // root ignores modes: the inode is shared, so current changes with it.
    await app.onHost('h1', `sudo sh -c 'printf x >> ${file}'`);
    const drift = await app.ship(['verify', 'prod', '--host', 'h1']);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(new RegExp(`^h1\\s+${s.current}\\s+changed\\s+many/3/3\\.js \\(content\\)$`, 'm'));

    const r = await deployNext();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/h1 +\| 1 path\(s\) differ from the manifest \(many\/3\/3\.js: changed \(content\)\); sending them again/);
    expect(r.stdout).not.toMatch(/h2 +\| \d+ path\(s\) differ/);
    const now = (await app.state('h1')).current;
    expect((await app.onHost('h1', `cat ${app.path}/releases/${now}/many/3/3.js`)).trim()).toBe('module.exports = 3;');
    expect((await app.ship(['verify', 'prod'])).code).toBe(0);
  });

  const SIGNALS = ['SIGKILL', 'SIGINT', 'SIGTERM'] as const;
  it.each(SIGNALS)('%s while the host links the kept files: the previous release stays exact, the next deploy succeeds', async (signal) => {
    const plan: Plan = { aim: 'stage', trigger: /^h\d \| upload: \d+ changed files, \d+ kept from/, delay: [0, 80] };
    const before = await app.states();
    const delay = Math.floor(random() * plan.delay[1]);
    version += 1;
    const run = await interrupted(app, ['deploy', 'prod'], { APP_VERSION: `v${version}`, ...MANY }, plan, delay, signal);
    const context = `${signal} after ${delay} ms (seed ${SEED}); last lines ${JSON.stringify(run.last)}`;
    if (signal !== 'SIGKILL' && run.sent) {
      expect(run.code, context).toBe(130);
      expectNoStack(run.stderr);
    }
    for (const [i, s] of (await app.states()).entries()) {
      const was = before[i]!;
      expect(s.complete, `${context}: ${s.host} current complete`).toBe(true);
      // Ctrl-C and SIGTERM undo; after kill -9 current is the old release or, if the kill came late, the new one.
      if (signal !== 'SIGKILL' && run.sent) expect(s.current, `${context}: ${s.host}`).toBe(was.current);
      const previous = await app.ship(['verify', 'prod', was.current, '--host', s.host]);
      expect(previous.code, `${context}: ${s.host} ${previous.stdout}${previous.stderr}`).toBe(0);
      if (signal !== 'SIGKILL') {
        expect(s.lock, `${context}: ${s.host} lock`).toBe('');
        expect(s.leftovers, `${context}: ${s.host} leftovers`).toEqual([]);
      }
    }
    const next = await deployNext();
    expect(next.code, `${context}: next deploy ${next.stdout}\n${next.stderr}`).toBe(0);
    for (const s of await app.states()) {
      expect(s.answer, s.host).toBe(next.version);
      expect(s.leftovers, s.host).toEqual([]);
      expect(s.lock, s.host).toBe('');
    }
    expect((await app.ship(['verify', 'prod'])).code).toBe(0);
  });
});
