/**
 * One host that stops reading the release stream, on real hosts: its sshd stays alive and
 * answers keepalives, but the process extracting the stream is stopped (SIGSTOP), so it takes
 * nothing more. ship drops that host after ssh.stallTimeout with an error naming it, the other
 * hosts get the whole stream, and the deploy (a phase-1 failure) is undone everywhere. On the
 * old code the fanout fed every host at the stuck one's pace and the deploy never ended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lab } from '../support.js';
import { App, expectNoSecretsPrinted, expectNoStack } from './support.js';

const HOSTS = ['h1', 'h2', 'h3'];
const STALL_S = 3;
// The process extracting the release stream (remote/sh/receive-release.sh), matched by its whole
// command line (pkill -f -x). Not a pattern found anywhere in one: the script's own shell
// (`sh -c BODY`) holds the script's text in its command line, and stopping that shell alone
// stops nothing that reads; its tee and tar took the whole stream, and the host then stood
// still after the stream, which ssh.commandTimeout (600 s) covers, not the stall timeout.
const EXTRACT = 'tar -x -C release --no-same-owner';
let app: App;

beforeAll(async () => {
  app = await App.create({
    name: 'relstall',
    port: 4381,
    hosts: HOSTS,
    top: { ssh: { config: lab().sshConfig, connectTimeout: 5, stallTimeout: STALL_S } },
  });
  await app.setup();
  const first = await app.deploy('v1');
  expect(first.code, first.stderr).toBe(0);
});

afterAll(async () => {
  await expectNoSecretsPrinted([app]);
  await app.remove();
});

/** On h3: stop the extraction as soon as it starts; prints `stopped ...` once it has. */
function stopExtractionOnH3(): Promise<string> {
  // One sudo for the whole loop: a sudo per look made each look slow on a loaded machine.
  const loop = 'end=$(($(date +%s) + 100)); while [ "$(date +%s)" -lt "$end" ]; do pkill -STOP -f -x "$1" && exit 0; done; exit 1';
  return app.onHost(
    'h3',
    [
      `if sudo sh -c '${loop}' sh '${EXTRACT}'; then`,
      // How much of the stream had landed when it stopped: for a failure's message.
      `  echo "stopped with $(du -sb ${app.path}/releases/.partial-*/release 2>/dev/null | cut -f 1) bytes extracted"`,
      'else echo never-started; fi',
    ].join('\n'),
  );
}

/** The last lines of an output, for a failure message. */
function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

describe('a host whose receiving process stops reading', () => {
  it('is dropped after ssh.stallTimeout; the deploy ends by itself, undone on every host', async () => {
    const before = await app.states();
    const stopping = stopExtractionOnH3();
    // 48 MiB of random bytes: far more than the SSH window and every buffer on the way hold.
    const r = await app.deploy('v2', { APP_PAD_MB: '48' });
    const stopped = await stopping;
    // Let the stopped extraction go (it was cut off; it ends), as a person would.
    await app.onHost('h3', `sudo pkill -KILL -f -x '${EXTRACT}'; true`);
    console.log(`stalled host: deploy ended (exit ${r.code}) after ${r.ms} ms, stall timeout ${STALL_S} s; h3 ${stopped}`);
    expect(stopped).toMatch(/^stopped/);
    // Stopped by the harness (SIGTERM, so ship exits 130 after its cleanup): it never ended by
    // itself. Where it stopped, and what it printed last, say what it waited for.
    expect(r.timedOut, `the deploy did not end by itself; ${stopped}\n${tail(r.stdout)}\n--- stderr:\n${tail(r.stderr)}`).toBe(false);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toContain(`h3: took none of the release stream for ${STALL_S} s`);
    expect(r.stderr).toContain('raise ssh.stallTimeout in hosts.ts');
    expectNoStack(r.stderr);
    // Only h3 failed: h1 and h2 took the whole stream and their release matched the manifest.
    for (const host of ['h1', 'h2']) expect(r.stdout, host).toMatch(new RegExp(`${host} +\\| .*verified; put in place`));
    expect(r.stderr).not.toMatch(/h[12]: took none/);
    const after = await Promise.all(HOSTS.map((h) => app.state(h, { waitSeconds: 10 })));
    for (const [i, state] of after.entries()) {
      expect(state.current, state.host).toBe(before[i]!.current);
      expect(state.version, state.host).toBe('v1');
      expect(state.answer, state.host).toBe('v1');
      expect(state.complete, state.host).toBe(true);
      expect(state.lock, state.host).toBe('');
      expect(state.leftovers, state.host).toEqual([]);
    }
  });

  it('the next deploy, with the host reading again, succeeds everywhere', async () => {
    const r = await app.deploy('v3');
    expect(r.code, r.stderr).toBe(0);
    for (const state of await app.states()) {
      expect(state.version, state.host).toBe('v3');
      expect(state.complete, state.host).toBe(true);
    }
  });
});
