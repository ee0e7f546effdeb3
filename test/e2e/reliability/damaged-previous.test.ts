/**
 * A previous release damaged on the host never blocks a deploy: whatever it lacks or holds
 * differently is sent, and nothing is read or written outside the release because of it.
 *
 * Each case damages the release `current` points at on h1 (by hand, as a person or the service
 * user would), leaves h2 alone, and deploys the next version: the deploy succeeds, h1's new
 * release is exactly the build output (paths, types, modes, sizes, contents, link targets),
 * `ship verify` is clean, and both hosts serve the new version.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, expectNoSecretsPrinted, expectNoStack } from './support.js';

const HOSTS = ['h1', 'h2'];
let app: App;
let version = 1;

/** Every path of a tree, with what a release must keep of it; the same listing here and on a host. */
const LISTING = [
  'find . -mindepth 1 \\( -type f -printf "%y %m %s %P\\n" \\) -o \\( -type l -printf "%y %P -> %l\\n" \\) -o -printf "%y %m %P\\n" | LC_ALL=C sort',
  'find . -type f -exec sha256sum {} + | LC_ALL=C sort -k 2',
].join('; ');

/** LISTING of the build, its files' modes read-only as a release holds them. */
async function builtHere(): Promise<string> {
  const listing = (await execa('sh', ['-c', LISTING], { cwd: join(app.dir, 'dist') })).stdout;
  return listing.replace(/^f ([0-7]+) /gm, (_, mode: string) => `f ${(parseInt(mode, 8) & ~0o222).toString(8)} `);
}

/** h1's current release as LISTING sees it, without the link to shared/.env that ship adds (`ship verify` checks it). */
async function onH1Current(): Promise<string> {
  const listing = await app.onHost('h1', `cd ${app.path}/current && { ${LISTING}; }`);
  const shared = `l .env -> ${app.path}/shared/.env`;
  expect(listing.split('\n')).toContain(shared);
  return listing
    .split('\n')
    .filter((line) => line !== shared)
    .join('\n');
}

/** The release id `current` points at on h1. */
async function currentOnH1(): Promise<string> {
  return (await app.state('h1')).current;
}

async function deployNext(): Promise<{ code: number; stdout: string; stderr: string; version: string }> {
  version += 1;
  const r = await app.deploy(`v${version}`, { APP_TREE: '1' });
  return { ...r, version: `v${version}` };
}

beforeAll(async () => {
  app = await App.create({ name: 'reldamaged', port: 4351, hosts: HOSTS, healthTimeout: 5, keep: 3 });
  await app.setup();
  const first = await app.deploy('v1', { APP_TREE: '1' });
  expect(first.code, first.stderr).toBe(0);
});

afterAll(async () => {
  await expectNoSecretsPrinted([app]);
  await app.remove();
});

/** Damage to the release `current` points at on h1, as a shell script given $path and $id. */
const CASES: Array<[string, string]> = [
  ['a kept file removed', 'rm "$rel/server.js"'],
  ['a kept file replaced by a directory', 'rm "$rel/lib/a.txt" && mkdir -p "$rel/lib/a.txt/inside" && echo x > "$rel/lib/a.txt/inside/x"'],
  ['a directory replaced by a file', 'rm -rf "$rel/lib/deep" && echo "not a directory" > "$rel/lib/deep"'],
  [
    'a directory replaced by a symlink out of the release',
    'mkdir -p /tmp/reldamaged-out && echo b > /tmp/reldamaged-out/b.txt && rm -rf "$rel/lib/deep" && ln -s /tmp/reldamaged-out "$rel/lib/deep"',
  ],
  ['a kept file made unreadable', 'chmod 000 "$rel/lib/a.txt"'],
  ['a link retargeted', 'ln -sfn /etc/passwd "$rel/lib/link"'],
  ['the manifest missing', 'rm "$path/releases/.manifest-$id"'],
  ['the manifest truncated', 'truncate -s 100 "$path/releases/.manifest-$id"'],
  ['the manifest not JSON at all', 'printf "\\0\\377garbage" > "$path/releases/.manifest-$id"'],
  ['current pointing at a release that is gone', 'rm -rf "$rel"'],
];

