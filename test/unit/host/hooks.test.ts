/** Hooks run as real local processes: what they get, what is shown, how a failure reads. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Stage } from '../../../src/config/types.js';
import { Output } from '../../../src/output/output.js';
import { runHook, type HookRun } from '../../../src/host/hooks.js';

let dir: string;
let printed: string;
let run: HookRun;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ship-hooks-'));
  printed = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (printed += d.toString()));
  const output = new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink });
  output.addSecrets(['hunter2-secret']);
  const stage = { name: 'prod', configDir: dir, hooks: {} } as unknown as Stage;
  run = {
    stage,
    release: { id: 'R1', user: 'alice', origin: 'laptop', commit: 'abc' },
    command: 'deploy',
    hosts: ['web1', 'web2'],
    result: 'ok',
    output,
    dryRun: false,
  };
});

const withHook = (name: 'before' | 'after' | 'failed', argv: string[]): HookRun => ({
  ...run,
  stage: { ...run.stage, hooks: { [name]: argv } },
});

describe('runHook', () => {
  it('runs in the hosts.ts directory with the SHIP_* variables; shows the program, never its arguments; output redacted', async () => {
    await runHook(
      'after',
      withHook('after', [
        'sh',
        '-c',
        'env | grep ^SHIP_ | sort > env.txt; echo "posting hunter2-secret"',
        'https://hooks.example/T0/secret-token',
      ]),
    );
    expect((await readFile(join(dir, 'env.txt'), 'utf8')).trim().split('\n')).toEqual([
      'SHIP_COMMAND=deploy',
      'SHIP_COMMIT=abc',
      'SHIP_HOSTS=web1 web2',
      'SHIP_RELEASE=R1',
      'SHIP_RESULT=ok',
      'SHIP_STAGE=prod',
      'SHIP_USER=alice',
    ]);
    expect(printed).toContain('local | hooks.after: sh');
    expect(printed).toContain('local | posting ***');
    expect(printed).not.toContain('secret-token');
  });

  it('a failure names the hook and the exit code; a missing program too; none set: nothing runs', async () => {
    await expect(runHook('before', withHook('before', ['sh', '-c', 'exit 7']))).rejects.toThrow('hooks.before failed (exit 7): sh');
    await expect(runHook('failed', withHook('failed', ['./no-such-hook']))).rejects.toThrow(
      'hooks.failed failed (program not found): ./no-such-hook',
    );
    printed = '';
    await runHook('before', run);
    expect(printed).toBe('');
  });

  it('a dry run says what it would run and runs nothing', async () => {
    await runHook('after', { ...withHook('after', ['sh', '-c', 'touch ran']), dryRun: true });
    expect(printed).toContain('hooks.after: would run sh');
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });

  // The hook exits at once, but its background child keeps stdout open: on the old code ship
  // waited on that pipe for as long as the child lived (here 1000 s), past the hook's deadline.
  const orphaning = ['sh', '-c', 'sleep 1000 & echo $! > orphan.pid; echo hi'];
  const orphanGone = async () => {
    const pid = Number(await readFile(join(dir, 'orphan.pid'), 'utf8'));
    // Gone, or a zombie nobody reaps (a container's init may not): either way not running.
    const state = async () => (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => 'gone')).replace(/^.*\) /, '').slice(0, 1);
    await vi.waitFor(async () => expect(['g', 'Z']).toContain(await state()));
  };

  it('a hook that leaves a child holding stdout open is stopped at its deadline, child and all', async () => {
    await expect(runHook('after', { ...withHook('after', orphaning), timeoutMs: 1500 })).rejects.toThrow(
      'hooks.after failed (stopped after 1.5 s): sh',
    );
    expect(printed).toContain('local | hi');
    await orphanGone();
  }, 20_000);

  it('and at once on abort (Ctrl-C)', async () => {
    const abort = new AbortController();
    const pending = runHook('after', { ...withHook('after', orphaning), signal: abort.signal, timeoutMs: 600_000 });
    await vi.waitFor(() => expect(printed).toContain('local | hi'));
    abort.abort(new Error('interrupted by SIGINT'));
    await expect(pending).rejects.toThrow('hooks.after failed (interrupted): sh');
    await orphanGone();
  }, 20_000);
});
