import { describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { main } from '../../../src/cli/main.js';

describe('--lock-wait', () => {
  for (const [command, value] of [
    ['deploy', 'abc'],
    ['rollback', '-5'],
    ['setup', ''],
    ['run', 'NaN'],
  ] as const) {
    it(`ship ${command} --lock-wait ${JSON.stringify(value)} is refused (exit 2) before anything runs`, async () => {
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const args = command === 'run' ? ['run', 'prod', 'backup'] : [command, 'prod'];
        const code = await main(['node', 'ship', '--config', '/nonexistent/hosts.ts', ...args, '--lock-wait', value]);
        expect(code).toBe(ExitCode.config);
        expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain("option '--lock-wait <seconds>' argument");
      } finally {
        stderr.mockRestore();
      }
    });
  }
});
