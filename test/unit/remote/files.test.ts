import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { files } from '../../../src/remote/files.js';
import { displayCommand, quote, renderCommand } from '../../../src/remote/render.js';
import { scriptText } from '../../../src/remote/scripts.js';
import { units } from '../../../src/remote/units.js';
import { journal, systemctl } from '../../../src/remote/systemctl.js';

describe('setup commands', () => {
  it('creates directories with install -d, values as separate words', () => {
    expect(renderCommand(files.createDirectories('deploy', 'deploy', ['/srv/hello', '/srv/hello/.ship']))).toBe(
      'sudo -n -- install -d -m 0755 -o deploy -g deploy -- /srv/hello /srv/hello/.ship',
    );
  });

  it('passes every value to the constant scripts as a positional parameter', () => {
    const hostile = "/srv/it's $(rm -rf /)\nx";
    for (const command of [
      files.fileState(hostile),
      files.fileState(hostile, 'app'),
      files.installFile(hostile, '600', 'deploy:deploy', 5),
      files.installOwnFile(hostile, '600', 'app', 5),
      files.origin(hostile),
      files.directoryState('deploy', undefined, [hostile]),
      units.fileOwner(hostile),
    ]) {
      const [sh, flag, body, name, ...args] = command.argv;
      expect([sh, flag, name]).toEqual(['sh', '-c', command.script]);
      expect(body).not.toContain(hostile);
      expect(args).toContain(hostile);
      expect(renderCommand(command)).toContain(`'/srv/it'\\''s $(rm -rf /)\nx'`);
    }
  });

  it('writes a file through a private temporary file and a rename', () => {
    const command = files.installFile('/srv/hello/shared/.env', '600', 'deploy:deploy', 12);
    expect(displayCommand(command)).toBe('sudo -n -- install-file.sh /srv/hello/shared/.env 600 12 deploy:deploy');
    expect(renderCommand(command)).toBe(
      `sudo -n -- sh -c ${quote(scriptText('install-file.sh'))} install-file.sh /srv/hello/shared/.env 600 12 deploy:deploy`,
    );
    // Every trap before the temporary file exists; the length checked before chown, chmod and rename.
    const body = scriptText('install-file.sh');
    const at = (text: string) => body.indexOf(text);
    expect(at(`trap 'rm -f -- "$tmp"' EXIT; trap 'exit 143' TERM; trap 'exit 130' INT; trap 'exit 129' HUP`)).toBeLessThan(
      at('set -C; cat > "$tmp"'),
    );
    expect(at('set -C; cat > "$tmp"')).toBeLessThan(at('received_whole "$tmp" "$3"\n'));
    expect(at('received_whole "$tmp" "$3"\n')).toBeLessThan(at('if [ $# -ge 4 ]; then chown -- "$4" "$tmp"; fi'));
    expect(at('if [ $# -ge 4 ]; then chown -- "$4" "$tmp"; fi')).toBeLessThan(
      at('chmod -- "$2" "$tmp"; mv -f -- "$tmp" "$1"; trap - EXIT'),
    );
  });

  it('leaves no temporary file when the write is killed half way by a signal to its process group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ship-files-'));
    const command = files.installOwnFile(join(dir, 'target'), '600', 'nobody', 100);
    const line = renderCommand({ ...command, sudoUser: undefined, sudo: false });
    // stdin held open, so the write is still in progress when the signal comes.
    const child = spawn('sh', ['-c', line], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.write('half of it');
    await vi.waitFor(() => expect(readdirSync(dir).some((f) => f.startsWith('target.ship-'))).toBe(true));
    process.kill(-child.pid!, 'SIGTERM');
    // The outer sh (the login shell's stand-in) dies at once; the script's own cleanup follows.
    await vi.waitFor(() => expect(readdirSync(dir)).toEqual([]), { timeout: 3000 });
  });

  it('leaves no temporary file whenever the signal comes, from the first instant on: the old file or the new, whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ship-files-'));
    const target = join(dir, 'target');
    writeFileSync(target, 'old\n');
    const command = files.installOwnFile(target, '600', 'nobody', 4);
    const line = renderCommand({ ...command, sudoUser: undefined, sudo: false });
    for (let trial = 0; trial < 40; trial++) {
      const child = spawn('sh', ['-c', line], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      const exited = new Promise((done) => child.on('exit', done));
      child.stdin.end('new\n');
      // Spread over the script's whole life: before the traps, around the creation, after the rename.
      await new Promise((done) => setTimeout(done, trial % 8));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await exited;
      await vi.waitFor(() => expect(readdirSync(dir), `trial ${trial}`).toEqual(['target']), { timeout: 3000 });
      expect(['old\n', 'new\n'], `trial ${trial}`).toContain(readFileSync(target, 'utf8'));
    }
  });

  it('never puts in place a file whose input ended early (a lost connection looks like a normal end to cat)', async () => {
    for (const [write, label] of [
      [files.installOwnFile, 'own'],
      [(p: string, m: string, _u: string, n: number) => files.installFile(p, m, '', n), 'root'],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'ship-files-'));
      const target = join(dir, 'target');
      writeFileSync(target, 'old\n');
      const content = 'the whole new content\n';
      // installFile's chown needs root; an empty owner makes it the one step that may fail, after the check.
      const command = write(target, '600', 'nobody', Buffer.byteLength(content));
      const line = renderCommand({ ...command, sudoUser: undefined, sudo: false });
      for (const cut of [0, 1, content.length - 1]) {
        const run = spawnSync('sh', ['-c', line], { input: content.slice(0, cut), encoding: 'utf8' });
        expect(run.status, `${label} cut at ${cut}`).toBe(75);
        expect(run.stderr, `${label} cut at ${cut}`).toContain('ended early');
        expect(readdirSync(dir), `${label} cut at ${cut}`).toEqual(['target']);
        expect(readFileSync(target, 'utf8'), `${label} cut at ${cut}`).toBe('old\n');
      }
      if (label === 'own') {
        expect(spawnSync('sh', ['-c', line], { input: content }).status).toBe(0);
        expect(readFileSync(target, 'utf8')).toBe(content);
      }
    }
  });

  it('writes a file in a directory the service user owns as that user: no root chown to redirect', () => {
    const command = files.installOwnFile('/srv/hello/shared/.env', '600', 'app', 12);
    expect(displayCommand(command)).toBe('sudo -n -u app -- install-file.sh /srv/hello/shared/.env 600 12');
    // No $4, so the script's chown never runs.
    expect(command.argv.slice(3)).toEqual(['install-file.sh', '/srv/hello/shared/.env', '600', '12']);
  });

  it("reads such a file's state as that user too, and a root-owned one as root", () => {
    expect(renderCommand(files.fileState('/srv/hello/shared/.env', 'app'))).toMatch(
      /^sudo -n -u app -- sh -c '.*' read-file-state\.sh \/srv\/hello\/shared\/\.env$/s,
    );
    expect(renderCommand(files.fileState('/etc/systemd/system/hello.service'))).toMatch(/^sudo -n -- sh -c /);
  });

  it("asks who owns a unit name without sudo: /etc/systemd/system, then every other directory of systemd's search path", () => {
    const command = units.fileOwner('nginx.service');
    expect(command.sudo).toBeUndefined();
    expect(command.argv.slice(-2)).toEqual(['read-unit-owner.sh', 'nginx.service']);
    expect(command.argv[2]).toContain('systemd-analyze unit-paths');
    expect(command.argv[2]).toContain('written by ship setup');
  });

  it('reads the journal with sudo, without the hostname column, following on request', () => {
    expect(renderCommand(journal.logs('hello', { lines: 20, follow: false }))).toBe(
      'sudo -n -- journalctl -u hello -n 20 --no-pager --no-hostname -o short-iso',
    );
    expect(renderCommand(journal.logs('hello', { lines: 5, follow: true }))).toBe(
      'sudo -n -- journalctl -u hello -n 5 --no-pager --no-hostname -o short-iso -f',
    );
  });

  it('enables and reloads through sudo, asks without it', () => {
    expect(renderCommand(systemctl.enable(['hello.service', 'hello.socket']))).toBe(
      'sudo -n -- systemctl enable -- hello.service hello.socket',
    );
    expect(renderCommand(systemctl.daemonReload())).toBe('sudo -n -- systemctl daemon-reload');
    expect(renderCommand(systemctl.isEnabled(['hello.socket']))).toBe('systemctl is-enabled -- hello.socket');
    expect(renderCommand(systemctl.disable('hello.socket'))).toBe('sudo -n -- systemctl disable -- hello.socket');
    expect(renderCommand(systemctl.stop('hello.socket'))).toBe('sudo -n -- systemctl stop -- hello.socket');
  });
});
