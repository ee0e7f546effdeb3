import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  hashedHostName,
  hostFieldMatches,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
} from '../../../src/transport/known-hosts.js';
import { verifyHostKey } from '../../../src/transport/host-key-policy.js';
import { checkRevoked, RevokedKeysFileError } from '../../../src/transport/revoked-keys.js';
import type { ResolvedHost } from '../../../src/transport/types.js';

// Real keys from ssh-keygen, so blobs, types and fingerprints are OpenSSH's own.
let dir: string;
interface Key {
  type: string;
  base64: string;
  blob: Buffer;
  pubFile: string;
}
let ed1: Key;
let ed2: Key;
let rsa: Key;

function keygen(name: string, type: string): Key {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file]);
  const [keyType = '', base64 = ''] = readFileSync(`${file}.pub`, 'utf8').split(' ');
  return { type: keyType, base64, blob: Buffer.from(base64, 'base64'), pubFile: `${file}.pub` };
}

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ship-kh-'));
  ed1 = keygen('ed1', 'ed25519');
  ed2 = keygen('ed2', 'ed25519');
  rsa = keygen('rsa', 'rsa');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('knownHostsName', () => {
  it('is the bare host on port 22 and [host]:port elsewhere, lowercased', () => {
    expect(knownHostsName('Web1.Example.com', 22)).toBe('web1.example.com');
    expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
    expect(knownHostsName('::1', 2222)).toBe('[::1]:2222');
    expect(knownHostsName('10.0.0.5', 2222, 'Alias')).toBe('alias');
  });
});

describe('keys', () => {
  it('reads the key type from the blob', () => {
    expect(keyTypeOf(ed1.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from('junk'))).toBeUndefined();
  });

  it('prints fingerprints exactly like ssh-keygen -l', () => {
    for (const key of [ed1, rsa]) {
      const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', key.pubFile]).toString().split(' ')[1];
      expect(fingerprint(key.blob)).toBe(expected);
    }
  });
});

