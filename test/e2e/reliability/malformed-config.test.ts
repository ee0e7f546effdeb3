/**
 * Malformed hosts.ts through the real CLI: wrong types, missing fields, unknown keys, files that
 * throw, do not parse or export the wrong thing. Each must give exit 2 and one paragraph that
 * names the file and the field (and what was expected), with no stack trace. The validator's
 * own unit tests (test/unit/config/) check messages in detail; this checks what a person sees.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ship } from '../support.js';
import { expectNoStack } from './support.js';

const HEADER = "import { defineHosts } from 'ship-deploy';\n";

/** Run `ship releases prod` with this hosts.ts; expect exit 2 and one clean paragraph. */
async function refused(source: string, args = ['releases', 'prod']): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ship-badconfig-'));
  await writeFile(join(dir, 'hosts.ts'), source);
  const r = await ship(args, { cwd: dir });
  expect(r.code, `${source}\n${r.stdout}\n${r.stderr}`).toBe(2);
  expect(r.stdout).toBe('');
  expectNoStack(r.stderr);
  const text = r.stderr.trim();
  expect(text).toMatch(/^error: /);
  expect(text, 'one paragraph').not.toMatch(/\n\s*\n/);
  expect(text.split('\n').length).toBeLessThanOrEqual(12);
  return text;
}

const good = {
  app: 'hello',
  build: { run: ['npm', 'run', 'build'], dir: 'dist' },
  stages: { prod: { hosts: ['h1'], path: '/srv/hello' } },
};
const config = (value: unknown) => `${HEADER}\nexport default defineHosts(${JSON.stringify(value, null, 2)} as never);\n`;

