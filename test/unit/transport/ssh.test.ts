import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectionError, RemoteCommandError } from '../../../src/errors.js';
import { connect } from '../../../src/transport/ssh.js';
import { TailText } from '../../../src/transport/ssh-exec.js';
import type { Connection } from '../../../src/transport/types.js';
import { startFakeSshd, type FakeSshd } from './fake-sshd.js';

// End to end through the real client code against an in-process ssh2 server (fake-sshd.ts).
let dir: string;
let sshd: FakeSshd;
let config: string;
let hostFingerprint: string;

function keygen(name: string, passphrase = ''): string {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', file]);
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ship-ssh-'));
  const hostKey = keygen('host_key');
  const clientKey = keygen('id_client');
  const otherKey = keygen('id_other');
  const encrypted = join(dir, 'id_encrypted');
  // The encrypted key is the authorised one, re-encrypted: same public key, needs a passphrase.
  writeFileSync(encrypted, readFileSync(clientKey));
  execFileSync('chmod', ['600', encrypted]);
  execFileSync('ssh-keygen', ['-q', '-p', '-N', 'sesame', '-f', encrypted]);
  hostFingerprint =
    execFileSync('ssh-keygen', ['-l', '-f', `${hostKey}.pub`])
      .toString()
      .split(' ')[1] ?? '';
  sshd = await startFakeSshd({ hostKeyFile: hostKey, authorizedKeyFile: `${clientKey}.pub`, maxSessions: 10 });

  const common = (kh: string, strict: string, key: string) =>
    `  HostName 127.0.0.1\n  Port ${sshd.port}\n  User tester\n  IdentityFile ${key}\n  IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile ${join(dir, kh)}\n  StrictHostKeyChecking ${strict}\n`;
  config = join(dir, 'ssh_config');
  writeFileSync(
    config,
    [
      `Host fake\n${common('known_hosts', 'accept-new', clientKey)}`,
      `Host strict\n${common('kh_strict', 'yes', clientKey)}`,
      `Host wrongkey\n${common('known_hosts', 'accept-new', otherKey)}`,
      `Host nokey\n${common('known_hosts', 'accept-new', join(dir, 'missing_key'))}`,
      `Host encrypted\n${common('known_hosts', 'accept-new', encrypted)}`,
      `Host jumped\n${common('known_hosts', 'yes', clientKey)}  ProxyJump fake,fake\n`,
      `Host refused\n  HostName 127.0.0.1\n  Port 1\n  UserKnownHostsFile ${join(dir, 'known_hosts')}\n  IdentityAgent none\n`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await sshd?.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = (spec: string, extra: Parameters<typeof connect>[1] = {}): Promise<Connection> =>
  connect(spec, { sshConfigFile: config, connectTimeoutMs: 5000, ...extra });

describe('host keys', () => {
  it('refuses an unknown host under StrictHostKeyChecking yes, with the fingerprint and how to add it', async () => {
    const error = await open('strict').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).message).toContain(`strict (127.0.0.1:${sshd.port}): host key is not known`);
    expect((error as ConnectionError).message).toContain(hostFingerprint);
    expect((error as ConnectionError).hint).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${join(dir, 'kh_strict')}`);
    expect(sshd.commands).toEqual([]);
  });

  it('records a new key under accept-new, then trusts it', async () => {
    const notices: string[] = [];
    const conn = await open('fake', { onNotice: (m) => notices.push(m) });
    await conn.close();
    expect(notices).toEqual([expect.stringContaining(`added ED25519 host key ${hostFingerprint} for [127.0.0.1]:${sshd.port}`)]);
    expect(readFileSync(join(dir, 'known_hosts'), 'utf8')).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `));
    const again: string[] = [];
    await (await open('fake', { onNotice: (m) => again.push(m) })).close();
    expect(again).toEqual([]);
  });

  it('refuses a changed key', async () => {
    const other = readFileSync(`${keygen('impostor')}.pub`, 'utf8').split(' ');
    writeFileSync(join(dir, 'kh_strict'), `[127.0.0.1]:${sshd.port} ${other[0]} ${other[1]}\n`);
    const error = (await open('strict').catch((e: unknown) => e)) as ConnectionError;
    expect(error.message).toContain('HOST KEY HAS CHANGED');
    expect(error.message).toContain(`${join(dir, 'kh_strict')} line 1`);
    expect(error.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}'`);
  });
});