describe('hostFieldMatches', () => {
  it('matches comma lists, wildcards and negations like OpenSSH', () => {
    expect(hostFieldMatches('web1,10.0.0.5', 'web1')).toBe(true);
    expect(hostFieldMatches('web1,10.0.0.5', '10.0.0.5')).toBe(true);
    expect(hostFieldMatches('web1,10.0.0.5', 'web2')).toBe(false);
    expect(hostFieldMatches('*.example.com', 'web1.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostFieldMatches('web?', 'web7')).toBe(true);
    expect(hostFieldMatches('web?', 'web10')).toBe(false);
    expect(hostFieldMatches('*.example.com,!db.example.com', 'db.example.com')).toBe(false);
    expect(hostFieldMatches('!db.example.com,*.example.com', 'db.example.com')).toBe(false);
    expect(hostFieldMatches('WEB1', 'web1')).toBe(true);
    // regex metacharacters in patterns are literal
    expect(hostFieldMatches('web1.example.com', 'web1xexample.com')).toBe(false);
  });

  it('distinguishes ports: [host]:port only matches that port', () => {
    expect(hostFieldMatches('[10.0.0.5]:2222', '[10.0.0.5]:2222')).toBe(true);
    expect(hostFieldMatches('[10.0.0.5]:2222', '10.0.0.5')).toBe(false);
    expect(hostFieldMatches('10.0.0.5', '[10.0.0.5]:2222')).toBe(false);
    expect(hostFieldMatches('[*.example.com]:2222', '[web1.example.com]:2222')).toBe(true);
  });

  it('matches hashed names written by ssh-keygen -H', () => {
    const file = write('hashed', `web1.example.com ${ed1.type} ${ed1.base64}\n[10.0.0.5]:2222 ${ed2.type} ${ed2.base64}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: ['ignore', 'pipe', 'ignore'] });
    const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(hostFieldMatches(entries[0]!.hosts, 'web1.example.com')).toBe(true);
    expect(hostFieldMatches(entries[0]!.hosts, 'web2.example.com')).toBe(false);
    expect(hostFieldMatches(entries[1]!.hosts, '[10.0.0.5]:2222')).toBe(true);
    expect(hostFieldMatches(entries[1]!.hosts, '10.0.0.5')).toBe(false);
  });
});

describe('parseKnownHosts', () => {
  it('skips comments, blank, malformed and @cert-authority lines and keeps line numbers', () => {
    const text = [
      '# a comment',
      '',
      `web1 ${ed1.type} ${ed1.base64} comment here`,
      `@cert-authority *.example.com ${ed2.type} ${ed2.base64}`,
      'garbage',
      `web2 ssh-ed25519 not*base64`,
      `   @revoked * ${rsa.type} ${rsa.base64}`,
      `\tweb3,web4   ${rsa.type}   ${rsa.base64}`,
    ].join('\n');
    const entries = parseKnownHosts(text, 'kh');
    expect(entries.map((e) => [e.line, e.hosts, e.keyType, e.marker])).toEqual([
      [3, 'web1', 'ssh-ed25519', undefined],
      [7, '*', 'ssh-rsa', 'revoked'],
      [8, 'web3,web4', 'ssh-rsa', undefined],
    ]);
    expect(entries[0]!.key.equals(ed1.blob)).toBe(true);
    expect(entries[0]!.file).toBe('kh');
  });
});

describe('checkHostKey', () => {
  it('reports match, unknown and changed with the file and line of the conflict', async () => {
    const a = write('a', `# first\nother ${ed2.type} ${ed2.base64}\n[web1]:2222 ${ed1.type} ${ed1.base64}\n`);
    const b = write('b', `web1 ${ed2.type} ${ed2.base64}\n`);
    const missing = join(dir, 'does-not-exist');

    expect(await checkHostKey([missing, a, b], '[web1]:2222', ed1.blob)).toMatchObject({ status: 'match', entry: { file: a, line: 3 } });
    expect(await checkHostKey([a, b], 'web1', ed1.blob)).toMatchObject({
      status: 'changed',
      entry: { file: b, line: 1, keyType: 'ssh-ed25519' },
    });
    expect(await checkHostKey([a, b], 'web9', ed1.blob)).toEqual({ status: 'unknown', knownTypes: [] });
    // An RSA key for a host that only has an ED25519 key on file is new, not changed (as in ssh).
    expect(await checkHostKey([a, b], 'web1', rsa.blob)).toEqual({ status: 'unknown', knownTypes: ['ssh-ed25519'] });
  });

  it('refuses @revoked keys even when the key is also listed as known', async () => {
    const f = write('revoked', `@revoked * ${ed1.type} ${ed1.base64}\nweb1 ${ed1.type} ${ed1.base64}\n`);
    expect(await checkHostKey([f], 'web1', ed1.blob)).toMatchObject({ status: 'revoked', entry: { line: 1 } });
  });

  it('ignores a line whose negated pattern matches', async () => {
    const f = write('neg', `*,!web1 ${ed2.type} ${ed2.base64}\n`);
    expect((await checkHostKey([f], 'web1', ed1.blob)).status).toBe('unknown');
    expect((await checkHostKey([f], 'web2', ed1.blob)).status).toBe('changed');
  });
});

describe('appendKnownHost', () => {
  it('creates the directory 0700 and file 0600 and writes a line OpenSSH reads', async () => {
    const file = join(dir, 'new', 'sub', 'known_hosts');
    await appendKnownHost(file, '[web1.example.com]:2222', ed1.blob);
    await appendKnownHost(file, 'web2', rsa.blob);
    expect(statSync(join(dir, 'new')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'new', 'sub')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`[web1.example.com]:2222 ${ed1.type} ${ed1.base64}\nweb2 ${rsa.type} ${rsa.base64}\n`);
    // ssh-keygen -F finds it under the name ssh looks up.
    expect(execFileSync('ssh-keygen', ['-F', '[web1.example.com]:2222', '-f', file]).toString()).toContain(ed1.base64);
    expect((await checkHostKey([file], 'web2', rsa.blob)).status).toBe('match');
  });

  it('does not glue the entry onto a last line without a newline, and keeps the mode of an existing file', async () => {
    const file = write('no-newline', `web1 ${ed2.type} ${ed2.base64}`);
    const mode = statSync(file).mode & 0o777;
    await appendKnownHost(file, 'web3', ed1.blob);
    expect(readFileSync(file, 'utf8')).toBe(`web1 ${ed2.type} ${ed2.base64}\nweb3 ${ed1.type} ${ed1.base64}\n`);
    expect(statSync(file).mode & 0o777).toBe(mode);
  });

  it('under HashKnownHosts writes |1|salt|hash (HMAC-SHA1) that OpenSSH finds, and no plain name', async () => {
    const file = join(dir, 'hashed_append');
    await appendKnownHost(file, '[web1.example.com]:2222', ed1.blob, { hash: true });
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(new RegExp(`^\\|1\\|[A-Za-z0-9+/]{27}=\\|[A-Za-z0-9+/]{27}= ${ed1.type} ${ed1.base64.replaceAll('+', '\\+')}\n$`));
    expect(text).not.toContain('web1');
    expect(execFileSync('ssh-keygen', ['-F', '[web1.example.com]:2222', '-f', file]).toString()).toContain(ed1.base64);
    expect((await checkHostKey([file], '[web1.example.com]:2222', ed1.blob)).status).toBe('match');
    expect((await checkHostKey([file], 'web1.example.com', ed1.blob)).status).toBe('unknown');
  });

  it('hashes a name as ssh-keygen -H does: same salt, same line', () => {
    const file = write('to_hash', `web7 ${ed2.type} ${ed2.base64}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: ['ignore', 'pipe', 'ignore'] });
    const hosts = readFileSync(file, 'utf8').split(' ')[0]!;
    const salt = Buffer.from(hosts.split('|')[2]!, 'base64');
    expect(hashedHostName('web7', salt)).toBe(hosts);
    expect(hashedHostName('web7')).not.toBe(hashedHostName('web7'));
  });

  it('serialises concurrent appends to one file', async () => {
    const file = join(dir, 'concurrent');
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendKnownHost(file, `host${i}`, ed1.blob)));
    const entries = parseKnownHosts(readFileSync(file, 'utf8'), file);
    expect(entries.map((e) => e.hosts).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `host${i}`).sort());
  });
});

describe('verifyHostKey (StrictHostKeyChecking)', () => {
  const host = (over: Partial<ResolvedHost>): ResolvedHost => ({
    name: 'web2',
    hostname: '10.0.0.5',
    port: 2222,
    user: 'deploy',
    identityFiles: [],
    proxyJump: [],
    knownHostsFiles: [join(dir, 'policy_kh')],
    strictHostKeyChecking: 'yes',
    identitiesOnly: false,
    connectTimeoutMs: 10_000,
    ...over,
  });
  const label = 'web2 (10.0.0.5:2222)';

  it('refuses an unknown key under yes and ask, and says how to add it', async () => {
    rmSync(join(dir, 'policy_kh'), { force: true });
    for (const strict of ['yes', 'ask'] as const) {
      const verdict = await verifyHostKey(host({ strictHostKeyChecking: strict }), ed1.blob, { label, viaJump: false });
      expect(verdict.ok).toBe(false);
      if (verdict.ok) return;
      expect(verdict.error.name).toBe('ConnectionError');
      expect(verdict.error.exitCode).toBe(3);
      expect(verdict.error.message).toContain(label);
      expect(verdict.error.message).toContain(fingerprint(ed1.blob));
      expect(verdict.error.hint).toContain(`ssh-keyscan -p 2222 10.0.0.5 >> ${join(dir, 'policy_kh')}`);
      expect(verdict.error.hint).toContain('StrictHostKeyChecking accept-new');
    }
  });

  it('appends under accept-new and no, and tells onNotice', async () => {
    for (const strict of ['accept-new', 'no'] as const) {
      const file = join(dir, `policy_${strict}`);
      const notices: string[] = [];
      const verdict = await verifyHostKey(host({ strictHostKeyChecking: strict, knownHostsFiles: [file] }), ed1.blob, {
        label,
        viaJump: false,
        onNotice: (m) => notices.push(m),
      });
      expect(verdict.ok).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(`[10.0.0.5]:2222 ${ed1.type} ${ed1.base64}\n`);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain(fingerprint(ed1.blob));
      // now known
      expect(await verifyHostKey(host({ knownHostsFiles: [file] }), ed1.blob, { label, viaJump: false })).toEqual({ ok: true });
    }
  });

  it('refuses a changed key under every setting, naming file, line, fingerprint and the fix', async () => {
    const file = write('policy_changed', `# header\n[10.0.0.5]:2222 ${ed2.type} ${ed2.base64}\n`);
    for (const strict of ['yes', 'ask', 'accept-new', 'no'] as const) {
      const verdict = await verifyHostKey(host({ strictHostKeyChecking: strict, knownHostsFiles: [file] }), ed1.blob, {
        label,
        viaJump: false,
      });
      expect(verdict.ok).toBe(false);
      if (verdict.ok) return;
      expect(verdict.error.message).toContain('HOST KEY HAS CHANGED');
      expect(verdict.error.message).toContain(`${file} line 2`);
      expect(verdict.error.message).toContain(fingerprint(ed1.blob));
      expect(verdict.error.hint).toContain(`ssh-keygen -R '[10.0.0.5]:2222' -f ${file}`);
    }
    expect(readFileSync(file, 'utf8')).toBe(`# header\n[10.0.0.5]:2222 ${ed2.type} ${ed2.base64}\n`);
  });

  it('looks a host up under HostKeyAlias when set, and reads global files without writing them', async () => {
    const global = write('policy_global', `myalias ${ed1.type} ${ed1.base64}\n`);
    const verdict = await verifyHostKey(
      host({ hostKeyAlias: 'myalias', knownHostsFiles: [join(dir, 'empty')], globalKnownHostsFiles: [global] }),
      ed1.blob,
      { label, viaJump: false },
    );
    expect(verdict).toEqual({ ok: true });
  });
});

describe('checkRevoked (RevokedHostKeys)', () => {
  const krl = (name: string, ...args: string[]) => {
    const file = join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-k', '-f', file, ...args]);
    return file;
  };

  it('reads a list of public keys, one per line, with comments, blanks and CRLF', async () => {
    const file = write('revoked_list', `# retired keys\n\n  ${ed2.type} ${ed2.base64} old host\r\n${readFileSync(rsa.pubFile, 'utf8')}`);
    expect(await checkRevoked(file, ed2.blob)).toEqual({ revoked: true, where: 'line 3' });
    expect(await checkRevoked(file, rsa.blob)).toEqual({ revoked: true, where: 'line 4' });
    expect(await checkRevoked(file, ed1.blob)).toEqual({ revoked: false });
  });

  it('reads KRLs from ssh-keygen -k: by key, by SHA1 and by SHA256 hash', async () => {
    expect(await checkRevoked(krl('krl_key', ed1.pubFile), ed1.blob)).toEqual({ revoked: true, where: 'KRL key' });
    expect(await checkRevoked(krl('krl_key2', ed1.pubFile), ed2.blob)).toEqual({ revoked: false });
    const sha1 = write('krl_sha1_spec', `sha1: ${readFileSync(ed2.pubFile, 'utf8')}`);
    expect(await checkRevoked(krl('krl_sha1', sha1), ed2.blob)).toEqual({ revoked: true, where: 'KRL SHA1 hash' });
    const sha256 = write('krl_sha256_spec', `hash: ${fingerprint(rsa.blob)}\n`);
    expect(await checkRevoked(krl('krl_sha256', sha256), rsa.blob)).toEqual({ revoked: true, where: 'KRL SHA256 hash' });
    expect(await checkRevoked(krl('krl_sha256b', sha256), ed1.blob)).toEqual({ revoked: false });
  });

  it("skips a KRL's certificates section: it revokes certificates only, never plain host keys", async () => {
    const ca = keygen('krl_ca', 'ed25519');
    const spec = write('krl_cert_spec', `serial: 1-100\nkey: ${readFileSync(ed1.pubFile, 'utf8')}`);
    const file = krl('krl_cert', '-s', ca.pubFile, spec);
    expect(await checkRevoked(file, ed1.blob)).toEqual({ revoked: true, where: 'KRL key' });
    expect(await checkRevoked(file, ed2.blob)).toEqual({ revoked: false });
  });

  it('fails, never passes, when the file is missing, not keys, truncated or of another KRL version', async () => {
    const bad = async (file: string, message: RegExp) => {
      await expect(checkRevoked(file, ed1.blob)).rejects.toThrow(RevokedKeysFileError);
      await expect(checkRevoked(file, ed1.blob)).rejects.toThrow(message);
    };
    await bad(join(dir, 'no_such_file'), /cannot read it \(ENOENT\)/);
    await bad(write('revoked_garbage', `${ed2.type} ${ed2.base64}\nweb1 ${ed1.type} ${ed1.base64}\n`), /line 2 is not a public key/);
    const whole = readFileSync(krl('krl_whole', ed1.pubFile));
    await bad(write('krl_truncated', whole.subarray(0, whole.length - 5).toString('latin1')), /truncated or corrupt/);
    const v2 = Buffer.from(whole);
    v2.writeUInt32BE(2, 8);
    writeFileSync(join(dir, 'krl_v2'), v2);
    await bad(join(dir, 'krl_v2'), /KRL format version 2/);
  });
});

describe('verifyHostKey: RevokedHostKeys and HashKnownHosts', () => {
  const host = (over: Partial<ResolvedHost>): ResolvedHost => ({
    name: 'web2',
    hostname: '10.0.0.5',
    port: 2222,
    user: 'deploy',
    identityFiles: [],
    proxyJump: [],
    knownHostsFiles: [join(dir, 'rk_known')],
    strictHostKeyChecking: 'yes',
    identitiesOnly: false,
    connectTimeoutMs: 10_000,
    ...over,
  });
  const label = 'web2 (10.0.0.5:2222)';

  it('refuses a key in RevokedHostKeys under every setting, even when known_hosts holds it', async () => {
    const known = write('rk_known', `[10.0.0.5]:2222 ${ed1.type} ${ed1.base64}\n`);
    const revoked = write('rk_list', readFileSync(ed1.pubFile, 'utf8'));
    for (const strict of ['yes', 'ask', 'accept-new', 'no'] as const) {
      const verdict = await verifyHostKey(
        host({ strictHostKeyChecking: strict, knownHostsFiles: [known], revokedHostKeys: revoked }),
        ed1.blob,
        { label, viaJump: false },
      );
      expect(verdict.ok).toBe(false);
      if (verdict.ok) return;
      expect(verdict.error.exitCode).toBe(3);
      expect(verdict.error.message).toBe(
        `${label}: the ED25519 host key ${fingerprint(ed1.blob)} is revoked by RevokedHostKeys ${revoked} (line 1); refusing to connect`,
      );
    }
    // Another key is not revoked by that file.
    const other = write('rk_known2', `[10.0.0.5]:2222 ${ed2.type} ${ed2.base64}\n`);
    expect(await verifyHostKey(host({ knownHostsFiles: [other], revokedHostKeys: revoked }), ed2.blob, { label, viaJump: false })).toEqual({
      ok: true,
    });
  });

  it('refuses every key, and records none, when the RevokedHostKeys file cannot be read (as ssh does)', async () => {
    const file = join(dir, 'rk_accept');
    rmSync(file, { force: true });
    const verdict = await verifyHostKey(
      host({ strictHostKeyChecking: 'accept-new', knownHostsFiles: [file], revokedHostKeys: join(dir, 'rk_missing') }),
      ed1.blob,
      { label, viaJump: false },
    );
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.error.message).toContain(
      `cannot check the ED25519 host key ${fingerprint(ed1.blob)} against RevokedHostKeys ${join(dir, 'rk_missing')}: cannot read it (ENOENT)`,
    );
    expect(verdict.error.hint).toContain('RevokedHostKeys');
    expect(() => statSync(file)).toThrow();
  });

  it('records a new key under a hashed name with accept-new and HashKnownHosts yes', async () => {
    const file = join(dir, 'rk_hashed');
    rmSync(file, { force: true });
    const notices: string[] = [];
    const verdict = await verifyHostKey(
      host({ strictHostKeyChecking: 'accept-new', hashKnownHosts: true, knownHostsFiles: [file] }),
      ed1.blob,
      { label, viaJump: false, onNotice: (m) => notices.push(m) },
    );
    expect(verdict).toEqual({ ok: true });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('|1|')).toBe(true);
    expect(text).not.toContain('10.0.0.5');
    expect(notices[0]).toContain('HashKnownHosts');
    expect(execFileSync('ssh-keygen', ['-F', '[10.0.0.5]:2222', '-f', file]).toString()).toContain(ed1.base64);
    expect(await verifyHostKey(host({ knownHostsFiles: [file] }), ed1.blob, { label, viaJump: false })).toEqual({ ok: true });
  });
});
