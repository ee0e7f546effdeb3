/** A resolved stage for unit tests: one host, web1, deploying to /srv/app; override what a test is about. */
import type { Stage } from '../../../src/config/types.js';

export function testStage(overrides: Partial<Stage> = {}): Stage {
  return {
    name: 'prod',
    app: 'app',
    hosts: ['web1'],
    path: '/srv/app',
    unit: 'app',
    keep: 3,
    shared: [],
    sudo: true,
    ssh: { connectTimeout: 5, commandTimeout: 600, stallTimeout: 60 },
    configFile: '/x/hosts.ts',
    configDir: '/x',
    ...overrides,
  };
}
