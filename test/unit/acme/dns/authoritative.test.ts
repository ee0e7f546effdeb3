import { describe, expect, it } from 'vitest';
import { authoritativeServers, waitForRecords, type Lookups } from '../../../../src/acme/dns/authoritative.js';

const via = { host: '192.0.2.53', port: 53 };
const servers = [
  { name: 'ns1.example.com', address: '192.0.2.53' },
  { name: 'ns2.example.com', address: '192.0.2.54' },
];
const records = [
  { name: '_acme-challenge.example.com', value: 'v-wild' },
  { name: '_acme-challenge.example.com', value: 'v-base' },
];

/** Lookups where ns2 catches up only after `lag` queries, as a secondary does after NOTIFY. */
function lagging(lag: number): Lookups & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    ns: async () => ['ns1.example.com', 'ns2.example.com'],
    addresses: async (name) => (name === 'ns1.example.com' ? ['192.0.2.53'] : ['192.0.2.54']),
    txt: async (_name, server) => {
      asked.push(server);
      if (server === '192.0.2.54' && asked.filter((s) => s === server).length <= lag) {
        return asked.filter((s) => s === server).length === 1
          ? Promise.reject(Object.assign(new Error('x'), { code: 'ENODATA' }))
          : ['v-wild'];
      }
      return ['v-base', 'v-wild', 'an old one'];
    },
  };
}

describe('waiting for every authoritative server', () => {
  it('finds every address of every server in the NS set', async () => {
    expect(await authoritativeServers('example.com', via, lagging(0))).toEqual(servers);
  });

  it('names the zone and server when the NS set cannot be read', async () => {
    const lookups = { ...lagging(0), ns: () => Promise.reject(Object.assign(new Error('queryNs EREFUSED'), { code: 'EREFUSED' })) };
    await expect(authoritativeServers('example.com', via, lookups)).rejects.toThrow(
      'cannot read the NS records of example.com from 192.0.2.53: refused',
    );
  });

  it('returns once every server has every value, and not before', async () => {
    const lookups = lagging(2);
    const log: string[] = [];
    await waitForRecords(servers, records, { timeoutMs: 60_000, intervalMs: 1, lookups, log: (t) => log.push(t) });
    // ns2 was asked until it answered both values; ns1 only until it did.
    expect(lookups.asked.filter((s) => s === '192.0.2.54')).toHaveLength(3);
    expect(lookups.asked.filter((s) => s === '192.0.2.53')).toHaveLength(1);
    expect(log).toEqual([
      'ns1.example.com (192.0.2.53) answers the DNS-01 records',
      'waiting for ns2.example.com (192.0.2.54): _acme-challenge.example.com TXT: no such record yet',
      'waiting for ns2.example.com (192.0.2.54): _acme-challenge.example.com TXT lacks the new value',
      'ns2.example.com (192.0.2.54) answers the DNS-01 records',
    ]);
  });

  it('gives up after the timeout, naming the servers that lack the records and why', async () => {
    await expect(waitForRecords(servers, records, { timeoutMs: 0, intervalMs: 1, lookups: lagging(1000) })).rejects.toThrow(
      'not every authoritative server answered within 0 s: ns2.example.com (192.0.2.54): _acme-challenge.example.com TXT: no such record yet',
    );
  });
});
