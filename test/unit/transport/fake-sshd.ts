import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection as ServerConnection, ParsedKey } from 'ssh2';

/**
 * A small in-process SSH server (ssh2's Server) that runs exec requests with the local
 * `bash -c` (a typical login shell), forwards direct-tcpip, and accepts one public key. It lets
 * the client be tested end to end (host keys, auth, exec, stdin, abort, jump hosts) without a
 * real sshd; the real-host behaviour is covered by the e2e suite against test/hosts.
 */
export interface FakeSshd {
  port: number;
  /** Commands received, in order. */
  commands: string[];
  /** Open exec sessions right now. */
  sessions(): number;
  close(): Promise<void>;
}

export async function startFakeSshd(options: { hostKeyFile: string; authorizedKeyFile: string; maxSessions?: number }): Promise<FakeSshd> {
  const allowed = ssh2.utils.parseKey(readFileSync(options.authorizedKeyFile)) as ParsedKey;
  const commands: string[] = [];
  const clients = new Set<ServerConnection>();
  let open = 0;

  const server = new ssh2.Server({ hostKeys: [readFileSync(options.hostKeyFile)] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      if (
        ctx.method === 'publickey' &&
        ctx.key.algo === allowed.type &&
        ctx.key.data.equals(allowed.getPublicSSH()) &&
        (!ctx.signature || allowed.verify(ctx.blob as Buffer, ctx.signature, ctx.hashAlgo as never))
      ) {
        return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession, rejectSession) => {
        if (open >= (options.maxSessions ?? 10)) return rejectSession();
        open++;
        const session = acceptSession();
        let child: ReturnType<typeof spawn> | undefined;
        session.on('close', () => open--);
        session.on('exec', (accept, _reject, info) => {
          commands.push(info.command);
          const stream = accept();
          child = spawn('bash', ['-c', info.command], { stdio: 'pipe' });
          // Like sshd without a pty: a closed channel leaves the command nothing to talk to.
          stream.on('close', () => child?.kill('SIGHUP'));
          stream.pipe(child.stdin!).on('error', () => {});
          child.stdout!.pipe(stream, { end: false });
          child.stderr!.pipe(stream.stderr, { end: false });
          child.on('close', (code, sig) => {
            if (sig) stream.exit(sig.replace(/^SIG/, ''), false, '');
            else stream.exit(code ?? 0);
            stream.end();
          });
        });
      });
      client.on('tcpip', (accept, reject, info) => {
        const socket = netConnect(info.destPort, info.destIP);
        socket.once('connect', () => {
          const channel = accept();
          channel.pipe(socket).pipe(channel);
          channel.on('error', () => socket.destroy());
          socket.on('error', () => channel.destroy());
        });
        socket.once('error', () => reject());
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    commands,
    sessions: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}
