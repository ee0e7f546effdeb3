import { describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { main } from '../../../src/cli/main.js';

/** Runs ship with a config that does not exist: a refusal must come before it is looked for. */
async function refusal(args: string[]): Promise<{ code: number; stderr: string }> {
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await main(['node', 'ship', '--config', '/nonexistent/hosts.ts', ...args]);
    return { code, stderr: stderr.mock.calls.map((c) => String(c[0])).join('') };
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
}

describe('--offline and --full', () => {
  for (const flag of ['--offline', '--full']) {
    it(`${flag} without --dry-run is a usage error (exit 2) naming the fix`, async () => {
      const { code, stderr } = await refusal(['deploy', 'prod', flag]);
      expect(code).toBe(ExitCode.config);
      expect(stderr).toContain(`${flag} works only with --dry-run`);
      expect(stderr).toContain(`ship deploy <stage> --dry-run ${flag}`);
    });
  }

  it('--offline on a command that only reads from hosts is refused, listing the ones that plan', async () => {
    const { code, stderr } = await refusal(['doctor', 'prod', '--dry-run', '--offline']);
    expect(code).toBe(ExitCode.config);
    expect(stderr).toContain('--offline: ship doctor has no plan to make without its hosts');
    expect(stderr).toContain('deploy, rollback, setup, run, exec, logs, certs renew');
  });

  it('--dry-run --offline gets past the check to the config', async () => {
    const { code, stderr } = await refusal(['deploy', 'prod', '--dry-run', '--offline']);
    expect(code).toBe(ExitCode.config);
    expect(stderr).toContain('/nonexistent/hosts.ts');
  });
});
