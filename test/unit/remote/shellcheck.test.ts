/**
 * shellcheck (Debian's package; test/hosts/setup.sh installs it) on every script under
 * src/remote/sh, as POSIX sh (Debian's /bin/sh is dash), following includes (-x). Any finding
 * fails. Without shellcheck the test fails under CI=true and is skipped elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SH = join(import.meta.dirname, '../../../src/remote/sh');
const files = [
  ...readdirSync(SH).filter((f) => f.endsWith('.sh')),
  ...readdirSync(join(SH, 'lib'))
    .filter((f) => f.endsWith('.sh'))
    .map((f) => `lib/${f}`),
].sort();
const present = spawnSync('shellcheck', ['--version']).status === 0;
const ci = process.env.CI === 'true';

describe('shellcheck', () => {
  // One test, so a run with shellcheck reports no skip; without it: a failure under CI, else a skip.
  it('finds nothing in any script under src/remote/sh', (ctx) => {
    if (!present && !ci) ctx.skip();
    expect(present, 'shellcheck is not on PATH; run test/hosts/setup.sh as root, or apt-get install shellcheck').toBe(true);
    expect(files.length).toBeGreaterThan(30);
    // From the scripts' folder: `# shellcheck source=lib/X.sh` is relative to it.
    const run = spawnSync('shellcheck', ['-x', '-s', 'sh', '-f', 'gcc', ...files], { cwd: SH, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
