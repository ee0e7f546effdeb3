import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, ExitCode } from '../../../src/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import * as api from '../../../src/index.js';

let dir: string;
let count = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ship-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Write a fixture hosts.ts in its own directory (so helpers next to it do not collide). */
async function fixture(source: string, extra: Record<string, string> = {}): Promise<string> {
  const home = join(dir, `case${++count}`);
  await mkdir(home);
  for (const [name, text] of Object.entries(extra)) await writeFile(join(home, name), text);
  const file = join(home, 'hosts.ts');
  await writeFile(file, source);
  return file;
}

async function loadError(file: string): Promise<ConfigError> {
  const error: unknown = await loadConfig(file, { api }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

const VALID = `
import { defineHosts, type HostsInput } from 'ship-deploy';
import { join } from 'node:path';
import { port } from './port.js';

const service = { exec: 'node server.js', user: 'deploy', env: { PORT: String(port) } } satisfies HostsInput['service'];

export default defineHosts({
  app: 'hello',
  build: { run: ['npm', 'run', 'build'], dir: join('out', 'dist') },
  service,
  stages: {
    prod: { hosts: ['deploy@web1.example.com', 'web2'], path: '/srv/hello' },
  },
});
`;

describe('loadConfig', () => {
  it('loads a TypeScript hosts.ts that imports ship-deploy, node builtins and local files', async () => {
    const file = await fixture(VALID, { 'port.ts': 'export const port: number = 4000;\n' });
    const loaded = await loadConfig(file, { api });
    expect(loaded).toEqual({
      file,
      dir: join(file, '..'),
      config: {
        app: 'hello',
        build: { run: ['npm', 'run', 'build'], dir: 'out/dist' },
        service: { exec: 'node server.js', user: 'deploy', env: { PORT: '4000' } },
        stages: { prod: { hosts: ['deploy@web1.example.com', 'web2'], path: '/srv/hello' } },
      },
    });
  });

  it('sees edits to the file on the next load in the same process', async () => {
    const file = await fixture(`export default { app: 'one', stages: { prod: { hosts: ['w'], path: '/srv/a' } } };`);
    expect((await loadConfig(file, { api })).config.app).toBe('one');
    await writeFile(file, `export default { app: 'two', stages: { prod: { hosts: ['w'], path: '/srv/a' } } };`);
    expect((await loadConfig(file, { api })).config.app).toBe('two');
  });

  it('validates hosts.example.ts, the file `ship init` copies', async () => {
    const example = fileURLToPath(new URL('../../../hosts.example.ts', import.meta.url));
    const loaded = await loadConfig(example, { api });
    expect(Object.keys(loaded.config.stages)).toEqual(['prod', 'staging']);
  });

  it('says where hosts.ts was expected and how to create one', async () => {
    const missing = join(dir, 'nowhere', 'hosts.ts');
    const error = await loadError(missing);
    expect(error.message).toBe(`hosts.ts not found at ${missing}. Create one with \`ship init\`, or point to another with --config FILE.`);
    expect(error.exitCode).toBe(ExitCode.config);
    expect((await loadError(join(dir, 'nowhere', 'prod.ts'))).message).toBe(
      `prod.ts not found at ${join(dir, 'nowhere', 'prod.ts')}. Check the --config path, or create hosts.ts with \`ship init\`.`,
    );
    expect((await loadError(dir)).message).toBe(`${dir} is a directory; --config expects a file such as hosts.ts.`);
  });

  it('shows a syntax error at file:line:column with the offending line', async () => {
    const file = await fixture(`import { defineHosts } from 'ship-deploy';
export default defineHosts({
  app: 'hello',
  stages: { prod: { hosts: ['a' } },
});
`);
    const error = await loadError(file);
    expect(error.message).toBe(
      `${file}:4:33: syntax error: Unexpected token, expected ","\n` +
        `  4 |   stages: { prod: { hosts: ['a' } },\n` +
        `    |                                 ^`,
    );
  });

  it('shows a syntax error in a file hosts.ts imports at that file', async () => {
    const file = await fixture(`import { x } from './helper.js';\nexport default x;\n`, { 'helper.ts': 'export const x = {;\n' });
    const error = await loadError(file);
    expect(error.message).toMatch(new RegExp(`^${join(file, '../helper.ts')}:1:19: syntax error: `));
  });

  it('reports a module that throws, with the line it threw on', async () => {
    const file = await fixture(`type Port = number;
const port: Port = 1;
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(\`\${name} is not set\`);
  return value;
}
export default { app: required('SHIP_TEST_NOT_SET'), port };
`);
    const error = await loadError(file);
    expect(error.message).toBe(`${file} threw while loading: SHIP_TEST_NOT_SET is not set (${file}:5)`);
    expect(error.stack).toBeDefined();
    expect(error.message).not.toMatch(/\n/);
  });

  it('reports the line in a helper when the throw happens there', async () => {
    const file = await fixture(`import { boom } from './helper.js';\nexport default boom();\n`, {
      'helper.ts': `export function boom(): never {\n  throw new TypeError('no');\n}\n`,
    });
    expect((await loadError(file)).message).toBe(`${file} threw while loading: no (${join(file, '../helper.ts')}:2)`);
  });

  it('reports a thrown non-Error and an import that cannot be found', async () => {
    expect((await loadError(await fixture(`throw 'just a string';\n`))).message).toMatch(/threw while loading: just a string$/);
    const file = await fixture(`import { x } from './missing.js';\nexport default x;\n`);
    const message = (await loadError(file)).message;
    expect(message).toMatch(new RegExp(`^${file} threw while loading: Cannot find module './missing.js'`));
    expect(message).not.toMatch(/Require stack/);
  });

  it('asks for a default export', async () => {
    const file = await fixture(`export const config = { app: 'hello' };\n`);
    expect((await loadError(file)).message).toBe(
      `${file} has no default export; write \`export default defineHosts({ ... })\` (see hosts.example.ts).`,
    );
  });

  it('asks for an object', async () => {
    const array = await fixture(`export default [];\n`);
    expect((await loadError(array)).message).toBe(
      `${array}: the default export must be an object, \`defineHosts({ ... })\`, got an empty array.`,
    );
    const fn = await fixture(`import { defineHosts } from 'ship-deploy';\nexport default defineHosts;\n`);
    expect((await loadError(fn)).message).toMatch(/got a function\.$/);
  });

  it('lists every validation problem, each with the file and the field path', async () => {
    const file = await fixture(`import { defineHosts } from 'ship-deploy';
export default defineHosts({
  app: 'hello',
  stages: {
    prod: { hosts: ['web1', 'web2; rm -rf /'], path: '/srv/hello', keep: 'five', kep: 3 },
  },
});
`);
    const error = await loadError(file);
    expect(error.message.split('\n')).toEqual([
      `${file}: stages.prod.hosts[1]: contains ";", which no host name has; expected user@host[:port], [ipv6]:port or an ssh config alias, got "web2; rm -rf /"`,
      `${file}: stages.prod.keep: expected an integer >= 1, got "five"`,
      `${file}: stages.prod.kep: unknown field; did you mean "keep"?`,
    ]);
  });

  it('names the file relative to the current directory when it is below it', async () => {
    const file = await fixture(`export default { app: 'hello', stages: { prod: { hosts: ['w'], path: '/srv/a', keep: 'five' } } };`);
    vi.spyOn(process, 'cwd').mockReturnValue(join(file, '..'));
    try {
      expect((await loadError(file)).message).toBe('hosts.ts: stages.prod.keep: expected an integer >= 1, got "five"');
    } finally {
      vi.restoreAllMocks();
    }
  });
});
