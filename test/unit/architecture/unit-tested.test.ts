/**
 * Every module of src/ with logic has a unit test that imports it directly, so a reader finds
 * its tests by name and a change to it fails a test that is about it. The exceptions are listed
 * below, each with its reason; the lists must stay exact (an entry that gets a test, or stops
 * existing, must leave them).
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, root, sourceFiles } from './import-graph.js';

/** No logic at all: types and interfaces only. */
const TYPES_ONLY: Record<string, string> = {
  'cli/types.ts': 'the shapes of the CLI wiring (options, actions)',
  'config/types.ts': "hosts.ts's input shapes and the resolved stage",
  'transport/types.ts': 'the Connection interface, its options and results',
  'remote/stream-codec.ts': 'the names of the stream codecs',
  'systemd/service.ts': 'the resolved service and stage fields a unit file names',
};

/** Logic that is only I/O against real hosts, a CA or commander, run by the e2e tests. */
const IO_COVERED_BY_E2E: Record<string, string> = {
  'acme/confirm.ts': 'a TLS handshake through the SSH tunnel (e2e certs.test.ts)',
  'acme/directory.ts': "fetching the CA's directory (e2e certs tests against Pebble)",
  'acme/dns/responder.ts': 'RFC 2136 updates to a real DNS server (e2e certs-dns.test.ts)',
  'acme/files.ts': 'writing secret files locally, temp then rename (e2e certs tests)',
  'acme/install.ts': 'staging and swapping certificate files on hosts (e2e certs.test.ts)',
  'acme/order.ts': 'acme-client calls against a CA (e2e certs tests against Pebble)',
  'acme/read.ts': 'reading chains over SSH; the parsing is x509.ts (e2e certs.test.ts)',
  'actions/certs-cron.ts': 'reads and writes the crontab (e2e certs tests)',
  'actions/certs-renew.ts': 'ship certs renew over hosts and a CA (e2e certs tests)',
  'actions/certs-stages.ts': 'loads hosts.ts for the certs commands (e2e certs tests)',
  'actions/certs-status.ts': 'ship certs status over hosts (e2e certs tests)',
  'actions/doctor.ts': 'ship doctor over hosts (e2e)',
  'actions/env-diff.ts': 'ship env diff over hosts; the comparison is systemd/env-keys.ts (e2e env.test.ts)',
  'actions/exec.ts': 'ship exec over hosts (e2e)',
  'actions/lock.ts': 'ship lock status|release over hosts (e2e)',
  'actions/logs.ts': 'ship logs over hosts (e2e)',
  'actions/releases.ts': 'ship releases over hosts (e2e)',
  'actions/verify.ts': 'ship verify over hosts (e2e)',
  'cli/certs.ts': 'commander wiring; e2e runs the real CLI',
  'cli/deploy.ts': 'commander wiring; e2e runs the real CLI',
  'cli/env.ts': 'commander wiring; e2e runs the real CLI',
  'cli/project.ts': 'commander wiring; e2e runs the real CLI',
  'cli/ship-api.ts': 'one dynamic import for the loaders; e2e runs the real CLI',
  'transport/ssh-interactive.ts': 'an ssh2 channel with or without a PTY, attached to stdio (e2e console.test.ts)',
  'output/tasks.ts': 'listr2 or plain progress lines on a terminal (e2e reads the plain lines)',
};

/**
 * Modules with logic that still have no unit test of their own. Empty: a new module comes with
 * its test; do not add to it.
 */
const OWED: Record<string, string> = {};

const tests = resolve(import.meta.dirname, '..');

/**
 * src/ modules (relative to src/) that no unit test file imports directly, or through a table of
 * cases it checks (`*-cases.ts`, such as remote/command-cases.ts: one exact-output case per
 * builder). Other helpers do not count: a fake server imports src/ to run, not to test it.
 */
function untested(): string[] {
  const modules = sourceFiles(root);
  const specs = sourceFiles(tests).filter((file) => file.endsWith('.test.ts'));
  const tables = sourceFiles(tests).filter((file) => file.endsWith('-cases.ts'));
  // A test that only imports a module's types does not run it.
  const code = (file: string) => {
    const text = readFileSync(file, 'utf8');
    return file.startsWith(root)
      ? text
      : text.replace(/^import type [^;]+;$/gm, '').replace(/^import \{(\s*type \w+,?)+\s*\} from [^;]+;$/gm, '');
  };
  const graph = importGraph([...modules, ...specs, ...tables], code);
  const direct = (file: string) => graph.get(file) ?? [];
  const imported = new Set(specs.flatMap((spec) => direct(spec).flatMap((m) => (tables.includes(m) ? direct(m) : [m]))));
  return modules
    .filter((m) => !imported.has(m))
    .map((m) => relative(root, m))
    .sort();
}

describe('unit tests of src/', () => {
  it('every module with logic has a unit test that imports it; the exceptions are exactly the lists', () => {
    const listed = { ...TYPES_ONLY, ...IO_COVERED_BY_E2E, ...OWED };
    for (const [file, why] of Object.entries(listed)) expect(why, file).not.toBe('');
    const found = untested();
    const missing = found.filter((file) => !(file in listed));
    const stale = Object.keys(listed).filter((file) => !found.includes(file));
    expect(missing, `src/ modules without a unit test that imports them (write one):\n${missing.join('\n')}`).toEqual([]);
    expect(stale, `listed as untested but now imported by a unit test, or gone (remove from the list):\n${stale.join('\n')}`).toEqual([]);
  });
});
