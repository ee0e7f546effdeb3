import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { importUserModule, type UserModuleOptions } from './import-module.js';
import { displayPath } from '../output/display-path.js';
import { describe, validateHosts } from './validate.js';

export { resolveStage, stagesWithCerts, type LoadedConfig } from './resolve.js';
import type { LoadedConfig } from './resolve.js';

/** A validated hosts.ts. Per-stage defaults are filled by resolveStage, not here: a default
 *  written into each stage would hide the top-level value it should inherit. */

/** Load, run and validate hosts.ts. Every failure is a ConfigError a person can act on. */
export async function loadConfig(file: string, options: UserModuleOptions): Promise<LoadedConfig> {
  const path = resolve(file);
  await assertFile(path);
  const module = await importUserModule(path, options);
  const name = displayPath(path);
  if (!('default' in module)) {
    throw new ConfigError(`${name} has no default export; write \`export default defineHosts({ ... })\` (see hosts.example.ts).`);
  }
  const raw = module.default;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${name}: the default export must be an object, \`defineHosts({ ... })\`, got ${describe(raw)}.`);
  }
  const result = validateHosts(raw);
  if (!result.ok) throw new ConfigError(result.problems.map((problem) => `${name}: ${problem}`).join('\n'));
  return { file: path, dir: dirname(path), config: result.config };
}

async function assertFile(path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (found?.isFile()) return;
  if (found?.isDirectory()) throw new ConfigError(`${path} is a directory; --config expects a file such as hosts.ts.`);
  const name = basename(path);
  throw new ConfigError(
    name === 'hosts.ts'
      ? `hosts.ts not found at ${path}. Create one with \`ship init\`, or point to another with --config FILE.`
      : `${name} not found at ${path}. Check the --config path, or create hosts.ts with \`ship init\`.`,
  );
}
