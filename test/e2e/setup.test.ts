/**
 * ship init, ship setup, the env file's secrecy, ship logs and ship run, against real hosts,
 * with the example app (examples/hello) deployed socket-activated. Every command's output is
 * kept, and the last test checks that no env file value appears anywhere in it.
 */
import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { address, onHost, project, REPO, ship, SHIP, type ShipResult } from './support.js';
import { get, loadUntil } from './load.js';

// Names of its own, so this file leaves the hosts as other test files expect them.
const APP = 'sockapp';
const PATH = `/srv/${APP}`;
const PORT = 4300;
const HOSTS = ['h1', 'h2'];

const SECRETS = ['tok-9f8e7d6c5b4a3', 'pa ss "w0rd" $(x)', 'rotated-3e1c0ffee'];
const ENV_FILE = `# secrets of the example app\nAPI_TOKEN=${SECRETS[0]}\nDB_PASSWORD='${SECRETS[1]}'\n`;

/** Every line any ship command printed in this file, for the secrecy check at the end. */
const printed: string[] = [];

async function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<ShipResult> {
  const result = await ship(args, { cwd, env });
  printed.push(`$ ship ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result;
}

function config(service: Record<string, unknown> = {}, hosts = HOSTS) {
  return {
    app: APP,
    build: { run: ['npm', 'run', 'build'], dir: 'dist' },
    service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(PORT) }, envFile: '.env.prod', socket: PORT, ...service },
    stages: {
      prod: { hosts, path: PATH, shared: ['.env'], health: { url: `http://127.0.0.1:${PORT}/health`, timeout: 20 } },
    },
  };
}

/** The example app as a project: its files, the env file, and a hosts.ts for the lab. */
async function appProject(service: Record<string, unknown> = {}): Promise<string> {
  const example = join(REPO, 'examples/hello');
  const files: Record<string, string> = { '.env.prod': ENV_FILE };
  for (const name of ['server.js', 'build.js', 'package.json']) files[name] = await readFile(join(example, name), 'utf8');
  return project(config(service), files);
}

const allHosts = (script: string) => Promise.all(HOSTS.map((h) => onHost(h, script)));

afterAll(async () => {
  await Promise.all(
    ['h1', 'h2', 'h3'].map((h) =>
      onHost(
        h,
        [
          `sudo systemctl disable --now ${APP}.socket ${APP}.service 2>/dev/null`,
          `sudo rm -f /etc/systemd/system/${APP}.service /etc/systemd/system/${APP}.socket`,
          'sudo systemctl daemon-reload',
          `sudo rm -rf ${PATH} /srv/ghost`,
        ].join('; '),
        { reject: false },
      ),
    ),
  );
});

describe('ship init', () => {
  it('writes hosts.ts and the built-in recipes into an empty project', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-init-'));
    const r = await run(['init'], dir);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'hosts.ts'), 'utf8')).toBe(await readFile(join(REPO, 'hosts.example.ts'), 'utf8'));
    for (const file of ['deploy.ts', 'rollback.ts', 'setup.ts', 'templates/app.service', 'templates/app.socket']) {
      expect(await readFile(join(dir, 'recipes', file), 'utf8')).toBe(await readFile(join(REPO, 'recipes', file), 'utf8'));
      expect(r.stdout).toContain(`wrote recipes/${file}`);
    }
    expect(r.stdout).toContain('wrote hosts.ts');
    expect(r.stdout).toContain('next: edit hosts.ts');
    // The hosts.ts it wrote loads and validates: a dry run connects nowhere.
    const plan = await run(['exec', 'prod', '--dry-run', '--', 'true'], dir);
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toContain('deploy@web1.example.com |   exec\ndeploy@web1.example.com |     true\n');
  });

  it('keeps existing files, says which, and overwrites them only with --force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-init-'));
    await writeFile(join(dir, 'hosts.ts'), '// mine\n');
    await mkdir(join(dir, 'recipes/templates'), { recursive: true });
    await writeFile(join(dir, 'recipes/templates/app.service'), '# my unit\n');
    const r = await run(['init'], dir);
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'hosts.ts'), 'utf8')).toBe('// mine\n');
    expect(await readFile(join(dir, 'recipes/templates/app.service'), 'utf8')).toBe('# my unit\n');
    expect(r.stdout).toContain('kept 2 existing files (ship init --force overwrites them):\n  hosts.ts\n  recipes/templates/app.service\n');
    expect(r.stdout).toContain('wrote recipes/deploy.ts');
    expect(r.stdout).not.toContain('wrote hosts.ts');

    const again = await run(['init'], dir);
    expect(again.stdout).not.toContain('wrote');
    const forced = await run(['init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, 'hosts.ts'), 'utf8')).toContain('defineHosts');
    expect(await readFile(join(dir, 'recipes/templates/app.service'), 'utf8')).toContain('[Service]');
  });
});

