import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../../../src/config/types.js';
import { Output } from '../../../src/output/output.js';
import { parseEnvFile, readEnvFile, registerEnvSecrets } from '../../../src/config/env-file.js';

const stageWith = (envFile?: string) =>
  ({ name: 'prod', configFile: '/p/hosts.ts', service: { exec: 'x', user: 'u', env: {}, envFile } }) as unknown as Stage;

describe('parseEnvFile', () => {
  it('finds names and every value, quoted and unquoted, and skips comments and blanks', () => {
    const parsed = parseEnvFile('# comment\n\nDB_URL=postgres://u:pw@db/x\nexport TOKEN="s3cr3t value"\nQUOTED=\'single\'\r\nEMPTY=\n');
    expect(parsed.names).toEqual(['DB_URL', 'TOKEN', 'QUOTED', 'EMPTY']);
    expect(parsed.secrets).toEqual(['postgres://u:pw@db/x', '"s3cr3t value"', 's3cr3t value', "'single'", 'single']);
    expect(parsed.badLines).toEqual([]);
  });

  it('also registers each value as systemd hands it to the app: unquoted, unescaped', () => {
    const parsed = parseEnvFile('A="dq \\"x\\" \\$HOME"\nB=bs\\\\dir\nC="ab"\'cd\'\n');
    expect(parsed.secrets).toEqual(expect.arrayContaining(['dq "x" $HOME', 'bs\\dir', 'abcd']));
    // As the file spells it too: what `cat .env` shows.
    expect(parsed.secrets).toEqual(expect.arrayContaining(['"dq \\"x\\" \\$HOME"', 'bs\\\\dir']));
  });

  it('registers each line of a value that spans lines, since output shows it line by line', () => {
    const parsed = parseEnvFile("KEY='-----BEGIN KEY-----\nc2VjcmV0\n-----END KEY-----'\n");
    expect(parsed.secrets).toEqual(expect.arrayContaining(['-----BEGIN KEY-----\nc2VjcmV0\n-----END KEY-----', 'c2VjcmV0']));
  });

  it('names the variables whose value is too short to hide, once each, never the value', () => {
    const parsed = parseEnvFile('PIN=42\nexport FLAG="y"\nPIN=7\nOK=long enough\nEMPTY=\n');
    expect(parsed.shortValues).toEqual(['PIN', 'FLAG']);
  });

  it('reports lines that are not NAME=value by number only', () => {
    expect(parseEnvFile('A=1\nnot an assignment\n1X=2\n').badLines).toEqual([2, 3]);
  });
});

describe('env file secrets', () => {
  it('are redacted from everything the output prints once registered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-env-'));
    await writeFile(join(dir, '.env'), 'API_KEY=abc123xyz\n');
    const lines: string[] = [];
    const sink = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    const output = new Output({ mode: 'plain', verbose: false, stdout: sink, stderr: sink });
    registerEnvSecrets(stageWith(join(dir, '.env')), output);
    output.info('key is abc123xyz');
    output.hostLine('h1', 'stderr', "API_KEY='abc123xyz'");
    expect(lines.join('')).not.toContain('abc123xyz');
    expect(lines.join('')).toContain('key is ***');
  });

  it('a missing file is no error when only registering, and a clear one when reading', () => {
    const output = new Output({ mode: 'plain', verbose: false });
    expect(() => registerEnvSecrets(stageWith('/nonexistent/.env.prod'), output)).not.toThrow();
    expect(() => readEnvFile(stageWith('/nonexistent/.env.prod'))).toThrow(
      /service.envFile: cannot read \/nonexistent\/.env.prod \(ENOENT\)/,
    );
    expect(readEnvFile(stageWith(undefined))).toBeUndefined();
  });
});
