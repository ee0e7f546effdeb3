import { describe, expect, it } from 'vitest';
import * as ship from '../../../src/index.js';
import type { HostsInput } from '../../../src/index.js';

describe('defineHosts', () => {
  it('returns its argument as is: validation happens when ship loads the file', () => {
    const config: HostsInput = { app: 'hello', stages: { prod: { hosts: ['web1'], path: '/srv/hello' } } };
    expect(ship.defineHosts(config)).toBe(config);
  });

  it('rejects unknown fields at compile time', () => {
    ship.defineHosts({
      app: 'hello',
      // @ts-expect-error: `kep` is not a field; editors suggest `keep`
      stages: { prod: { hosts: ['web1'], path: '/srv/hello', kep: 5 } },
    });
  });
});
