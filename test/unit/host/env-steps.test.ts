/**
 * ship env's steps on a host that answers from a table: what push writes and records for undo,
 * that an identical file is left alone, and that diff names keys from both files, never values.
 */
import { PassThrough } from 'node:stream';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Stage } from '../../../src/config/types.js';
import { diffEnvFile, pushEnvFile } from '../../../src/host/env-steps.js';
import { Output } from '../../../src/output/output.js';
import { testStage } from '../support/stage.js';
import { TableHost } from '../support/table-host.js';

let stage: Stage;
let output: Output;
let printed: string;
const NEW = 'TOKEN=new-token-value-1\nKEEP=same-value-here\n';
const OLD = 'TOKEN=old-token-value-0\nKEEP=same-value-here\nGONE=removed-value-9\n';

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ship-env-steps-'));
  await writeFile(join(dir, '.env.prod'), NEW);
  stage = testStage({
    configDir: dir,
    configFile: join(dir, 'hosts.ts'),
    service: { exec: 'node s.js', user: 'app', env: {}, envFile: join(dir, '.env.prod') },
  });
  printed = '';
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => (printed += d.toString()));
  output = new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink });
});

const host = (remote: string, login = 'admin') =>
  new TableHost(
    { stage, output, dryRun: false },
    { 'read-if-present.sh': remote, 'read-directory-state.sh': `group app\nlogin ${login}\n` },
    [{ unit: 'app' }, { unit: 'app-worker' }],
  );

describe('pushEnvFile', () => {
  it('keeps the old file as .env.previous, records putting it back and restarting each unit, then writes the new one as the service user', async () => {
    const h = host(OLD);
    expect(await pushEnvFile(h)).toBe(true);
    const changes = h.ran.filter((r) => !r.options.readOnly);
    expect(changes.map((r) => [r.command.script, r.command.argv.slice(4), r.command.sudoUser])).toEqual([
      ['copy-env-file.sh', ['/srv/app/shared/.env', '/srv/app/shared/.env.previous'], 'app'],
      ['install-file.sh', ['/srv/app/shared/.env', '600', String(NEW.length)], 'app'],
    ]);
    expect(changes[1]?.options.stdin?.toString()).toBe(NEW);
    expect(changes[1]?.options.stdinLabel).toBe('(env file: 2 variables)');
    // Undone newest first: the previous file back, then each unit reset and restarted.
    expect(
      h.applied
        .newestFirst()
        .map((s) => (s.kind === 'command' ? [s.command.script ?? s.command.argv.slice(0, 4).join(' '), s.command.argv.at(-1)] : s.kind)),
    ).toEqual([
      ['copy-env-file.sh', '/srv/app/shared/.env'],
      ['systemctl reset-failed -- app-worker', 'app-worker'],
      ['systemctl restart -- app-worker', 'app-worker'],
      ['systemctl reset-failed -- app', 'app'],
      ['systemctl restart -- app', 'app'],
    ]);
    expect(h.statuses).toContain('wrote shared/.env: removed GONE; changed TOKEN');
  });

  it('runs as the SSH user itself when that is service.user (no sudo to ask)', async () => {
    const h = host(OLD, 'app');
    await pushEnvFile(h);
    expect(h.ran.filter((r) => !r.options.readOnly).map((r) => r.command.sudoUser)).toEqual([undefined, undefined]);
  });

  it('leaves a host that has the same file alone, and says so', async () => {
    const h = host(NEW);
    expect(await pushEnvFile(h)).toBe(false);
    expect(h.ran.filter((r) => !r.options.readOnly)).toEqual([]);
    expect(h.applied.newestFirst()).toEqual([]);
    expect(h.reasons).toEqual(['shared/.env is already this env file']);
  });
});

describe('diffEnvFile', () => {
  it('names keys only, and registers the values of both files as secrets', async () => {
    const diff = await diffEnvFile(host(OLD));
    expect(diff).toEqual({ added: [], removed: ['GONE'], changed: ['TOKEN'], same: false });
    output.info('old-token-value-0 new-token-value-1 removed-value-9');
    expect(printed).not.toMatch(/token-value|removed-value/);
  });

  it('is a clear error when the stage has no envFile', async () => {
    stage = { ...stage, service: { exec: 'x', user: 'app', env: {} } };
    await expect(diffEnvFile(host(OLD))).rejects.toThrow(
      /stage prod has no service.envFile in .*hosts.ts, so ship env has nothing to push or compare/,
    );
  });
});