describe('authentication', () => {
  it('lists what was tried when the server refuses every key', async () => {
    const error = (await open('wrongkey').catch((e: unknown) => e)) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(`wrongkey (127.0.0.1:${sshd.port}): permission denied for user tester; tried key ${join(dir, 'id_other')}`);
  });

  it('says when there is no key at all to offer', async () => {
    const error = (await open('nokey').catch((e: unknown) => e)) as ConnectionError;
    expect(error.message).toContain('no SSH key to offer as tester');
    expect(error.hint).toContain('ssh-keygen -t ed25519');
  });

  it('explains an encrypted key without a way to ask, and asks when it can', async () => {
    const error = (await open('encrypted').catch((e: unknown) => e)) as ConnectionError;
    const key = join(dir, 'id_encrypted');
    expect(error.message).toBe(
      `encrypted (127.0.0.1:${sshd.port}): key ${key} is encrypted; add it to ssh-agent (ssh-add ${key}) or run on a terminal to be asked for the passphrase`,
    );
    const asked: string[] = [];
    const conn = await open('encrypted', {
      askPassphrase: async (file) => {
        asked.push(file);
        return asked.length === 1 ? 'wrong' : 'sesame';
      },
    });
    expect((await conn.run({ argv: ['echo', 'in'] })).stdout).toBe('in\n');
    await conn.close();
    expect(asked).toEqual([key, key]);
  });
});