describe('ship setup, then deploy of a socket-activated app', () => {
  let dir: string;

  it('--dry-run shows the plan, with the env file as a count, and changes nothing', async () => {
    dir = await appProject();
    const r = await run(['setup', 'prod', '--dry-run'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `sudo -n -- install -d -m 0755 -o deploy -g deploy -- ${PATH} ${PATH}/releases ${PATH}/shared ${PATH}/.ship`,
    );
    // shared/ is the service user's: the env file is written as that user, not by root (here the
    // SSH user is the service user, so without sudo).
    expect(r.stdout).toMatch(
      new RegExp(
        `^h1 \\|   upload env file\nh1 \\|     install-file\\.sh ${PATH}/shared/\\.env 600 \\d+  < \\(env file: 2 variables\\)$`,
        'm',
      ),
    );
    expect(r.stdout).toContain(`sudo -n -- systemctl enable -- ${APP}.socket`);
    expect(r.stdout).toContain(
      `h1: would create ${PATH} releases/ shared/ .ship/, write ${APP}.service, write ${APP}.socket, write shared/.env, reload systemd`,
    );
    for (const state of await allHosts(
      `test -e ${PATH} && echo exists; test -e /etc/systemd/system/${APP}.service && echo unit; echo checked`,
    )) {
      expect(state).toBe('checked');
    }
  });

  it('prepares every host: directories, unit and socket from the templates, env file 0600', async () => {
    const r = await run(['setup', 'prod'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const host of HOSTS) {
      expect(r.stdout).toContain(
        `${host}: created ${PATH} releases/ shared/ .ship/, wrote ${APP}.service, wrote ${APP}.socket, wrote shared/.env, reloaded systemd, enabled ${APP}.service, enabled ${APP}.socket`,
      );
    }
    const localSha = (await execa('sha256sum', { input: ENV_FILE })).stdout.split(' ')[0];
    for (const host of HOSTS) {
      expect(await onHost(host, `stat -c '%U:%G %a %n' ${PATH} ${PATH}/releases ${PATH}/shared ${PATH}/.ship ${PATH}/shared/.env`)).toBe(
        [
          `deploy:deploy 755 ${PATH}`,
          `deploy:deploy 755 ${PATH}/releases`,
          `deploy:deploy 755 ${PATH}/shared`,
          `deploy:deploy 755 ${PATH}/.ship`,
          `deploy:deploy 600 ${PATH}/shared/.env`,
        ].join('\n'),
      );
      expect((await onHost(host, `sudo sha256sum < ${PATH}/shared/.env`)).split(' ')[0]).toBe(localSha);
      const unit = await onHost(host, `cat /etc/systemd/system/${APP}.service`);
      expect(unit).toContain(
        `WorkingDirectory=${PATH}/current\nExecStart=/usr/bin/node server.js\nEnvironment="PORT=${PORT}"\nEnvironmentFile=-${PATH}/shared/.env\n`,
      );
      expect(unit).toContain(`Requires=${APP}.socket\nAfter=${APP}.socket\n`);
      expect(await onHost(host, `cat /etc/systemd/system/${APP}.socket`)).toContain(`ListenStream=${PORT}\n`);
      expect(await onHost(host, `systemctl is-enabled ${APP}.service ${APP}.socket`)).toBe('enabled\nenabled');
      expect(
        await onHost(
          host,
          `sudo systemd-analyze verify /etc/systemd/system/${APP}.service /etc/systemd/system/${APP}.socket 2>&1; echo verified`,
        ),
      ).toBe('verified');
    }
  });

  it('a second setup changes nothing and says so', async () => {
    const before = await allHosts(
      `stat -c '%Y %i' /etc/systemd/system/${APP}.service /etc/systemd/system/${APP}.socket ${PATH}/shared/.env`,
    );
    const r = await run(['setup', 'prod'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^h1: nothing changed$/m);
    expect(r.stdout).toMatch(/^h2: nothing changed$/m);
    expect(r.stdout).not.toMatch(/wrote|created|reloaded|enabled/);
    expect(
      await allHosts(`stat -c '%Y %i' /etc/systemd/system/${APP}.service /etc/systemd/system/${APP}.socket ${PATH}/shared/.env`),
    ).toEqual(before);

    const json = await run(['setup', 'prod', '--json'], dir);
    expect(json.code).toBe(0);
    const events = json.stdout.split('\n').map((l) => JSON.parse(l) as { type: string; text?: string });
    expect(events).toContainEqual(expect.objectContaining({ type: 'message', text: 'h1: nothing changed' }));
    const plan = await run(['setup', 'prod', '--dry-run', '--verbose'], dir);
    expect(plan.stdout).toMatch(/^h1: nothing to change$/m);
    expect(plan.stdout).not.toContain('install -d');
  });

  it('deploys the app, which serves on the socket systemd holds and sees the env file', async () => {
    const r = await run(['deploy', 'prod'], dir, { APP_VERSION: '2.0.0' });
    expect(r.code, r.stderr).toBe(0);
    for (const host of HOSTS) {
      expect(await get(`http://${address(host)}:${PORT}/health`, 5000)).toEqual({ status: 200, body: '2.0.0\n' });
      expect(await onHost(host, `sudo journalctl -u ${APP} --no-pager -o cat | tail -n 1`)).toBe(
        'version 2.0.0 listening on the socket from systemd (fd 3)',
      );
      // The variables are in the process's environment (names only are compared here).
      expect(
        await onHost(
          host,
          `sudo cat /proc/$(systemctl show -p MainPID --value ${APP})/environ | tr '\\0' '\\n' | cut -d= -f1 | grep -E '^(API_TOKEN|DB_PASSWORD|LISTEN_FDS)$' | sort`,
        ),
      ).toBe('API_TOKEN\nDB_PASSWORD\nLISTEN_FDS');
    }
  });

  it('a deploy under continuous requests fails none of them', async () => {
    const deploy = run(['deploy', 'prod'], dir, { APP_VERSION: '2.1.0' });
    const load = await loadUntil(deploy, {
      urls: HOSTS.map((h) => `http://${address(h)}:${PORT}/health`),
      workersPerUrl: 3,
      maxMs: 100_000,
    });
    expect((await deploy).code).toBe(0);
    expect(load.failed, load.errors.join(', ')).toBe(0);
    expect(load.ok).toBeGreaterThan(20);
    expect([...load.bodies].sort()).toEqual(['2.0.0', '2.1.0']);
  });

  it('uploads a changed env file, says the service needs a restart, and prints no value', async () => {
    await writeFile(join(dir, '.env.prod'), `${ENV_FILE}API_TOKEN=${SECRETS[2]}\n`);
    const r = await run(['setup', 'prod'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^h1: wrote shared\/\.env$/m);
    expect(r.stderr).toContain(`h1 | ${APP}.service is running with its old settings; they apply at its next restart (ship deploy prod)`);
    expect(await onHost('h1', `stat -c '%U:%G %a' ${PATH}/shared/.env`)).toBe('deploy:deploy 600');
    // Even a command that prints the file shows *** for every value, on stdout and in errors.
    const cat = await run(['exec', 'prod', '--', 'sh', '-c', 'cat "$1"; cat "$1" >&2; exit 3', 'sh', `${PATH}/shared/.env`], dir);
    expect(cat.code).toBe(1);
    expect(cat.stdout).toContain('h1 | API_TOKEN=***');
    expect(cat.stderr).toContain('h2 | DB_PASSWORD=***');
  });

  it('ship logs shows the journal of every host, prefixed by host', async () => {
    const r = await run(['logs', 'prod', '--lines', '3'], dir);
    expect(r.code).toBe(0);
    for (const host of HOSTS)
      expect(r.stdout).toMatch(
        new RegExp(`^${host} \\| \\S+ ${APP}\\[\\d+\\]: version 2\\.1\\.0 listening on the socket from systemd \\(fd 3\\)$`, 'm'),
      );
    expect(r.stdout.split('\n').filter((l) => l.startsWith('h1 | '))).toHaveLength(3);
    expect(r.stdout.indexOf('h1 | ')).toBeLessThan(r.stdout.indexOf('h2 | '));
  });

  it('ship logs -f follows every host until Ctrl-C, which also stops the remote journalctl', async () => {
    const child = execa('node', [SHIP, 'logs', 'prod', '-f', '--lines', '1'], { cwd: dir, reject: false, env: { SHIP_NO_COLOR: '1' } });
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => (seen += d.toString()));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!re.test(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(seen).toMatch(re);
    };
    await waitFor(/^h2 \| .*listening/m);
    await waitFor(/^h1 \| .*listening/m);
    expect(await onHost('h1', 'pgrep -c journalctl', { reject: false })).toBe('1');
    await run(['exec', 'prod', '--', 'sudo', 'systemctl', 'restart', APP], dir);
    await waitFor(/^h1 \| .*SIGTERM: finishing requests in flight/m);
    await waitFor(/^h2 \| .*SIGTERM: finishing requests in flight/m);
    child.kill('SIGINT');
    const result = await child;
    printed.push(`$ ship logs prod -f\n${result.stdout}\n${result.stderr}`);
    expect(result.exitCode).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    for (const host of HOSTS) expect(await onHost(host, 'pgrep -c journalctl', { reject: false })).toBe('0');
  });

  it('runs a user recipe from recipes/ with ship run, and a project recipes/setup.ts replaces the built-in', async () => {
    await mkdir(join(dir, 'recipes'));
    await writeFile(
      join(dir, 'recipes/stamp.ts'),
      `import { recipe } from 'ship-deploy';

// ship run prod stamp <words...>: which version is live, and a note in shared/stamp.
export default recipe('stamp', async ({ stage, hosts, args, log }) => {
  await hosts.each(async (host) => {
    const version = await host.run(['cat', \`\${stage.path}/current/VERSION\`]);
    await host.run(['sh', '-c', 'printf "%s\\\\n" "$2" > "$1"', 'sh', \`\${stage.path}/shared/stamp\`, args.join(' ')]);
    log(\`\${host.name}: version \${version.stdout.trim()}, stamped \${args.join(' ')}\`);
  });
});
`,
    );
    const r = await run(['run', 'prod', 'stamp', "it's", '$(done)'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^h1: version 2\.1\.0, stamped it's \$\(done\)$/m);
    expect(r.stdout).toMatch(/^h2: version 2\.1\.0, stamped it's \$\(done\)$/m);
    expect(await onHost('h2', `cat ${PATH}/shared/stamp`)).toBe("it's $(done)");

    await writeFile(
      join(dir, 'recipes/setup.ts'),
      `import { recipe } from 'ship-deploy';
export default recipe('setup', async ({ hosts, log }) => {
  await hosts.each(async (host) => { await host.createDirectories(); });
  log('project setup ran');
});
`,
    );
    const own = await run(['setup', 'prod'], dir);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain('project setup ran');
    await rm(join(dir, 'recipes'), { recursive: true });
    expect(await readdir(dir)).not.toContain('recipes');
  });

  it('without service.socket, setup removes the socket unit it wrote and the app listens on PORT', async () => {
    const plain = await project(
      config({ socket: undefined }),
      Object.fromEntries(
        await Promise.all(
          ['server.js', 'build.js', 'package.json', '.env.prod'].map(async (n) => [n, await readFile(join(dir, n), 'utf8')] as const),
        ),
      ),
    );
    const r = await run(['setup', 'prod'], plain);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^h1: wrote ${APP}\\.service, removed ${APP}\\.socket, reloaded systemd$`, 'm'));
    expect(
      await onHost('h1', `test -e /etc/systemd/system/${APP}.socket || echo gone; systemctl is-active ${APP}.socket`, { reject: false }),
    ).toBe('gone\ninactive');
    // The running app was not stopped with its socket: it serves on the one it inherited until restarted.
    expect(await get(`http://${address('h1')}:${PORT}/health`, 5000)).toEqual({ status: 200, body: '2.1.0\n' });
    const deploy = await run(['deploy', 'prod'], plain, { APP_VERSION: '3.0.0' });
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(await get(`http://${address('h2')}:${PORT}/health`, 5000)).toEqual({ status: 200, body: '3.0.0\n' });
    expect(await onHost('h2', `sudo journalctl -u ${APP} --no-pager -o cat | tail -n 1`)).toBe(`version 3.0.0 listening on port ${PORT}`);
  });

  it('fails clearly when the service user does not exist, naming the command that fixes it', async () => {
    const ghost = await project({
      ...config({ user: 'ghost', envFile: undefined }, ['h3']),
      stages: { prod: { hosts: ['h3'], path: '/srv/ghost' } },
    });
    const r = await run(['setup', 'prod'], ghost);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('h3: service.user "ghost" does not exist on this host');
    expect(r.stderr).toContain('next: create it: ship exec prod --host h3 -- sudo useradd --create-home ghost');
    expect(await onHost('h3', 'test -e /srv/ghost || echo absent')).toBe('absent');
  });
});

describe('a unit file ship did not write', () => {
  const SHADOW = '/srv/shadow';
  const shadowProject = (unit: string) =>
    project({ ...config({ envFile: undefined, socket: undefined }, ['h3']), stages: { prod: { hosts: ['h3'], path: SHADOW, unit } } });
  afterAll(async () => {
    // Only what this describe made (nginx.service only if a broken ship wrote it).
    await onHost(
      'h3',
      `sudo rm -rf ${SHADOW} /etc/systemd/system/mine.service; grep -q 'written by ship setup' /etc/systemd/system/nginx.service && sudo rm /etc/systemd/system/nginx.service; sudo systemctl daemon-reload`,
      { reject: false },
    );
  });

  it("refuses a unit name the distro's unit has (unit: nginx), which /etc/systemd/system would shadow", async () => {
    const r = await run(['setup', 'prod'], await shadowProject('nginx'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'h3: /lib/systemd/system/nginx.service exists and was not written by ship setup; writing /etc/systemd/system/nginx.service would shadow it',
    );
    expect(r.stderr).toMatch(/next: give the stage a unit name of its own in hosts\.ts/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(
      await onHost('h3', 'test -e /etc/systemd/system/nginx.service && echo shadowed; systemctl show -P FragmentPath nginx.service'),
    ).toBe('/lib/systemd/system/nginx.service');
  });

  it('refuses to overwrite /etc/systemd/system/<unit>.service that someone else wrote, and leaves it as it was', async () => {
    const mine = "[Unit]\nDescription=mine, not ship's\n\n[Service]\nExecStart=/bin/true\n";
    await onHost('h3', `printf '%s' '${mine.replaceAll("'", "'\\''")}' | sudo tee /etc/systemd/system/mine.service >/dev/null`);
    const r = await run(['setup', 'prod'], await shadowProject('mine'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'h3: /etc/systemd/system/mine.service exists and was not written by ship setup; writing it would overwrite it',
    );
    expect(r.stderr).toMatch(
      /next: .*remove it yourself .*ship exec prod --host h3 -- sudo rm \/etc\/systemd\/system\/mine\.service.*or give the stage a unit name of its own in hosts\.ts/,
    );
    expect(await onHost('h3', 'cat /etc/systemd/system/mine.service')).toBe(mine.trimEnd());
  });
});

describe('the env file', () => {
  it('no value of it appeared in any output of any command above', () => {
    const all = printed.join('\n');
    expect(printed.length).toBeGreaterThan(15);
    for (const secret of SECRETS) expect(all).not.toContain(secret);
    // Nor any recognisable part of the quoted one.
    expect(all).not.toContain('w0rd');
  });
});
