/**
 * "Every authoritative server answers the record": the CA may ask any server in the zone's NS
 * set, so DNS-01 is only ready once each of them has the new TXT records, not just the server
 * ship updated (secondaries catch up by NOTIFY and zone transfer, some time later).
 *
 * The NS set and the servers' addresses are asked of the updated server, which is authoritative
 * for names inside the zone; names outside it are looked up as this machine looks up any name.
 * Each server is then asked directly, without recursion or caches in between.
 */
import { Resolver } from 'node:dns/promises';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { formatServer, type DnsServer } from './update.js';

export interface NameServer {
  /** As in the NS record, e.g. ns2.example.com. */
  name: string;
  address: string;
}

export interface TxtRecord {
  name: string;
  value: string;
}

/** How servers are asked; node:dns by default, a stand-in in unit tests. */
export interface Lookups {
  ns(zone: string, via: DnsServer): Promise<string[]>;
  addresses(name: string, via: DnsServer): Promise<string[]>;
  txt(name: string, server: string): Promise<string[]>;
}

const QUERY = { timeout: 3_000, tries: 1 };

function resolverFor(server: DnsServer | string): Resolver {
  const resolver = new Resolver(QUERY);
  resolver.setServers([typeof server === 'string' ? server : formatServerForResolver(server)]);
  return resolver;
}

/** node:dns wants `[v6]:port` or `v4:port`; a name must be an address first. */
function formatServerForResolver(server: DnsServer): string {
  return isIP(server.host) === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

export const nodeLookups: Lookups = {
  ns: async (zone, via) => resolverFor(await addressed(via)).resolveNs(zone),
  addresses: async (name, via) => {
    const resolver = resolverFor(await addressed(via));
    const found = (await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)])).flatMap((r) =>
      r.status === 'fulfilled' ? r.value : [],
    );
    if (found.length > 0) return found;
    // Outside the zone (ns1.provider.net): the updated server need not know; ask as usual.
    return (await lookup(name, { all: true })).map((a) => a.address);
  },
  txt: async (name, server) => (await resolverFor(server).resolveTxt(name)).map((chunks) => chunks.join('')),
};

async function addressed(server: DnsServer): Promise<DnsServer> {
  return isIP(server.host) ? server : { host: (await lookup(server.host)).address, port: server.port };
}

/** Every address of every server in the zone's NS set. */
export async function authoritativeServers(zone: string, via: DnsServer, lookups: Lookups = nodeLookups): Promise<NameServer[]> {
  let names: string[];
  try {
    names = await lookups.ns(zone, via);
  } catch (error) {
    throw new Error(`cannot read the NS records of ${zone} from ${formatServer(via)}: ${reason(error)}`);
  }
  if (names.length === 0) throw new Error(`${formatServer(via)} lists no NS records for ${zone}`);
  const servers = await Promise.all(
    names.map(async (name) => {
      try {
        return (await lookups.addresses(name, via)).map((address) => ({ name, address }));
      } catch (error) {
        throw new Error(`cannot find the address of ${name}, a name server of ${zone}: ${reason(error)}`);
      }
    }),
  );
  return servers.flat();
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  lookups?: Lookups;
  /** Said once per server while it lacks a record, and once when it has them all. */
  log?: (text: string) => void;
}

/** Resolves once every server answers every record; rejects naming those that did not in time. */
export async function waitForRecords(servers: readonly NameServer[], records: readonly TxtRecord[], options: WaitOptions): Promise<void> {
  const lookups = options.lookups ?? nodeLookups;
  const deadline = Date.now() + options.timeoutMs;
  const pending = new Map(servers.map((s) => [s, '']));
  for (;;) {
    await Promise.all(
      [...pending.keys()].map(async (server) => {
        const missing = await lacking(server, records, lookups);
        const label = `${server.name} (${server.address})`;
        if (missing === undefined) {
          pending.delete(server);
          options.log?.(`${label} answers the DNS-01 record${records.length === 1 ? '' : 's'}`);
        } else if (pending.get(server) !== missing) {
          pending.set(server, missing);
          options.log?.(`waiting for ${label}: ${missing}`);
        }
      }),
    );
    if (pending.size === 0) return;
    if (Date.now() >= deadline) {
      const list = [...pending].map(([s, why]) => `${s.name} (${s.address}): ${why}`).join('; ');
      throw new Error(`not every authoritative server answered within ${Math.round(options.timeoutMs / 1000)} s: ${list}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 2_000));
  }
}

/** Why a server does not have the records yet, or undefined when it has them all. */
async function lacking(server: NameServer, records: readonly TxtRecord[], lookups: Lookups): Promise<string | undefined> {
  for (const name of new Set(records.map((r) => r.name))) {
    let values: string[];
    try {
      values = await lookups.txt(name, server.address);
    } catch (error) {
      return `${name} TXT: ${reason(error)}`;
    }
    const absent = records.filter((r) => r.name === name && !values.includes(r.value));
    if (absent.length > 0) return `${name} TXT lacks ${absent.length === 1 ? 'the new value' : `${absent.length} new values`}`;
  }
  return undefined;
}

/** node:dns codes say what happened better than its messages. */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENODATA: 'no such record yet',
    ENOTFOUND: 'no such name yet',
    ETIMEOUT: 'no answer',
    ECONNREFUSED: 'connection refused',
    EREFUSED: 'refused',
  };
  return (code && known[code]) ?? (error instanceof Error ? error.message : String(error));
}