describe('a damaged previous release', () => {
  it.each(CASES)('%s: the deploy succeeds and the new release is exactly the build', async (_what, damage) => {
    const id = await currentOnH1();
    expect(id).not.toBe('');
    const script = `path=$1; id=$2; rel="$path/releases/$id"; ${damage}`;
    // As the SSH and service user (deploy), who owns the releases: what a person or the app can do.
    await app.onHost('h1', `sh -c '${script.replace(/'/g, `'\\''`)}' sh ${app.path} ${id}`);
    const r = await deployNext();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expectNoStack(r.stderr);
    expect(await onH1Current()).toBe(await builtHere());
    for (const s of await app.states()) {
      expect(s.answer, s.host).toBe(r.version);
      expect(s.complete, `${s.host}: every file matches its SHA256SUMS`).toBe(true);
      expect(s.leftovers, s.host).toEqual([]);
      expect(s.lock, s.host).toBe('');
    }
    const verify = await app.ship(['verify', 'prod']);
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
  });

  it('a hostile manifest (a path with NUL pairing a copy to outside the release): nothing is written outside, the release is exact', async () => {
    const id = await currentOnH1();
    const next = `v${version + 1}`;
    // VERSION's next content is new to the host: the planted entry claims it, so a trusting
    // planner would pair its "old path" (server.js, then a path out of the release) for a copy.
    const sha = createHash('sha256').update(`${next}\n`).digest('hex');
    const planted = {
      path: 'server.js\u0000../../../../tmp/reldamaged-pwned',
      type: 'file',
      mode: 0o644,
      size: next.length + 1,
      sha256: sha,
    };
    const manifest = `${app.path}/releases/.manifest-${id}`;
    const text = JSON.parse(await app.onHost('h1', `cat ${manifest}`)) as { version: 1; entries: unknown[] };
    text.entries.push(planted);
    const encoded = Buffer.from(JSON.stringify(text)).toString('base64');
    await app.onHost('h1', `sudo rm -f /tmp/reldamaged-pwned && echo ${encoded} | base64 -d > ${manifest}`);
    expect(await app.onHost('h1', `grep -c reldamaged-pwned ${manifest}`)).toBe('1');
    const r = await deployNext();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await app.onHost('h1', 'ls /tmp/reldamaged-pwned 2>&1 || true')).toMatch(/No such file/);
    expect(await onH1Current()).toBe(await builtHere());
    const verify = await app.ship(['verify', 'prod']);
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
  });

  it('an old release holding what only root may remove: the next cleanups say so, every deploy stands', async () => {
    const releases = (await app.onHost('h1', `ls ${app.path}/releases`))
      .split('\n')
      .filter((n) => /^\d{8}T/.test(n))
      .sort();
    const oldest = releases[0]!;
    await app.onHost('h1', `sudo mkdir ${app.path}/releases/${oldest}/rootonly && sudo touch ${app.path}/releases/${oldest}/rootonly/x`);
    // The deploy that removes it renames it and starts rm in the background, which cannot finish;
    // that is found when the next cleanup retries the leftover, and said by each cleanup after.
    for (let i = 0; i < 3; i++) {
      const r = await deployNext();
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      if (i > 0)
        expect(r.stderr).toMatch(
          /h1 +\| cleanup could not remove every old release \(rm cannot empty \S+\/rootonly \(owner root, mode 755\)\); this deploy stands/,
        );
      expectNoStack(r.stderr);
      for (const s of await app.states()) expect(s.answer, s.host).toBe(r.version);
    }
    // What is left never looks like a release: it keeps its .removing- name; and it does not
    // keep the other old releases: keep (3) still holds.
    const after = (await app.state('h1')).releases;
    expect(after).toContain(`.removing-${oldest}`);
    expect(after).not.toContain(oldest);
    expect(after.filter((n) => /^\d{8}T/.test(n)).length).toBeLessThanOrEqual(3);
    await app.onHost('h1', `sudo rm -rf ${app.path}/releases/.removing-${oldest}`);
  });
});
