/** The env file from a local file or from a command run here: read once, values registered, failures named. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadEnvFile, runEnvCommand } from '../../../src/host/env-source.js';
import { Output } from '../../../src/output/output.js';
import type { Stage } from '../../../src/config/types.js';
import { testStage } from '../support/stage.js';

let dir: string;
let printed: string;
let output: Output;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ship-env-source-'));
  printed = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (printed += d.toString()));
  output = new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink });
});

const stageWith = (envFile: string | string[] | undefined): Stage =>
  testStage({ configDir: dir, configFile: join(dir, 'hosts.ts'), service: { exec: 'node s.js', user: 'deploy', env: {}, envFile } });

describe('loadEnvFile', () => {
  it('reads a command’s stdout as the env file, in the hosts.ts directory, once per stage, and redacts its values', async () => {
    await writeFile(join(dir, 'secret.env'), 'TOKEN=from-command-1234\n');
    await writeFile(join(dir, 'count'), '');
    const stage = stageWith(['sh', '-c', 'echo run >> count; cat secret.env']);
    const [a, b] = await Promise.all([loadEnvFile(stage, output), loadEnvFile(stage, output)]);
    expect(a).toBe(b);
    expect(a?.names).toEqual(['TOKEN']);
    expect(a?.label).toBe('the envFile command (sh)');
    expect(a?.content.toString()).toBe('TOKEN=from-command-1234\n');
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(dir, 'count'), 'utf8')).toBe('run\n');
    output.info('the token is from-command-1234');
    expect(printed).not.toContain('from-command-1234');
  });

  it('reads a local file as before, and has nothing when the stage has no envFile', async () => {
    await writeFile(join(dir, '.env.prod'), 'A=long-enough-value\n');
    const env = await loadEnvFile(stageWith(join(dir, '.env.prod')), output);
    expect(env?.names).toEqual(['A']);
    expect(await loadEnvFile(stageWith(undefined), output)).toBeUndefined();
  });
});

describe('runEnvCommand', () => {
  const stage = { name: 'prod', configDir: '/' };

  it('names the stage, the program, its exit code and its own stderr; never its stdout', async () => {
    const run = runEnvCommand(stage, ['sh', '-c', 'echo PARTIAL=stdout-value; echo "vault is sealed" >&2; exit 3']);
    await expect(run).rejects.toThrow(/^stage prod: service\.envFile: the command sh failed \(exit 3\); it said:\nvault is sealed$/);
    await expect(run).rejects.not.toThrow(/stdout-value/);
  });

  it('says when the program is not there', async () => {
    await expect(runEnvCommand(stage, ['no-such-program-for-ship-tests'])).rejects.toThrow(
      /the command no-such-program-for-ship-tests was not found \(is it installed, and on PATH\?\)/,
    );
  });

  it('stops a command that does not finish by its deadline', async () => {
    await expect(runEnvCommand(stage, ['sleep', '30'], undefined, 100)).rejects.toThrow(/the command sleep did not finish within 0.1 s/);
  });

  it('stops the command when the run is interrupted', async () => {
    const abort = new AbortController();
    const run = runEnvCommand(stage, ['sleep', '30'], abort.signal);
    abort.abort();
    await expect(run).rejects.toMatchObject({ exitCode: 130 });
  });
});
