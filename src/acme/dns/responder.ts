/**
 * DNS-01 answered with RFC 2136 updates: each challenge's TXT record goes to
 * `_acme-challenge.<name>` through `certs.dns.server`; the CA is told to look only once every
 * authoritative server of the zone answers all of them; afterwards each record is deleted again
 * (just that value: a wildcard and its base name share the record name).
 */
import { readFile } from 'node:fs/promises';
import type { ResolvedDns } from '../../config/types.js';
import { ExitCode, ShipError } from '../../errors.js';
import type { ChallengeResponder } from '../order.js';
import { authoritativeServers, waitForRecords, type Lookups, type TxtRecord } from './authoritative.js';
import { parseKeyFile, type TsigKey } from './tsig.js';
import { addTxt, DnsUpdateError, deleteTxt, formatServer, parseServer, sendUpdate } from './update.js';

/** Short: a record left behind by a killed run goes stale quickly in caches. */
const TTL = 60;

export interface DnsResponderOptions {
  dns: ResolvedDns;
  key: TsigKey;
  log: (text: string) => void;
  /** A problem worth telling the user that does not stop the order. */
  warn: (text: string) => void;
  lookups?: Lookups;
}

/** The key in `certs.dns.keyFile`, or an error saying how to make one. */
export async function loadTsigKey(dns: ResolvedDns): Promise<TsigKey> {
  let text: string;
  try {
    text = await readFile(dns.keyFile, 'utf8');
  } catch (error) {
    throw new ShipError(
      `cannot read the TSIG key file ${dns.keyFile} (certs.dns.keyFile): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        exitCode: ExitCode.config,
        hint: `make one with \`tsig-keygen -a hmac-sha256 acme-${dns.zone} > ${dns.keyFile}\` and allow that key to update ${dns.zone} on ${dns.server}`,
      },
    );
  }
  try {
    return parseKeyFile(text);
  } catch (error) {
    throw new ShipError(`${dns.keyFile} (certs.dns.keyFile) is not a TSIG key file: ${(error as Error).message}`, {
      exitCode: ExitCode.config,
      hint: `write it in BIND's format, as \`tsig-keygen -a hmac-sha256 NAME\` prints it`,
    });
  }
}

export function dnsResponder(options: DnsResponderOptions): ChallengeResponder {
  const { dns, key } = options;
  const server = parseServer(dns.server);
  const records = new Map<string, TxtRecord>();
  return {
    type: 'dns-01',
    async place(identifier, token, value) {
      const record = { name: `_acme-challenge.${identifier}`, value };
      // Before sending: if the update is applied but its answer lost, `remove` still deletes it.
      records.set(token, record);
      try {
        await sendUpdate(server, dns.zone, [addTxt(record.name, value, TTL)], key);
      } catch (error) {
        // A server that answered with a refusal applied nothing: there is nothing to remove.
        if (error instanceof DnsUpdateError && error.rcode) records.delete(token);
        throw new ShipError(`could not add the DNS-01 record ${record.name} TXT: ${(error as Error).message}`, {
          hint: `check that ${dns.server} takes updates of ${dns.zone} signed with the key "${key.name}" in ${dns.keyFile} (BIND: update-policy { grant ${key.name} zonesub TXT; };)`,
        });
      }
      options.log(`added ${record.name} TXT on ${formatServer(server)}`);
    },
    async ready() {
      try {
        const servers = await authoritativeServers(dns.zone, server, options.lookups);
        options.log(`authoritative servers of ${dns.zone}: ${servers.map((s) => `${s.name} (${s.address})`).join(', ')}`);
        await waitForRecords(servers, [...records.values()], {
          timeoutMs: dns.timeout * 1000,
          log: options.log,
          ...(options.lookups ? { lookups: options.lookups } : {}),
        });
      } catch (error) {
        throw new ShipError(
          `the DNS-01 records for ${[...new Set([...records.values()].map((r) => r.name))].join(', ')} did not reach every name server of ${dns.zone}: ${(error as Error).message}`,
          {
            hint: `check that every name server of ${dns.zone} gets the zone's changes from ${dns.server} (NOTIFY and zone transfers), or give them longer with certs.dns.timeout (now ${dns.timeout} s)`,
          },
        );
      }
    },
    async remove(token) {
      const record = records.get(token);
      if (!record) return;
      records.delete(token);
      try {
        await sendUpdate(server, dns.zone, [deleteTxt(record.name, record.value)], key);
        options.log(`removed ${record.name} TXT from ${formatServer(server)}`);
      } catch (error) {
        options.warn(
          `could not remove the DNS-01 record ${record.name} TXT "${record.value}" from ${formatServer(server)}: ${(error as Error).message}; remove it by hand`,
        );
      }
    },
  };
}
