/**
 * ship deploy, rollback, releases and lock against three real hosts running a real systemd
 * unit: what lands on the hosts, what answers over HTTP, and what is left after failures.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { lab, onHost, project, removalsSettled, ship, REPO } from './support.js';

const HOSTS = ['h1', 'h2', 'h3'];
const PATH = '/srv/deploytest';
const UNIT = 'deploytest';
let dir: string;

const config = {
  app: 'deploytest',
  build: { run: ['sh', 'build.sh'], dir: 'dist' },
  stages: {
    prod: {
      hosts: HOSTS,
      path: PATH,
      unit: UNIT,
      keep: 2,
      shared: ['.env', 'uploads/'],
      health: { url: 'http://127.0.0.1:4100/health', timeout: 8 },
    },
  },
};

/** What the app on a host answers on /, or ERR <code>. */
async function answer(host: string): Promise<string> {
  return (
    await onHost(
      host,
      `node -e "require('http').get('http://127.0.0.1:4100/',r=>{let d='';r.on('data',c=>d+=c);r.on('end',()=>console.log(d.trim()))}).on('error',e=>console.log('ERR '+e.code))"`,
    )
  ).trim();
}

async function current(host: string): Promise<string> {
  return (await onHost(host, `readlink ${PATH}/current || true`)).trim().replace(/^releases\//, '');
}

/** The release directories on a host; each must have its manifest beside it, and no manifest is left without its release. */
async function releaseDirs(host: string): Promise<string[]> {
  const dirs = (await onHost(host, `${removalsSettled(PATH)}; find ${PATH}/releases -mindepth 1 -maxdepth 1 -type d -printf '%f\\n'`))
    .split('\n')
    .filter(Boolean)
    .sort();
  const manifests = (await onHost(host, `find ${PATH}/releases -mindepth 1 -maxdepth 1 -name '.manifest-*' -printf '%f\\n'`))
    .split('\n')
    .filter(Boolean)
    .map((m) => m.slice('.manifest-'.length))
    .sort();
  expect(manifests, `${host}: manifests`).toEqual(dirs.filter((d) => !d.startsWith('.')));
  // And the list each was checked by (what lets the next deploy skip reading kept files).
  const checked = (await onHost(host, `find ${PATH}/releases -mindepth 1 -maxdepth 1 -name '.checked-*' -printf '%f\\n'`))
    .split('\n')
    .filter(Boolean)
    .map((m) => m.slice('.checked-'.length))
    .sort();
  expect(checked, `${host}: .checked lists`).toEqual(dirs.filter((d) => !d.startsWith('.')));
  return dirs;
}

/** Everything under the deploy path with type, size and link target: equal before and after means untouched. */
async function snapshot(host: string): Promise<string> {
  return onHost(host, `${removalsSettled(PATH)}; find ${PATH} -printf '%p %y %s %l\\n' | sort; cat ${PATH}/.ship/releases.log`);
}

const deploy = (version: string, env: Record<string, string> = {}, extra: string[] = []) =>
  ship(['deploy', 'prod', ...extra], { cwd: dir, env: { APP_VERSION: version, ...env } });

beforeAll(async () => {
  dir = await project(config);
  for (const file of ['server.js', 'build.sh']) await copyFile(join(REPO, 'test/e2e/fixtures/app', file), join(dir, file));
  await execa('git', ['init', '-q'], { cwd: dir });
  await execa('sh', ['-c', 'printf "dist/\n" > .gitignore && git add -A'], { cwd: dir });
  await execa('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'x'], { cwd: dir });
  const unit = [
    '[Service]',
    `WorkingDirectory=${PATH}/current`,
    'ExecStart=/usr/bin/node server.js',
    'User=deploy',
    'Environment=PORT=4100',
    '',
  ].join('\\n');
  await Promise.all(
    HOSTS.map((h) =>
      onHost(
        h,
        [
          `sudo systemctl stop ${UNIT} 2>/dev/null; sudo rm -rf ${PATH}`,
          `sudo mkdir -p ${PATH} && sudo chown deploy: ${PATH}`,
          `printf '${unit}' | sudo tee /etc/systemd/system/${UNIT}.service >/dev/null && sudo systemctl daemon-reload`,
        ].join(' && '),
      ),
    ),
  );
});

describe('ship deploy', () => {
  it('deploys to three hosts: current, the running version, the unit and the release log', async () => {
    const r = await deploy('v1');
    expect(r.code, r.stderr).toBe(0);
    const id = await current('h1');
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const commit = (await execa('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: dir })).stdout;
    for (const h of HOSTS) {
      expect(await current(h)).toBe(id);
      expect(await answer(h)).toBe('v1');
      expect((await onHost(h, `systemctl is-active ${UNIT}`)).trim()).toBe('active');
      const log = (await onHost(h, `tail -n 1 ${PATH}/.ship/releases.log`)).trim();
      expect(JSON.parse(log)).toMatchObject({ release: id, result: 'ok', commit, user: 'root' });
      // shared entries are links into shared/
      expect((await onHost(h, `readlink ${PATH}/current/.env; readlink ${PATH}/current/uploads`)).trim().split('\n')).toEqual([
        `${PATH}/shared/.env`,
        `${PATH}/shared/uploads`,
      ]);
      expect((await onHost(h, `ls -A ${PATH}/.ship`)).trim()).toBe('releases.log');
    }
  });

  it('keeps `keep` releases over further deploys, and never current or the rollback target', async () => {
    const ids: string[] = [await current('h1')];
    for (const v of ['v2', 'v3']) {
      const r = await deploy(v);
      expect(r.code, r.stderr).toBe(0);
      ids.push(await current('h1'));
    }
    for (const h of HOSTS) {
      expect(await answer(h)).toBe('v3');
      expect(await releaseDirs(h)).toEqual([ids[1], ids[2]].sort());
    }
  });

  it('refuses a failing build and changes nothing on the hosts', async () => {
    const before = await snapshot('h1');
    const r = await deploy('v-broken', { APP_BUILD_FAIL: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('build failed (exit 1): sh build.sh');
    expect(r.stderr).toContain('build broken on purpose');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await snapshot('h1')).toBe(before);
  });

  it('rolls back when the new release does not start: old version answers, exit non-zero', async () => {
    const good = await current('h2');
    const r = await deploy('v4', { APP_FAIL_START: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/health check failed/);
    expect(r.stderr).toContain('version v4 refuses to start (FAIL_START)'); // the journal is shown
    expect(r.stderr).toMatch(/rolled back to .*; it is healthy/);
    for (const h of HOSTS) {
      expect(await current(h)).toBe(good);
      expect(await answer(h)).toBe('v3');
      const last = JSON.parse((await onHost(h, `tail -n 1 ${PATH}/.ship/releases.log`)).trim()) as { result: string; release: string };
      expect(last.result).toBe('failed');
      expect(await releaseDirs(h)).not.toContain(last.release);
      expect(await onHost(h, `test -e ${PATH}/.ship/lock && echo locked || echo free`)).toBe('free');
    }
  });

  it('rolls back when the app starts and then dies within the health window', async () => {
    const good = await current('h3');
    // Answers the first health check, then exits 1 s after starting.
    const r = await deploy('v5', { APP_DIE_AFTER: '1000' });
    expect(r.code).toBe(1);
    for (const h of HOSTS) {
      expect(await current(h)).toBe(good);
      expect(await answer(h)).toBe('v3');
    }
  });

  it('with health.confirm: 0 there is no second look: the same dying release is taken as healthy (then replaced)', async () => {
    const noConfirm = await project({
      ...config,
      stages: { prod: { ...config.stages.prod, health: { ...config.stages.prod.health, confirm: 0 } } },
    });
    for (const file of ['server.js', 'build.sh']) await copyFile(join(REPO, 'test/e2e/fixtures/app', file), join(noConfirm, file));
    const r = await ship(['deploy', 'prod'], { cwd: noConfirm, env: { APP_VERSION: 'v5b', APP_DIE_AFTER: '2000' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/second look/);
    const fixed = await deploy('v3');
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('fails fast while another deploy holds the lock, then waits with --lock-wait', async () => {
    const info = JSON.stringify({ user: 'alice', origin: 'laptop', pid: 4242, command: 'ship deploy prod', time: '2026-01-01T00:00:00Z' });
    await onHost('h2', `mkdir ${PATH}/.ship/lock && printf '%s\\n' '${info}' > ${PATH}/.ship/lock/info`);
    const before = await Promise.all(HOSTS.map(async (h) => [await current(h), await releaseDirs(h)]));
    const r = await deploy('v6');
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('h2: locked by alice@laptop pid 4242 (ship deploy prod)');
    expect(r.stderr).toContain('ship lock release prod');
    // Nothing switched, the others' uploads were removed and their locks released.
    expect(await Promise.all(HOSTS.map(async (h) => [await current(h), await releaseDirs(h)]))).toEqual(before);
    for (const h of ['h1', 'h3']) expect(await onHost(h, `test -e ${PATH}/.ship/lock && echo locked || echo free`)).toBe('free');
    const status = await ship(['lock', 'status', 'prod'], { cwd: dir });
    expect(status.stdout).toMatch(/h2\s+locked by alice@laptop/);
    expect(status.stdout).toMatch(/h1\s+free/);
    const released = await ship(['lock', 'release', 'prod', '--host', 'h2'], { cwd: dir });
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('h2: released lock held by alice@laptop');

    await onHost('h2', `mkdir ${PATH}/.ship/lock && printf '%s\\n' '${info}' > ${PATH}/.ship/lock/info`);
    const unlock = onHost('h2', `sleep 3; rm -rf ${PATH}/.ship/lock`);
    const waited = await deploy('v6', {}, ['--lock-wait', '30']);
    await unlock;
    expect(waited.code, waited.stderr).toBe(0);
    for (const h of HOSTS) expect(await answer(h)).toBe('v6');
  });

  it('leaves no half release, no lock and an intact current after SIGINT during the upload', async () => {
    const good = await current('h1');
    // Slow h1's link so the 40 MB upload is surely in flight when the signal comes.
    const veth = `shv${lab().id}x0`;
    await execa('tc', ['qdisc', 'add', 'dev', veth, 'root', 'tbf', 'rate', '40mbit', 'burst', '64kb', 'latency', '400ms']);
    try {
      const child = execa('node', [join(REPO, 'bin/ship'), 'deploy', 'prod'], {
        cwd: dir,
        reject: false,
        env: { APP_VERSION: 'v7', APP_PAD_MB: '40' },
        stdin: 'ignore',
      });
      let sent = false;
      child.stdout!.on('data', (d: Buffer) => {
        if (!sent && /h1 \| upload \d/.test(d.toString()) && /\//.test(d.toString())) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      const r = await child;
      expect(sent).toBe(true);
      expect(r.exitCode).toBe(130);
      expect(r.stderr).toMatch(/SIGINT: stopping/);
    } finally {
      await execa('tc', ['qdisc', 'del', 'dev', veth, 'root'], { reject: false });
    }
    for (const h of HOSTS) {
      expect(await current(h)).toBe(good);
      expect(await answer(h)).toBe('v6');
      expect(await onHost(h, `ls -A ${PATH}/releases ${PATH}/.ship | grep -E 'partial|upload|lock' || echo clean`)).toBe('clean');
      expect(await releaseDirs(h)).toContain(good);
    }
  });

  it('--dry-run prints the plan per host and changes nothing', async () => {
    const before = await Promise.all(HOSTS.map(snapshot));
    const r = await ship(['deploy', 'prod', '--dry-run'], { cwd: dir, env: { APP_VERSION: 'v8' } });
    expect(r.code, r.stderr).toBe(0);
    // Per host: the plan's header, then a step's label with a command indented under it.
    for (const h of HOSTS) expect(r.stdout).toMatch(new RegExp(`^${h} \\| plan\n${h} \\|   lock\n${h} \\|     \\S`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^h1 \\|     switch-current\\.sh ${PATH} \\d{8}T\\d{6}Z-[0-9a-f]{6}$`, 'm'));
    expect(r.stdout).toMatch(/sudo -n -- systemctl restart -- deploytest/);
    expect(await Promise.all(HOSTS.map(snapshot))).toEqual(before);
  });
});

describe('ship rollback and ship releases', () => {
  it('lists releases per host with state, who and commit', async () => {
    const r = await ship(['releases', 'prod'], { cwd: dir });
    expect(r.code).toBe(0);
    const cur = await current('h1');
    expect(r.stdout).toMatch(new RegExp(`h1\\s+${cur}\\s+\\S+\\s+root@\\S+\\s+[0-9a-f]{12}\\s+current\\s+\\d+(\\.\\d)? (KB|MB)`));
    expect(r.stdout).toMatch(/h3\s+\S+\s+\S+\s+root@\S+\s+[0-9a-f]{12}\s+good/);
  });

  it('rolls back to the previous good release, and refuses when there is none', async () => {
    const before = await current('h1');
    const r = await ship(['rollback', 'prod'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) {
      expect(await current(h)).not.toBe(before);
      expect(await answer(h)).toBe('v3');
    }
    // Now current is the oldest release left: nothing older to go back to.
    const again = await ship(['rollback', 'prod'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/nothing to roll back to/);
    // Forward again by name.
    const named = await ship(['rollback', 'prod', before], { cwd: dir });
    expect(named.code, named.stderr).toBe(0);
    for (const h of HOSTS) expect(await answer(h)).toBe('v6');
  });
});

describe('ship verify', () => {
  it('ok on every host right after a deploy; then lists each file changed, missing or added on one host, exit 1', async () => {
    const deployed = await deploy('v9');
    expect(deployed.code, deployed.stderr).toBe(0);
    const clean = await ship(['verify', 'prod'], { cwd: dir });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    for (const h of HOSTS) expect(clean.stdout).toMatch(new RegExp(`^${h}\\s+\\S+\\s+ok\\s*$`, 'm'));
    // Someone edits the live release on h2.
    await onHost(
      'h2',
      // server.js changed as a new file (the one there is read-only and shared with older releases).
      `cd ${PATH}/current && cat server.js > s && printf x >> s && chmod 444 s && mv s server.js && chmod 666 VERSION && rm -f FAIL_START DIE_AFTER && mkdir -p extra && touch extra/added && rm VERSION && echo v9 > VERSION && chmod 664 VERSION`,
    );
    const drift = await ship(['verify', 'prod'], { cwd: dir });
    expect(drift.code).toBe(1);
    const id = await current('h2');
    expect(drift.stdout).toMatch(new RegExp(`^h2\\s+${id}\\s+changed\\s+VERSION \\(mode 444 -> 664\\)$`, 'm'));
    expect(drift.stdout).toMatch(new RegExp(`^h2\\s+${id}\\s+changed\\s+server\\.js \\(content\\)$`, 'm'));
    expect(drift.stdout).toMatch(new RegExp(`^h2\\s+${id}\\s+added\\s+extra$`, 'm'));
    expect(drift.stdout).toMatch(new RegExp(`^h2\\s+${id}\\s+added\\s+extra/added$`, 'm'));
    expect(drift.stdout).toMatch(/^h1\s+\S+\s+ok\s*$/m);
    // A release named, and --json for machines.
    const named = await ship(['verify', 'prod', id, '--host', 'h1', '--json'], { cwd: dir });
    expect(named.code).toBe(0);
    expect(named.stdout.split('\n').map((l) => JSON.parse(l) as Record<string, string>)).toContainEqual(
      expect.objectContaining({ host: 'h1', release: id, result: 'ok' }),
    );
    // The shared entries are links to shared/, not release content: removing one is a difference.
    await onHost('h3', `rm ${PATH}/current/uploads`);
    const unlinked = await ship(['verify', 'prod', '--host', 'h3'], { cwd: dir });
    expect(unlinked.code).toBe(1);
    expect(unlinked.stdout).toMatch(
      new RegExp(`^h3\\s+\\S+\\s+changed\\s+uploads \\(target ${PATH}/shared/uploads -> \\(missing\\)\\)$`, 'm'),
    );
    // The next deploy is whole again everywhere.
    expect((await deploy('v10')).code).toBe(0);
    expect((await ship(['verify', 'prod'], { cwd: dir })).code).toBe(0);
  });
});
