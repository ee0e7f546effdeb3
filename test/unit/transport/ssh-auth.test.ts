/**
 * What ship offers a server, in ssh's order, with real keys made by ssh-keygen and a real
 * ssh-agent on a socket of the test's own: agent keys matching an IdentityFile first, then the
 * agent's others (none under IdentitiesOnly), then files not already offered; an encrypted key
 * is asked for (three tries) or skipped and named; a server that stops offering publickey gets
 * nothing more. The handler is driven as ssh2 drives it; no server is involved.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthOptions, createAuthenticator } from '../../../src/transport/ssh-auth.js';
import type { ResolvedHost } from '../../../src/transport/types.js';

const run = promisify(execFile);
let dir: string;
let agentPid: string | undefined;
let agentSocket: string;

async function keygen(name: string, passphrase = ''): Promise<string> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', path]);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ship-ssh-auth-'));
  await keygen('plain');
  await keygen('locked', 'open sesame');
  await keygen('in-agent');
  await keygen('agent-only');
  await writeFile(join(dir, 'junk'), 'not a key\n');
  agentSocket = join(dir, 'agent.sock');
  const { stdout } = await run('ssh-agent', ['-a', agentSocket]);
  agentPid = /SSH_AGENT_PID=(\d+)/.exec(stdout)?.[1];
  await run('ssh-add', ['-q', join(dir, 'in-agent'), join(dir, 'agent-only')], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
});

afterAll(async () => {
  if (agentPid) process.kill(Number(agentPid));
  await rm(dir, { recursive: true, force: true });
});

const host = (extra: Partial<ResolvedHost>): ResolvedHost =>
  ({
    name: 'web1',
    hostname: 'web1',
    port: 22,
    user: 'deploy',
    identityFiles: [],
    identitiesOnly: false,
    identityAgent: 'none',
    ...extra,
  }) as ResolvedHost;

/** Every method the handler offers, as ssh2 would ask for them (`false`: nothing left). */
async function offers(h: ResolvedHost, options: AuthOptions = {}, methodsLeft: string[] | null = null) {
  const auth = createAuthenticator(h, options);
  const offered: Array<{ type: string; username?: string } | false> = [];
  for (;;) {
    const method = await new Promise<{ type: string; username?: string } | false>((resolve) =>
      auth.handler(methodsLeft as never, null as never, resolve as never),
    );
    offered.push(method === false ? false : { type: method.type, username: method.username });
    if (method === false || offered.length > 10) break;
  }
  return { auth, offered };
}

describe('createAuthenticator', () => {
  it('offers each existing IdentityFile as the configured user; a missing one is skipped, an unusable one named', async () => {
    const files = [join(dir, 'missing'), join(dir, 'plain'), join(dir, 'junk')];
    const { auth, offered } = await offers(host({ identityFiles: files }));
    expect(offered).toEqual([{ type: 'publickey', username: 'deploy' }, false]);
    expect(auth.tried[0]).toBe(`key ${join(dir, 'plain')}`);
    expect(auth.tried[1]).toMatch(new RegExp(`^key ${join(dir, 'junk')} \\(unusable: `));
    expect(auth.agentKeys).toBeUndefined();
  });

  it('skips an encrypted key when nobody can be asked, and says so', async () => {
    const { auth, offered } = await offers(host({ identityFiles: [join(dir, 'locked')] }));
    expect(offered).toEqual([false]);
    expect(auth.encrypted).toEqual([join(dir, 'locked')]);
  });

  it('asks for the passphrase (up to three times), pausing the connect timer meanwhile', async () => {
    const answers = ['wrong', 'open sesame'];
    const prompts: boolean[] = [];
    const options = { askPassphrase: async () => answers.shift() ?? '', onPrompt: (w: boolean) => void prompts.push(w) };
    const { offered } = await offers(host({ identityFiles: [join(dir, 'locked')] }), options);
    expect(offered).toEqual([{ type: 'publickey', username: 'deploy' }, false]);
    expect(prompts).toEqual([true, false, true, false]);

    const stubborn = await offers(host({ identityFiles: [join(dir, 'locked')] }), { askPassphrase: async () => 'no' });
    expect(stubborn.offered).toEqual([false]);
    expect(stubborn.auth.tried).toEqual([`key ${join(dir, 'locked')} (wrong passphrase)`]);
  });

  it("agent keys come first, the IdentityFile's own first; a file the agent offered is not offered again", async () => {
    const h = host({ identityFiles: [join(dir, 'plain'), join(dir, 'in-agent')], identityAgent: agentSocket });
    const { auth, offered } = await offers(h);
    expect(auth.agentKeys).toBe(2);
    expect(offered).toEqual([
      { type: 'agent', username: 'deploy' },
      { type: 'agent', username: 'deploy' },
      { type: 'publickey', username: 'deploy' },
      false,
    ]);
    expect(auth.tried[0]).toMatch(/^ssh-agent key .* \(in-agent\)$/);
    expect(auth.tried[1]).toMatch(/^ssh-agent key .* \(agent-only\)$/);
    expect(auth.tried[2]).toBe(`key ${join(dir, 'plain')}`);
  });

  it('IdentitiesOnly: only the agent keys that match an IdentityFile', async () => {
    const h = host({ identityFiles: [join(dir, 'in-agent')], identityAgent: agentSocket, identitiesOnly: true });
    const { auth, offered } = await offers(h);
    expect(offered).toEqual([{ type: 'agent', username: 'deploy' }, false]);
    expect(auth.tried).toHaveLength(1);
    expect(auth.tried[0]).toMatch(/\(in-agent\)$/);
  });

  it('an agent socket that does not answer is named, and the files are still offered', async () => {
    const h = host({ identityFiles: [join(dir, 'plain')], identityAgent: join(dir, 'no-such.sock') });
    const { auth, offered } = await offers(h);
    expect(auth.agentProblem).toMatch(new RegExp(`^ssh-agent at ${join(dir, 'no-such.sock')}: `));
    expect(offered).toEqual([{ type: 'publickey', username: 'deploy' }, false]);
  });

  it('a server that no longer offers publickey is offered nothing, and its methods are kept for the error', async () => {
    const { auth, offered } = await offers(host({ identityFiles: [join(dir, 'plain')] }), {}, ['password']);
    expect(offered).toEqual([false]);
    expect(auth.serverMethods).toEqual(['password']);
  });
});
