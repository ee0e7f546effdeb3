/**
 * A host's SSH key changes between two deploys (reinstalled host, or someone in the middle):
 * the deploy is refused before any command runs anywhere, and nothing changes on any host.
 * The key really changes on the host (a new ed25519 key in /etc/ssh); the hosts are
 * compared from this machine through their root directories and network namespaces, without
 * SSH, so the comparison does not depend on the key either. The old key is put back afterwards.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab, onHost } from '../support.js';
import { ANSWER_FN, App, expectNoSecretsPrinted, expectNoStack } from './support.js';

const HOSTS = ['h2', 'h3'];
const PORT = 4351;
let app: App;
const labHost = (name: string) => lab().hosts.find((h) => h.name === name)!;

/** Every file under the deploy path with type, size, link target and mtime, plus the release log. */
async function snapshot(host: string): Promise<string> {
  const root = join(labHost(host).root, app.path);
  const files = await execa('find', [root, '-printf', '%P %y %s %l %T@\\n']);
  const log = await readFile(join(root, '.ship/releases.log'), 'utf8');
  return `${files.stdout.split('\n').sort().join('\n')}\n${log}`;
}

/** What the app answers, asked inside the host's network namespace (no SSH involved). */
async function answer(host: string): Promise<string> {
  const r = await execa('ip', ['netns', 'exec', labHost(host).netns, 'bash', '-c', `${ANSWER_FN}\nanswer ${PORT}`]);
  return r.stdout.trim();
}

beforeAll(async () => {
  app = await App.create({ name: 'relhostkey', port: PORT, hosts: HOSTS, healthTimeout: 5 });
  await app.setup();
  const first = await app.deploy('v1');
  expect(first.code, first.stderr).toBe(0);
});

afterAll(async () => {
  // Other test files need h3 with the key the lab's known_hosts holds.
  await restoreKey();
  await expectNoSecretsPrinted([app]);
  await app.remove();
});

const keyFile = () => join(labHost('h3').root, 'etc/ssh/ssh_host_ed25519_key');
let original: { key: string; pub: string } | undefined;

/** Put h3's own key back; idempotent. (sshd reads its host keys for every new connection.) */
async function restoreKey(): Promise<void> {
  if (!original) return;
  await writeFile(keyFile(), original.key);
  await writeFile(`${keyFile()}.pub`, original.pub);
}

describe('the host key of h3 changes between two deploys', () => {
  it('refuses the deploy, names the host and the new fingerprint, and changes nothing anywhere', async () => {
    const before = await Promise.all(HOSTS.map(snapshot));
    original = { key: await readFile(keyFile(), 'utf8'), pub: await readFile(`${keyFile()}.pub`, 'utf8') };
    const dir = await mkdtemp(join(tmpdir(), 'ship-hostkey-'));
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'reinstalled', '-f', join(dir, 'key')]);
    const newPub = await readFile(join(dir, 'key.pub'), 'utf8');
    const fingerprint = (await execa('ssh-keygen', ['-lf', join(dir, 'key.pub')])).stdout.split(' ')[1]!;
    // sshd reads its host keys for every new connection: from now on h3 presents the new one.
    await writeFile(keyFile(), await readFile(join(dir, 'key'), 'utf8'));
    await writeFile(`${keyFile()}.pub`, newPub);

    const r = await app.deploy('v2');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error: h3 (${labHost('h3').address}:22): HOST KEY HAS CHANGED, refusing to connect.`);
    expect(r.stderr).toContain(`The host sent the ED25519 key ${fingerprint}, but ${lab().knownHosts} line `);
    expect(r.stderr).toMatch(/man-in-the-middle/);
    expect(r.stderr).toContain(`ssh-keygen -R ${labHost('h3').address} -f ${lab().knownHosts}`);
    expectNoStack(r.stderr);
    // Not built, not uploaded, not locked: nothing ran on either host.
    expect(r.stdout).not.toMatch(/\| (lock|upload)/);
    expect(await Promise.all(HOSTS.map(snapshot))).toEqual(before);
    for (const h of HOSTS) expect(await answer(h)).toBe('v1');
  });

  it('with the old key back, the next deploy goes through', async () => {
    expect(original).toBeDefined();
    await restoreKey();
    expect((await onHost('h3', 'echo back')).trim()).toBe('back');
    const r = await app.deploy('v2');
    expect(r.code, r.stderr).toBe(0);
    for (const h of HOSTS) expect(await answer(h)).toBe('v2');
  });
});
