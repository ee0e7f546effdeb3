/**
 * The runner's undo after a failure or Ctrl-C, on a real deploy path in a temporary directory
 * (release scripts run in a local shell; systemctl is answered by the fake). The run's signal is
 * already aborted, as it is after Ctrl-C: undo must still switch back, restart, log and clean up.
 */
import { mkdtemp, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../../src/remote/command.js';
import type { Stage } from '../../../src/config/types.js';
import { Output } from '../../../src/output/output.js';
import { settle, undo } from '../../../src/recipe/undo.js';
import type { Session } from '../../../src/session/session.js';
import { RemoteHost } from '../../../src/host/host.js';
import type { RunOptions, RunResult } from '../../../src/transport/types.js';
import { LocalShell } from '../support/local-shell.js';
import { testStage } from '../support/stage.js';

/** Real shell for scripts; systemctl and journalctl answered here, and recorded. */
class FakeSystem extends LocalShell {
  readonly systemctl: string[] = [];
  override async run(command: Command, options: RunOptions = {}): Promise<RunResult> {
    if (command.argv[0] === 'systemctl' || command.argv[0] === 'journalctl') {
      options.signal?.throwIfAborted();
      this.systemctl.push(command.argv.join(' '));
      return { code: 0, stdout: command.argv[1] === 'show' ? 'active\nrun-1\n' : '', stderr: '' };
    }
    return super.run(command, options);
  }
}

const OLD = '20260101T120000Z-0a0a0a';
const NEW = '20260102T120000Z-0b0b0b';
/** A release `current` pointed at before the run, removed by hand since. */
const GONE = '20260101T180000Z-0c0c0c';

let root: string;
let stage: Stage;
let session: Session;
let printed: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ship-undo-'));
  for (const d of [`releases/${OLD}`, `releases/${NEW}`, 'shared', '.ship']) await mkdir(join(root, d), { recursive: true });
  await symlink(`releases/${NEW}`, join(root, 'current'));
  await writeFile(join(root, '.ship/releases.log'), `${JSON.stringify({ release: OLD, result: 'ok', time: 't' })}\n`);
  stage = testStage({ hosts: ['h1'], path: root, sudo: false });
  printed = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (printed += d.toString()));
  session = {
    output: new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink }),
    stage,
    dryRun: false,
  } as unknown as Session;
});

/** A host of a run that was interrupted after it uploaded `uploaded` and switched from `from` to NEW. */
function interruptedHost(connection: FakeSystem, { uploaded = true, from = OLD } = {}): RemoteHost {
  const abort = new AbortController();
  abort.abort(new Error('interrupted by SIGINT'));
  const host = new RemoteHost('h1', connection, {
    stage,
    output: session.output,
    release: { id: NEW, user: 'alice', origin: 'laptop' },
    dryRun: false,
    signal: abort.signal,
    command: 'ship deploy prod',
    lockWait: 0,
  });
  if (uploaded) host.applied.record({ kind: 'upload', release: NEW });
  host.applied.record({ kind: 'switch', from, to: NEW });
  return host;
}

