import { defineConfig } from 'vitest/config';

// Every test asserts something (see the file).
const setupFiles = ['test/support/has-assertions.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles, testTimeout: 20_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // One set of booted hosts is shared by the whole e2e run; files run one after another
          // because they change the same hosts.
          globalSetup: ['test/hosts/global-setup.ts'],
          setupFiles,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
