import { describe, expect, it } from 'vitest';
import * as ship from '../../../src/index.js';
import type { HostsInput } from '../../../src/index.js';
import { defineHosts } from '../../../src/config/define.js';

describe('defineHosts', () => {
  it('returns its argument as is: validation happens when ship loads the file', () => {
    const config: HostsInput = { app: 'hello', stages: { prod: { hosts: ['web1'], path: '/srv/hello' } } };
    expect(ship.defineHosts(config)).toBe(config);
    expect(ship.defineHosts).toBe(defineHosts);
  });

  it('rejects unknown fields at compile time (the type-check fails if it does not)', () => {
    const config = ship.defineHosts({
      app: 'hello',
      // @ts-expect-error: `kep` is not a field; editors suggest `keep`
      stages: { prod: { hosts: ['web1'], path: '/srv/hello', kep: 5 } },
    });
    // At run time it is still returned as is: the loader's validation names the field.
    expect(config).toMatchObject({ stages: { prod: { kep: 5 } } });
  });
});
