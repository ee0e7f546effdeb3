/**
 * What root writes on a host, and through which paths. The deploy path and everything in it
 * belong to the service user, who may swap any entry of it for a symlink at any moment; root
 * (sudo, or a root SSH login) must never write, chown or extract through such a path, and a
 * release must never bring a setuid file onto the host, whoever the SSH user is.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { files } from '../../../src/remote/files.js';
import { displayCommand, renderCommand } from '../../../src/remote/render.js';
import { lab, onHost } from '../support.js';
import { App, expectNoSecretsPrinted } from './support.js';

const apps: App[] = [];
const VICTIM = '/etc/ship-victim';

afterAll(async () => {
  await expectNoSecretsPrinted(apps);
  for (const app of apps) await app.remove();
  await onHost('h1', `sudo rm -f ${VICTIM}`, { reject: false });
});

/** A root-owned file on h1 that no ship command has any business touching. */
async function plantVictim(): Promise<void> {
  await onHost('h1', `printf 'victim\\n' | sudo tee ${VICTIM} >/dev/null && sudo chown root:root ${VICTIM} && sudo chmod 644 ${VICTIM}`);
}

const victimState = () => onHost('h1', `sudo stat -c '%U:%G %a' ${VICTIM}; sudo cat ${VICTIM}`, { reject: false });

describe('a release holding setuid, setgid and group or world writable files', () => {
  for (const [login, port] of [
    ['deploy', 4361],
    ['root', 4362],
  ] as const) {
    it(`deploys with those bits removed when the SSH user is ${login}`, async () => {
      const app = await App.create({ name: `relmodes${login}`, port, hosts: [login === 'root' ? 'root@h1' : 'h1'] });
      apps.push(app);
      await app.setup();
      const r = await app.deploy('v1', { APP_ODD_MODES: '1' });
      expect(r.code, r.stderr).toBe(0);
      const state = await app.state(app.hosts[0]!);
      expect(state.answer).toBe('v1');
      expect(state.complete).toBe(true);
      expect(
        await onHost(
          'h1',
          `cd ${app.path}/current && stat -c '%a %U %n' . suid sgid everyone-writes group-writes open open/inside server.js`,
        ),
      ).toBe(
        [
          `755 ${login} .`,
          `555 ${login} suid`,
          `555 ${login} sgid`,
          `444 ${login} everyone-writes`,
          `444 ${login} group-writes`,
          `755 ${login} open`,
          `444 ${login} open/inside`,
          `444 ${login} server.js`,
        ].join('\n'),
      );
      expect(state.leftovers).toEqual([]);
    });
  }
});

describe('shared/.env, in shared/ which the service user owns (service.user nosudo, SSH user root)', () => {
  let app: App;

  it('is written as the service user: swapping its temporary file for a symlink cannot make root chown another file', async () => {
    app = await App.create({ name: 'relenv', port: 4363, hosts: ['root@h1'], service: { user: 'nosudo' } });
    apps.push(app);
    await app.setup();
    await plantVictim();
    await appendFile(join(app.dir, '.env.prod'), 'ROTATED=1\n');
    // The very command `ship setup` runs for the env file: the plan shows it as one line (script
    // name and arguments), which the same builder, given those arguments, must show too.
    const plan = await app.ship(['setup', 'prod', '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    const shown = /^root@h1 \| {5}(.+) {2}< \(env file: \d+ variables\)$/m.exec(plan.stdout)?.[1];
    expect(shown, plan.stdout).toContain(`${app.path}/shared/.env`);
    const bytes = /^sudo -n -u nosudo -- install-file\.sh \S+ 600 (\d+)$/.exec(shown!)?.[1];
    expect(bytes, shown).toBeDefined();
    const command = files.installOwnFile(`${app.path}/shared/.env`, '600', 'nosudo', Number(bytes));
    expect(displayCommand(command)).toBe(shown);
    const line = renderCommand(command);

    // Run it with a stdin we hold open: the temporary file exists, and the write is not done.
    const write = execa('ssh', ['-F', lab().sshConfig, '-o', 'BatchMode=yes', 'root@h1', line], { reject: false, stdin: 'pipe' });
    // Meanwhile the service user swaps the temporary file for a symlink to root's file.
    const swapped = await onHost(
      'h1',
      `cd ${app.path}/shared && sudo -n -u nosudo sh -c 'for i in $(seq 600); do for f in .env.ship-*; do [ -f "$f" ] && ln -sfn ${VICTIM} "$f" && echo "swapped $f" && exit 0; done; sleep 0.05; done; echo "no temporary file appeared"'`,
    );
    expect(swapped).toMatch(/^swapped \.env\.ship-\w+$/);
    write.stdin!.end('API_TOKEN=new\n');
    await write;
    expect(await victimState()).toBe('root:root 644\nvictim');
    await onHost('h1', `sudo rm -f ${app.path}/shared/.env.ship-*`);

    // And the real setup writes it: the service user's, 0600, the local content.
    const r = await app.ship(['setup', 'prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^root@h1: wrote shared\/\.env$/m);
    expect(await onHost('h1', `stat -c '%U %a %F' ${app.path}/shared/.env`)).toBe('nosudo 600 regular file');
    expect(await onHost('h1', `sudo tail -n 1 ${app.path}/shared/.env`)).toBe('ROTATED=1');
    const again = await app.ship(['setup', 'prod']);
    expect(again.stdout).toMatch(/^root@h1: nothing changed$/m);
  });

  it('a symlink the service user planted at shared/.env, to a root-owned file, is replaced; the file is untouched', async () => {
    await plantVictim();
    await onHost('h1', `cd ${app.path}/shared && sudo -n -u nosudo ln -sfn ${VICTIM} .env`);
    await appendFile(join(app.dir, '.env.prod'), 'ROTATED=2\n');
    const r = await app.ship(['setup', 'prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(await victimState()).toBe('root:root 644\nvictim');
    expect(await onHost('h1', `stat -c '%U %a %F' ${app.path}/shared/.env`)).toBe('nosudo 600 regular file');
  });
});
