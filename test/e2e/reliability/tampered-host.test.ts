/**
 * What a host holds is not to be trusted: a release whose own link sits above a shared entry
 * (public -> /elsewhere for public/uploads/) must not make ship delete or write outside the
 * deploy path, and `ship verify` must see a `current` or a shared link that points elsewhere,
 * and finish (reporting, not reading) when a release holds a FIFO or a huge sparse file.
 * Each host is tampered with directly (onHost), as someone with a shell there would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, expectNoSecretsPrinted, expectNoStack } from './support.js';

const HOST = 'h1';
const ELSEWHERE = '/tmp/ship-elsewhere';
/** Deploys with a nested shared entry (public/uploads/), for linking; `plain` has only .env, for verify. */
let app: App;
let plain: App;

/** The reliability build, plus a link `public -> $APP_PUBLIC_LINK` when that is set. */
const BUILD = 'sh build.sh\n[ -z "${APP_PUBLIC_LINK:-}" ] || ln -s "$APP_PUBLIC_LINK" dist/public\n';

beforeAll(async () => {
  app = await App.create({
    name: 'reltamper',
    port: 4461,
    hosts: [HOST],
    healthTimeout: 5,
    stage: { shared: ['.env', 'public/uploads/'] },
    top: { build: { run: ['sh', 'build-link.sh'], dir: 'dist' } },
    files: { 'build-link.sh': BUILD },
  });
  plain = await App.create({ name: 'relverify', port: 4462, hosts: [HOST], healthTimeout: 5 });
  for (const a of [app, plain]) {
    await a.setup();
    const first = await a.deploy('v1');
    expect(first.code, first.stderr).toBe(0);
  }
});

afterAll(async () => {
  await app.onHost(HOST, `rm -rf ${ELSEWHERE} /tmp/ship-anywhere /tmp/ship-evil`, { reject: false });
  await app.remove();
  await plain.remove();
  await expectNoSecretsPrinted([app, plain]);
});

describe('linking shared entries into a release', () => {
  it('a release with a nested shared entry verifies clean (the directory above it, made by the deploy, is no difference)', async () => {
    const r = await app.ship(['verify', 'prod']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('refuses when the release holds a link above a shared entry; nothing outside the deploy path is touched, current stays', async () => {
    const before = (await app.state(HOST)).current;
    await app.onHost(HOST, `rm -rf ${ELSEWHERE} && mkdir -p ${ELSEWHERE}/uploads && echo keep > ${ELSEWHERE}/uploads/keep`);
    const r = await app.deploy('v2', { APP_PUBLIC_LINK: ELSEWHERE });
    expect(r.code).not.toBe(0);
    expectNoStack(r.stderr);
    expect(r.stderr).toMatch(
      new RegExp(
        `refusing to use ${app.path}/releases/\\S+/public: it is a symbolic link \\(to ${ELSEWHERE}\\) in the release, above the shared entry public/uploads/`,
      ),
    );
    expect(
      (await app.onHost(HOST, `cat ${ELSEWHERE}/uploads/keep; [ -L ${ELSEWHERE}/uploads ] && echo linked; ls -A ${ELSEWHERE}`)).trim(),
    ).toBe('keep\nuploads');
    const after = await app.state(HOST);
    expect(after.current).toBe(before);
    expect(after.version).toBe('v1');
  });
});

describe('ship verify on a tampered host', () => {
  const verify = () => plain.ship(['verify', 'prod']);

  async function expectClean(when: string): Promise<void> {
    const r = await verify();
    expect(r.code, `${when}: ${r.stdout}${r.stderr}`).toBe(0);
  }

  /** Verify after `tamper`, expecting `row` in its table and exit 1; then `restore`. */
  async function expectFlagged(tamper: string, row: RegExp, restore: string): Promise<void> {
    await expectClean('before tampering');
    await plain.onHost(HOST, tamper);
    try {
      const r = await verify();
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(row);
    } finally {
      await plain.onHost(HOST, restore);
    }
    await expectClean('after restoring');
  }

  it('flags a current that points at a copy of the release elsewhere, or at it by an absolute path', async () => {
    const id = (await plain.state(HOST)).current;
    const restore = `cd ${plain.path} && ln -sfn releases/${id} current`;
    await expectFlagged(
      `mkdir -p /tmp/ship-anywhere && cp -a ${plain.path}/releases/${id} /tmp/ship-anywhere/ && cd ${plain.path} && ln -sfn /tmp/ship-anywhere/${id} current`,
      new RegExp(`^${HOST}\\s+${id}\\s+changed\\s+current \\(target releases/${id} -> /tmp/ship-anywhere/${id}\\)$`, 'm'),
      restore,
    );
    await expectFlagged(
      `cd ${plain.path} && ln -sfn ${plain.path}/releases/${id} current`,
      new RegExp(`^${HOST}\\s+${id}\\s+changed\\s+current \\(target releases/${id} -> ${plain.path}/releases/${id}\\)$`, 'm'),
      restore,
    );
  });

  it("flags a shared link to another deploy path's shared/", async () => {
    const id = (await plain.state(HOST)).current;
    const env = `${plain.path}/releases/${id}/.env`;
    await expectFlagged(
      `mkdir -p /tmp/ship-evil/shared && echo X=1 > /tmp/ship-evil/shared/.env && ln -sfn /tmp/ship-evil/shared/.env ${env}`,
      new RegExp(`^${HOST}\\s+${id}\\s+changed\\s+\\.env \\(target ${plain.path}/shared/\\.env -> /tmp/ship-evil/shared/\\.env\\)$`, 'm'),
      `ln -sfn ${plain.path}/shared/.env ${env}`,
    );
  });

  it('finishes, reporting without reading, when a release holds a FIFO or a huge sparse file', async () => {
    const id = (await plain.state(HOST)).current;
    const dir = `${plain.path}/releases/${id}`;
    // Keep the originals aside (outside the release), to put them back.
    await plain.onHost(HOST, `mkdir -p /tmp/ship-evil && cp -p ${dir}/server.js ${dir}/VERSION /tmp/ship-evil/`);
    const started = Date.now();
    await expectFlagged(
      // 1 TB of zeros (sparse) where server.js was; a FIFO where VERSION was, and a new one.
      // A new file, not server.js written in place: that inode is shared with the other releases.
      `rm ${dir}/server.js && truncate -s 1T ${dir}/server.js && chmod 444 ${dir}/server.js && rm ${dir}/VERSION && mkfifo ${dir}/VERSION ${dir}/pipe`,
      new RegExp(
        `^${HOST}\\s+${id}\\s+changed\\s+server\\.js \\(content\\)$[\\s\\S]*^${HOST}\\s+${id}\\s+changed\\s+VERSION \\(type file -> special \\(p\\)\\)$|^${HOST}\\s+${id}\\s+changed\\s+VERSION \\(type file -> special \\(p\\)\\)$[\\s\\S]*^${HOST}\\s+${id}\\s+changed\\s+server\\.js \\(content\\)$`,
        'm',
      ),
      `rm -f ${dir}/VERSION ${dir}/pipe ${dir}/server.js && cp -p /tmp/ship-evil/server.js /tmp/ship-evil/VERSION ${dir}/`,
    );
    // Reading 1 TB would take many minutes; nothing was read.
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
