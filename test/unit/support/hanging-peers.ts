/**
 * Peers that hang, for tests of ship's deadlines: real local TCP servers, and a real SSH
 * connection (ship's client against the in-process fake sshd) whose forwardOut channels reach
 * them, so what is tested is an ssh2 channel, the stream a health check really uses.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../../src/transport/ssh.js';
import type { Connection } from '../../../src/transport/types.js';
import { startFakeSshd, type FakeSshd } from '../transport/fake-sshd.js';

export interface Peer {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Connections still open (not ended by the client). */
  open(): number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1; `onSocket` decides what (not) to answer. */
async function peer(onSocket: (socket: Socket) => void): Promise<Peer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    // Read whatever comes, so the client's end of the stream is seen.
    socket.resume();
    // The client ending its side (or going away) is what "ship let go" looks like from here.
    socket.on('end', () => sockets.delete(socket));
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    open: () => sockets.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Accepts, reads what it is sent, and never answers. */
export const silentPeer = (): Promise<Peer> => peer(() => {});

/**
 * Sends `head` at once, then one byte of `drip` every `everyMs`, forever: a server trickling an
 * answer that never ends (HTTP: a body without end; DNS: a length prefix, then a reply that never comes).
 */
export const tricklingPeer = (head: Buffer | string, drip = 'x', everyMs = 100): Promise<Peer> =>
  peer((socket) => {
    socket.write(head);
    const timer = setInterval(() => socket.write(drip), everyMs);
    socket.on('close', () => clearInterval(timer));
  });

export interface SshLab {
  /** A real ship SSH connection; forwardOut to a port in `redirect` goes to its value instead. */
  connection(redirect?: Record<number, number>): Promise<Connection>;
  close(): Promise<void>;
}

export async function sshLab(): Promise<SshLab> {
  const dir = mkdtempSync(join(tmpdir(), 'ship-hang-'));
  const keygen = (name: string) => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
    return join(dir, name);
  };
  const hostKey = keygen('host_key');
  const clientKey = keygen('id_client');
  const sshd: FakeSshd = await startFakeSshd({ hostKeyFile: hostKey, authorizedKeyFile: `${clientKey}.pub` });
  const config = join(dir, 'ssh_config');
  writeFileSync(
    config,
    `Host lab\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User tester\n  IdentityFile ${clientKey}\n  IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile ${join(dir, 'known_hosts')}\n  StrictHostKeyChecking accept-new\n`,
  );
  const opened: Connection[] = [];
  return {
    async connection(redirect = {}) {
      const real = await connect('lab', { sshConfigFile: config, connectTimeoutMs: 5000 });
      opened.push(real);
      return {
        get host() {
          return real.host;
        },
        run: (command, options) => real.run(command, options),
        forwardOut: (host, port) => real.forwardOut(host, redirect[port] ?? port),
        close: () => real.close(),
      };
    },
    async close() {
      await Promise.all(opened.map((c) => c.close().catch(() => {})));
      await sshd.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
