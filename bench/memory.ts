/**
 * Issue 3: peak memory (RSS) of the ship process while it deploys a 1 GB release to one host.
 *
 *   npm run build && npx jiti bench/memory.ts [--mb 1024] [--lab 6] [--json FILE]
 *
 * Deploys the test app twice with `/usr/bin/time -v node bin/ship deploy prod`: first with a
 * 1 MB release (what ship needs anyway), then with `--mb` MB of random bytes (APP_PAD_MB), and
 * prints "Maximum resident set size" of each. That figure is the largest single process under
 * `time`, which is the ship node process (tar, gzip and the build are a few MB each).
 * Needs root (boots test lab 6 with 1 host, installs `time` with apt-get if missing) and about
 * 4.5 x `--mb` of free disk: dist/, the tarball, and the upload plus the extracted release on the
 * host, whose disk is this machine's. Traffic goes only to the lab's address.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CACHE_DIR } from '../test/hosts/base-image.js';
import { fixed, log, options, REPO, SHIP, withLab, writeResult } from './lib.js';

const opt = options({ mb: 1024, lab: 6 });
const LIMIT_MB = 200;
const PATH = '/srv/bench-memory';
const UNIT = 'bench-memory';

for (const dir of [tmpdir(), existsSync(CACHE_DIR) ? CACHE_DIR : '/var']) {
  const s = await statfs(dir);
  const freeMb = (s.bavail * s.bsize) / 1048576;
  if (freeMb < opt.mb * 4.5 + 1024)
    throw new Error(`${dir}: ${fixed(freeMb / 1024, 1)} GB free; this benchmark needs ${fixed((opt.mb * 4.5 + 1024) / 1024, 1)} GB`);
}
if (!existsSync('/usr/bin/time')) {
  log('installing GNU time (apt-get install time)');
  await execa('apt-get', ['install', '-y', '-q', 'time'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

const result = await withLab(opt.lab, ['h1'], 900_000, async (lab, tmp) => {
  const unit = [
    '[Service]',
    `WorkingDirectory=${PATH}/current`,
    'ExecStart=/usr/bin/node server.js',
    'User=deploy',
    'Environment=PORT=4401',
    '',
  ].join('\\n');
  await execa('ssh', [
    '-F',
    lab.sshConfig,
    '-o',
    'BatchMode=yes',
    'h1',
    `sudo mkdir -p ${PATH} && sudo chown deploy: ${PATH} && printf '${unit}' | sudo tee /etc/systemd/system/${UNIT}.service >/dev/null && sudo systemctl daemon-reload`,
  ]);
  const dir = join(tmp, 'app');
  await mkdir(dir);
  for (const f of ['server.js', 'build.sh']) await copyFile(join(REPO, 'test/e2e/fixtures/app', f), join(dir, f));
  await writeFile(
    join(dir, 'hosts.ts'),
    `import { defineHosts } from 'ship-deploy';\nexport default defineHosts(${JSON.stringify(
      {
        app: 'bench-memory',
        ssh: { config: lab.sshConfig },
        build: { run: ['sh', 'build.sh'], dir: 'dist' },
        stages: { prod: { hosts: ['h1'], path: PATH, unit: UNIT, keep: 1 } },
      },
      null,
      2,
    )});\n`,
  );

  const deploy = async (mb: number) => {
    const r = await execa('/usr/bin/time', ['-v', 'node', SHIP, 'deploy', 'prod'], {
      cwd: dir,
      env: { APP_PAD_MB: String(mb), SHIP_NO_COLOR: '1' },
      stdin: 'ignore',
      timeout: 600_000,
    });
    const field = (name: string) => new RegExp(`${name}: (.+)`).exec(r.stderr)?.[1]?.trim() ?? '?';
    const rssMb = Number(field('Maximum resident set size \\(kbytes\\)')) / 1024;
    log(`${mb} MB release: peak RSS ${fixed(rssMb, 1)} MB, wall ${field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)')}`);
    return { releaseMb: mb, peakRssMb: rssMb, wall: field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)') };
  };
  const small = await deploy(1);
  const large = await deploy(opt.mb);
  return { limitMb: LIMIT_MB, small, large, ok: large.peakRssMb < LIMIT_MB };
});

process.stdout.write(
  [
    'memory (peak RSS of the ship process, /usr/bin/time -v)',
    `  deploy of a ${result.small.releaseMb} MB release: ${fixed(result.small.peakRssMb, 1)} MB (wall ${result.small.wall})`,
    `  deploy of a ${result.large.releaseMb} MB release: ${fixed(result.large.peakRssMb, 1)} MB (wall ${result.large.wall}); target < ${LIMIT_MB} MB: ${result.ok ? 'met' : 'NOT met'}`,
    '',
  ].join('\n'),
);
await writeResult(opt.json, result);