describe('connect failures', () => {
  it('names host and address when the connection is refused', async () => {
    const error = (await open('refused').catch((e: unknown) => e)) as ConnectionError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('refused (127.0.0.1:1): connection refused');
  });

  it('times out a server that never speaks SSH', async () => {
    const { createServer: tcp } = await import('node:net');
    const mute = tcp(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => mute.once('listening', r));
    const port = (mute.address() as AddressInfo).port;
    const error = (await connect(`tester@127.0.0.1:${port}`, { sshConfigFile: config, connectTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    )) as ConnectionError;
    mute.close();
    expect(error.message).toBe(`tester@127.0.0.1:${port} (127.0.0.1:${port}): no SSH handshake within 0.3s`);
  });
});

describe('run', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await open('fake');
  });
  afterAll(() => conn.close());

  it('runs the rendered command, streams and collects output, decides by exit code', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const result = await conn.run(
      { argv: ['sh', '-c', 'echo "$1"; echo oops >&2', 'sh', "it's $(not run)"], cwd: '/tmp' },
      { onStdout: (t) => out.push(t), onStderr: (t) => err.push(t) },
    );
    expect(result).toEqual({ code: 0, stdout: "it's $(not run)\n", stderr: 'oops\n' });
    expect(out.join('')).toBe(result.stdout);
    expect(err.join('')).toBe(result.stderr);
    expect(sshd.commands.at(-1)).toBe(`cd /tmp && sh -c 'echo "$1"; echo oops >&2' sh 'it'\\''s $(not run)'`);
  });

  it('reuses one connection for many sequential commands, each with its exit status', async () => {
    for (let i = 0; i < 30; i++) expect((await conn.run({ argv: ['sh', '-c', `exit ${i % 3}`] }, { allowFailure: true })).code).toBe(i % 3);
  });

  it('throws RemoteCommandError with secrets redacted, unless allowFailure', async () => {
    const command = { argv: ['sh', '-c', 'echo "bad token" >&2; exit 3', 'hunter2'], secrets: ['hunter2'] };
    const error = (await conn.run(command).catch((e: unknown) => e)) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.code).toBe(3);
    expect(error.command).toBe(`sh -c 'echo "bad token" >&2; exit 3' ***`);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('bad token');
    expect(await conn.run(command, { allowFailure: true })).toMatchObject({ code: 3, stderr: 'bad token\n' });
  });

  it('reports a command killed by a signal', async () => {
    const result = await conn.run({ argv: ['sh', '-c', 'kill -TERM $$'] }, { allowFailure: true });
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const text = 'ü日本語✓🚀'.repeat(20_000);
    const chunks: string[] = [];
    const result = await conn.run({ argv: ['cat'] }, { stdin: text, onStdout: (t) => chunks.push(t) });
    expect(result.stdout).toBe(text);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).not.toContain('\uFFFD');
  });

  it('sends EOF when there is no stdin, and writes strings and buffers', async () => {
    expect((await conn.run({ argv: ['cat'] })).stdout).toBe('');
    expect((await conn.run({ argv: ['wc', '-c'] }, { stdin: Buffer.alloc(300_000, 1) })).stdout.trim()).toBe('300000');
  });

  it('streams a Readable into stdin intact', async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const target = join(dir, 'upload.bin');
    // Small pieces, to make sure backpressure and ordering hold over many writes.
    await conn.run({ argv: ['sh', '-c', 'cat > "$1"', 'sh', target] }, { stdin: Readable.from(chunk(data, 10_000)) });
    expect(createHash('sha256').update(readFileSync(target)).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('fails with the local error when the stdin stream breaks', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await expect(conn.run({ argv: ['sh', '-c', 'cat > /dev/null'] }, { stdin: broken })).rejects.toThrow('disk on fire');
  });

  it('resolves by exit code when the command exits without reading its stdin', async () => {
    const result = await conn.run({ argv: ['true'] }, { stdin: Readable.from(chunk(randomBytes(4 * 1024 * 1024), 64 * 1024)) });
    expect(result.code).toBe(0);
  });

  it('aborts: closes the channel and rejects with the abort reason', async () => {
    // (ssh2's server ignores `signal` requests after exec, so that the remote command gets
    // SIGTERM is checked against real sshd, not here.)
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    // Without the abort, sleep 30 would outlast the test's time limit.
    await expect(conn.run({ argv: ['sleep', '30'] }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await vi.waitFor(() => expect(sshd.sessions()).toBe(0));
    await expect(conn.run({ argv: ['true'] }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it("queues commands beyond the server's session limit instead of failing them", async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => conn.run({ argv: ['sh', '-c', `sleep 0.05; echo ${i}`] })));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it('opens TCP streams from the host side with forwardOut', async () => {
    const http: Server = createServer((req, res) => res.end(`ok ${req.url}`));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    const stream = await conn.forwardOut('127.0.0.1', port);
    const response = await new Promise<string>((resolve) => {
      let body = '';
      stream.on('data', (d: Buffer) => (body += d.toString()));
      stream.on('close', () => resolve(body));
      stream.write('GET /health HTTP/1.0\r\nHost: x\r\n\r\n');
    });
    http.close();
    expect(response.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect(response.endsWith('ok /health')).toBe(true);
  });
});

describe('the deadline of a command', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await open('fake', { commandTimeout: 1 });
  });
  afterAll(() => conn.close());

  it('stops a command that outruns ssh.commandTimeout and fails naming host, command and the setting', async () => {
    const error = (await conn.run({ argv: ['sleep', '30'], label: 'wait for nothing' }).catch((e: unknown) => e)) as Error & {
      hint?: string;
    };
    expect(error).toMatchObject({
      name: 'CommandTimeoutError',
      message: 'fake: wait for nothing did not finish within 1 s; ship stopped it',
    });
    expect(error.hint).toContain('raise ssh.commandTimeout in hosts.ts (now 1 s)');
    // The channel was closed: the fake sshd hangs its command up (real sshd also gets TERM: e2e).
    await vi.waitFor(() => expect(sshd.sessions()).toBe(0));
    expect((await conn.run({ argv: ['echo', 'still here'] })).stdout).toBe('still here\n');
  });

  it('takes a deadline per run: `timeout` seconds, named in the hint; 0 for none', async () => {
    const plain = await open('fake');
    try {
      const error = (await plain.run({ argv: ['sleep', '30'] }, { timeout: 1 }).catch((e: unknown) => e)) as Error & { hint?: string };
      expect(error).toMatchObject({ name: 'CommandTimeoutError', message: 'fake: sleep 30 did not finish within 1 s; ship stopped it' });
      expect(error.hint).toContain('raise the timeout this command is run with (now 1 s)');
    } finally {
      await plain.close();
    }
    expect((await conn.run({ argv: ['sh', '-c', 'sleep 1.5; echo done'] }, { timeout: 0 })).stdout).toBe('done\n');
  });

  it('with a stream as input, counts from the end of the input', async () => {
    // The input takes longer than the deadline to produce; the command is quick once it has it.
    const slow = Readable.from(
      (async function* () {
        for (let i = 0; i < 6; i++) {
          await new Promise((r) => setTimeout(r, 250));
          yield Buffer.alloc(1000, i);
        }
      })(),
    );
    expect((await conn.run({ argv: ['wc', '-c'] }, { stdin: slow })).stdout.trim()).toBe('6000');
  });
});

describe('ProxyJump and close', () => {
  it('connects through two jump hosts, checking the final host under its own name', async () => {
    // `jumped` uses StrictHostKeyChecking yes; the key was recorded for [127.0.0.1]:port above.
    const conn = await open('jumped');
    expect(conn.host.proxyJump.map((h) => h.name)).toEqual(['fake', 'fake']);
    expect((await conn.run({ argv: ['echo', 'far'] })).stdout).toBe('far\n');
    await conn.close();
    await expect(conn.run({ argv: ['true'] })).rejects.toThrow(/connection already closed/);
  });
});

describe('TailText', () => {
  it('keeps everything under the cap', () => {
    const tail = new TailText(10);
    tail.push('abc');
    tail.push('def');
    expect(tail.toString()).toBe('abcdef');
  });

  it('keeps the last cap characters and says how much was dropped', () => {
    const tail = new TailText(10);
    for (let i = 0; i < 100; i++) tail.push(`${i % 10}`.repeat(3));
    expect(tail.toString()).toBe('[... 290 earlier characters not kept ...]\n6777888999');
  });
});

function* chunk(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