describe('undo after Ctrl-C', () => {
  it('the host itself refuses every command once the run is aborted (why undo needs its own view)', async () => {
    await expect(undo(session, interruptedHost(new FakeSystem()), true)).rejects.toThrow('interrupted by SIGINT');
  });

  it('through the undo view: switches back, restarts, logs the run as interrupted, removes the new release', async () => {
    const connection = new FakeSystem();
    await undo(session, interruptedHost(connection).undoView(), true);
    expect(await readlink(join(root, 'current'))).toBe(`releases/${OLD}`);
    expect(connection.systemctl).toEqual(expect.arrayContaining(['systemctl reset-failed -- app', 'systemctl restart -- app']));
    expect(await readdir(join(root, 'releases'))).toEqual([OLD]);
    const log = (await readFile(join(root, '.ship/releases.log'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.at(-1)).toMatchObject({ release: NEW, result: 'interrupted', user: 'alice' });
    expect(printed).toMatch(new RegExp(`h1 \\| rolled back to ${OLD}; it is healthy`));
  });

  it("replays what was applied newest first: the failed check's journal, current back and restarted, then the release logged and removed", async () => {
    const connection = new FakeSystem();
    const host = interruptedHost(connection);
    host.applied.record({ kind: 'health-failed' });
    await undo(session, host.undoView(), false);
    const journal = connection.systemctl.findIndex((c) => c.startsWith('journalctl'));
    const restart = connection.systemctl.indexOf('systemctl restart -- app');
    expect(journal).toBeGreaterThanOrEqual(0);
    expect(restart).toBeGreaterThan(journal);
    expect(printed).toContain('last lines of journalctl -u app:');
    expect(await readlink(join(root, 'current'))).toBe(`releases/${OLD}`);
    expect(await readdir(join(root, 'releases'))).toEqual([OLD]);
  });

  it('a step undone by a command (setup wrote a unit: daemon-reload) runs that command once', async () => {
    const connection = new FakeSystem();
    const host = new RemoteHost('h1', connection, interruptedHost(connection).context);
    host.applied.record({ kind: 'command', label: 'reload systemd', command: { argv: ['systemctl', 'daemon-reload'] } });
    host.applied.record({ kind: 'command', label: 'reload systemd', command: { argv: ['systemctl', 'daemon-reload'] } });
    await undo(session, host.undoView(), false);
    expect(connection.systemctl).toEqual(['systemctl daemon-reload']);
    expect(await readlink(join(root, 'current'))).toBe(`releases/${NEW}`);
    expect((await readdir(join(root, 'releases'))).sort()).toEqual([OLD, NEW]);
  });

  it('settle undoes and then releases the lock taken by the run', async () => {
    const connection = new FakeSystem();
    const live = interruptedHost(connection);
    // Take the lock with a live signal first, as the run did before Ctrl-C.
    const locker = new RemoteHost('h1', connection, { ...live.context, signal: new AbortController().signal });
    await locker.lock();
    expect(await readdir(join(root, '.ship'))).toContain('lock');
    await settle(session, [locker], new Error('interrupted'), true);
    expect(await readdir(join(root, '.ship'))).not.toContain('lock');
  });

  it('a run that only switched (ship rollback) is logged without calling the release failed', async () => {
    const connection = new FakeSystem();
    const host = interruptedHost(connection, { uploaded: false });
    await undo(session, host.undoView(), false);
    expect(await readlink(join(root, 'current'))).toBe(`releases/${OLD}`);
    const last = JSON.parse((await readFile(join(root, '.ship/releases.log'), 'utf8')).trim().split('\n').at(-1)!) as Record<
      string,
      unknown
    >;
    expect(last).toMatchObject({ release: NEW, result: 'rollback-failed' });
    expect((await readdir(join(root, 'releases'))).sort()).toEqual([OLD, NEW]);
  });

  it('when the release current pointed at before is gone: switches to the newest good one there, logs the run as failed, removes it', async () => {
    const connection = new FakeSystem();
    const host = interruptedHost(connection, { from: GONE });
    await undo(session, host.undoView(), false);
    expect(await readlink(join(root, 'current'))).toBe(`releases/${OLD}`);
    expect(await readdir(join(root, 'releases'))).toEqual([OLD]);
    const last = JSON.parse((await readFile(join(root, '.ship/releases.log'), 'utf8')).trim().split('\n').at(-1)!) as Record<
      string,
      unknown
    >;
    expect(last).toMatchObject({ release: NEW, result: 'failed' });
    expect(printed).toContain(`${GONE}, is gone; switching to ${OLD}`);
  });

  it('when it is gone and no other good release is there: current stays on the new release (which exists), logged as failed', async () => {
    await writeFile(join(root, '.ship/releases.log'), `${JSON.stringify({ release: OLD, result: 'failed', time: 't' })}\n`);
    const connection = new FakeSystem();
    const host = interruptedHost(connection, { from: GONE });
    await undo(session, host.undoView(), false);
    expect(await readlink(join(root, 'current'))).toBe(`releases/${NEW}`);
    expect((await readdir(join(root, 'releases'))).sort()).toEqual([OLD, NEW]);
    const last = JSON.parse((await readFile(join(root, '.ship/releases.log'), 'utf8')).trim().split('\n').at(-1)!) as Record<
      string,
      unknown
    >;
    expect(last).toMatchObject({ release: NEW, result: 'failed' });
    expect(printed).toContain(`current stays at ${NEW} rather than at nothing`);
  });
});
