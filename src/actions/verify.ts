/**
 * `ship verify <stage> [release]`: every host's `current` (or the release named) against the
 * manifest it was deployed with: files changed, missing or added since, modes, links, a release
 * that is now a symlink to elsewhere, a `current` that points anywhere but releases/<id> here.
 * Drift and tampering, in one table; exit 1 on any difference.
 *
 * Shared entries are not release content: each must be exactly the link to this deploy path's
 * shared/ the deploy made. Only files whose size is still the manifest's are read (hashed), with
 * a deadline (--deadline), so nothing a release holds (a FIFO, a huge sparse file) makes a
 * monitoring check hang. The manifest is the one stored on the host beside the release, so
 * someone who can rewrite the deploy path can rewrite it too: this finds drift and careless
 * tampering, not a careful attacker who owns the deploy path.
 */
import { paths, release as rel } from '../remote/release.js';
import { DEADLINE_PASSED, verifyCommands } from '../remote/verify.js';
import { ExitCode, ShipError } from '../errors.js';
import { eachHost } from '../output/tasks.js';
import { compareManifests, parseManifest, type Difference, type Manifest } from '../release/manifest.js';
import { parseReport } from '../release/report.js';
import type { Session } from '../session/session.js';
import type { Connection } from '../transport/types.js';
import { describeFailure } from '../output/failures.js';

interface Verdict {
  release: string;
  differences: Difference[];
}

export async function verifyReleases(session: Session, named: string | undefined, deadline: number): Promise<number> {
  const { output, stage } = session;
  const layout = { root: stage.path };
  const outcomes = await eachHost(output, session.hosts, async (host): Promise<Verdict> => {
    const connection = await session.real(host);
    const id = named ?? (await connection.run(rel.readCurrent(layout), { readOnly: true })).stdout.trim();
    if (!id) throw new ShipError(`${host}: nothing deployed: ${paths.current(layout)} does not exist`, { host });
    const read = await collect(connection, verifyCommands.read(layout, id));
    const facts = parseFacts(read);
    const listed = parseReport(read);
    const manifest = parseManifest(listed.manifest ?? '');
    if (!manifest) {
      throw new ShipError(`${host}: release ${id} has no manifest (deployed by a ship older than 0.2, or its manifest was removed)`, {
        host,
        hint: 'deploy it again to have one',
      });
    }
    const wanted = toHash(manifest, listed.actual);
    const hashed = await collect(connection, verifyCommands.hash(layout, id, deadline), wanted.map((p) => `${p}\0`).join(''));
    const report = parseReport(`${read}\0hashes\0${hashed}`);
    const late = new Set(hashed.includes(`\0${DEADLINE_PASSED}\0`) ? unhashed(report.actual, wanted) : []);
    const actual = { ...report.actual, entries: report.actual.entries.filter((e) => !late.has(e.path)) };
    const expected = { ...manifest, entries: manifest.entries.filter((e) => !late.has(e.path)) };
    const differences = compareManifests(...withoutShared(expected, actual, stage.shared, facts.root));
    if (late.size > 0)
      differences.unshift({
        path: '.',
        kind: 'changed',
        detail: `hashing stopped at the deadline of ${deadline} s: ${late.size} file(s) not checked; give it longer with --deadline`,
      });
    if (report.where && report.where !== 'here')
      differences.unshift({ path: '.', kind: 'changed', detail: `releases/${id} is a symlink to ${report.where}` });
    // ship writes current as exactly `releases/<id>`, relative: anything else points elsewhere, or may.
    if (named === undefined && facts.current !== `releases/${id}`)
      differences.unshift({ path: 'current', kind: 'changed', detail: `target releases/${id} -> ${facts.current}` });
    return { release: id, differences };
  });
  const rows: string[][] = [];
  let bad = false;
  for (const o of outcomes) {
    if (!o.ok) {
      bad = true;
      rows.push([o.host, '', 'error', describeFailure(o.error, o.host)]);
      continue;
    }
    if (o.value.differences.length === 0) rows.push([o.host, o.value.release, 'ok', '']);
    for (const d of o.value.differences) {
      bad = true;
      rows.push([o.host, o.value.release, d.kind, d.detail && d.kind === 'changed' ? `${d.path} (${d.detail})` : d.path]);
    }
  }
  output.table(['HOST', 'RELEASE', 'RESULT', 'PATH'], rows, 'verify');
  return bad ? ExitCode.failed : ExitCode.ok;
}

/** A read-only command's whole stdout. */
async function collect(connection: Connection, command: Parameters<Connection['run']>[0], stdin?: string): Promise<string> {
  let text = '';
  await connection.run(command, {
    readOnly: true,
    onStdout: (t) => (text += t),
    ...(stdin === undefined ? {} : { stdin, stdinLabel: 'paths to hash' }),
  });
  return text;
}

/** `root` and `current` from the head of verifyCommands.read's output. */
function parseFacts(text: string): { root: string; current: string } {
  const [root = '', current = ''] = text.split('\0', 2).map((t, i) => t.slice((i === 0 ? 'root ' : 'current ').length));
  return { root, current };
}

/** Files worth reading: regular files now whose size is still the manifest's (any other differs unread). */
function toHash(expected: Manifest, actual: Manifest): string[] {
  const size = new Map(expected.entries.filter((e) => e.type === 'file').map((e) => [e.path, e.size]));
  return actual.entries.filter((e) => e.type === 'file' && size.has(e.path) && size.get(e.path) === e.size).map((e) => e.path);
}

function unhashed(actual: Manifest, wanted: readonly string[]): string[] {
  const done = new Set(actual.entries.filter((e) => e.sha256).map((e) => e.path));
  return wanted.filter((p) => !done.has(p));
}

/**
 * Shared entries (`.env`, `uploads/`) are links into shared/ in a deployed release, whatever the
 * build had there: expect exactly the link the deploy writes (`<deploy path>/shared/<name>`, by
 * the deploy path's physical path), and nothing of the build at or below that path.
 */
function withoutShared(expected: Manifest, actual: Manifest, shared: readonly string[], root: string): [Manifest, Manifest] {
  const names = shared.map((s) => s.replace(/\/$/, ''));
  const under = (path: string, name: string) => path === name || path.startsWith(`${name}/`);
  const keep = (m: Manifest) => ({ ...m, entries: m.entries.filter((e) => !names.some((n) => under(e.path, n))) });
  const want = keep(expected);
  const got = keep(actual);
  // The directories above a nested entry (public/ for public/uploads/) the deploy makes when the build had none.
  const made = new Set(
    names.flatMap((n) =>
      n
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  const built = new Set(want.entries.map((e) => e.path));
  got.entries = got.entries.filter((e) => !(e.type === 'dir' && made.has(e.path) && !built.has(e.path)));
  for (const name of names) {
    const link = actual.entries.find((e) => e.path === name);
    // The expected side holds what should be there; a wrong one shows as changed.
    want.entries.push({ path: name, type: 'link', mode: 0o777, target: `${root}/shared/${name}` });
    got.entries.push(link ?? { path: name, type: 'link', mode: 0o777, target: '(missing)' });
  }
  return [want, got];
}