describe('malformed hosts.ts', () => {
  it('wrong types: every field named, with what was expected and what was found', async () => {
    const e = await refused(
      config({
        app: 5,
        build: 'npm run build',
        sudo: 'yes',
        stages: {
          prod: {
            hosts: 'h1',
            path: '/srv/hello',
            keep: 'two',
            health: { url: 'http://127.0.0.1:4000/', timeout: '5' },
            service: { exec: 'x', user: 'deploy', socket: 80.5 },
          },
        },
      }),
    );
    expect(e).toMatch(/^error: hosts\.ts: app: expected the app name, such as "hello", got 5$/m);
    expect(e).toMatch(
      /^hosts\.ts: build: expected an object such as \{ run: \["npm", "run", "build"\], dir: "dist" \}, got "npm run build"$/m,
    );
    expect(e).toMatch(/^hosts\.ts: sudo: expected true or false, got "yes"$/m);
    expect(e).toMatch(/^hosts\.ts: stages\.prod\.hosts: expected an array of hosts.*, got "h1"$/m);
    expect(e).toMatch(/^hosts\.ts: stages\.prod\.keep: expected an integer >= 1, got "two"$/m);
    expect(e).toMatch(/^hosts\.ts: stages\.prod\.health\.timeout: expected a number of seconds greater than 0, got "5"$/m);
    expect(e).toMatch(/^hosts\.ts: stages\.prod\.service\.socket: expected a TCP port number from 1 to 65535, got 80\.5$/m);
  });

  it('missing fields: app and stages', async () => {
    const e = await refused(config({ build: good.build }));
    expect(e).toMatch(/^error: hosts\.ts: app: missing; expected the app name, such as "hello"$/m);
    expect(e).toMatch(/^hosts\.ts: stages: missing; /m);
  });

  it('missing fields inside a stage and half-written sections', async () => {
    const e = await refused(
      config({ app: 'hello', build: { run: ['make'] }, service: { exec: 'node server.js' }, stages: { prod: { keep: 2 } } }),
    );
    expect(e).toMatch(/^error: hosts\.ts: stages\.prod\.hosts: missing; /m);
    expect(e).toMatch(/^hosts\.ts: stages\.prod\.path: missing; expected the absolute directory on the hosts, such as "\/srv\/hello"/m);
    expect(e).toMatch(/^hosts\.ts: build\.dir: missing; /m);
    expect(e).toMatch(/^hosts\.ts: service\.user: missing; expected the unix user the service runs as, such as "deploy"$/m);
  });

  it('unknown keys: a guess at what was meant, or where the field belongs', async () => {
    const e = await refused(
      config({
        ...good,
        hosts: ['h1'],
        stagse: {},
        stages: { prod: { ...good.stages.prod, hots: ['h2'], health: { url: 'http://127.0.0.1:4000/', timout: 5 } } },
      }),
    );
    expect(e).toMatch(/^hosts\.ts: hosts: unknown field at the top level; it belongs in each stage, as stages\.<name>\.hosts$/m);
    expect(e).toMatch(/stagse: unknown field; did you mean "stages"\?$/m);
    expect(e).toMatch(/stages\.prod\.hots: unknown field; did you mean "hosts"\?$/m);
    expect(e).toMatch(/stages\.prod\.health\.timout: unknown field; did you mean "timeout"\?$/m);
  });

  it('a module that throws: the message and the line in hosts.ts', async () => {
    const e = await refused(
      `${HEADER}\nconst port = Number(process.env.NOPE_PORT);\nif (!port) throw new Error('NOPE_PORT is not set');\nexport default defineHosts({} as never);\n`,
    );
    expect(e).toBe('error: hosts.ts threw while loading: NOPE_PORT is not set (hosts.ts:4)');
  });

  it('a module that throws something that is not an Error, or rejects at the top level', async () => {
    const e1 = await refused(`${HEADER}\nthrow 'plain string';\n`);
    expect(e1).toMatch(/^error: hosts\.ts threw while loading: plain string/);
    const e2 = await refused(
      `${HEADER}\nawait Promise.reject(new Error('top-level await failed'));\nexport default defineHosts({} as never);\n`,
    );
    expect(e2).toMatch(/^error: hosts\.ts threw while loading: top-level await failed/);
  });

  it('imports that do not resolve, syntax errors, no or a wrong default export', async () => {
    const results = await Promise.all([
      refused(`${HEADER}import { stages } from './missing-file.js';\nexport default defineHosts({ app: 'x', stages } as never);\n`),
      refused(`${HEADER}\nexport default defineHosts({ app: 'x', stages: { prod: { hosts: ['h1'] } } ;\n`),
      refused(`${HEADER}\nexport const hosts = defineHosts(${JSON.stringify(good)});\n`),
      refused(`${HEADER}\nexport default () => (${JSON.stringify(good)});\n`),
    ]);
    expect(results[0]).toMatch(/^error: hosts\.ts threw while loading: Cannot find module '\.\/missing-file\.js'/);
    expect(results[1]).toMatch(/^error: hosts\.ts:3:\d+: syntax error: /);
    expect(results[1]).toContain('  3 | export default defineHosts(');
    expect(results[2]).toBe('error: hosts.ts has no default export; write `export default defineHosts({ ... })` (see hosts.example.ts).');
    expect(results[3]).toBe('error: hosts.ts: the default export must be an object, `defineHosts({ ... })`, got a function.');
  });

  it('no hosts.ts, or a directory given as --config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ship-badconfig-'));
    await mkdir(join(dir, 'conf.ts'));
    const [missing, directory] = await Promise.all([
      ship(['releases', 'prod'], { cwd: dir }),
      ship(['releases', 'prod', '--config', 'conf.ts'], { cwd: dir }),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      `error: hosts.ts not found at ${join(dir, 'hosts.ts')}. Create one with \`ship init\`, or point to another with --config FILE.`,
    );
    expect(directory.code).toBe(2);
    expect(directory.stderr.trim()).toBe(`error: ${join(dir, 'conf.ts')} is a directory; --config expects a file such as hosts.ts.`);
  });
});
