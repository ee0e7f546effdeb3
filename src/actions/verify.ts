/**
 * `ship verify <stage> [release]`: every host's `current` (or the release named) against the
 * manifest it was deployed with: files changed, missing or added since, modes, links, a release
 * that is now a symlink to elsewhere. Drift and tampering, in one table; exit 1 on any difference.
 *
 * Shared entries are not release content: each must be the link to shared/ the deploy made.
 * The manifest is the one stored on the host beside the release, so someone who can rewrite the
 * deploy path can rewrite it too: this finds drift and careless tampering, not a careful attacker
 * who owns the deploy path.
 */
import { paths, release as rel } from '../remote/release.js';
import { upload } from '../remote/upload.js';
import { ExitCode, ShipError } from '../errors.js';
import { eachHost } from '../output/tasks.js';
import { compareManifests, parseManifest, type Difference, type Manifest } from '../release/manifest.js';
import { parseReport } from '../release/report.js';
import type { Session } from '../session/session.js';
import { describeFailure } from '../output/failures.js';

interface Verdict {
  release: string;
  differences: Difference[];
}

export async function verifyReleases(session: Session, named: string | undefined): Promise<number> {
  const { output, stage } = session;
  const layout = { root: stage.path };
  const outcomes = await eachHost(output, session.hosts, async (host): Promise<Verdict> => {
    const connection = await session.real(host);
    const id = named ?? (await connection.run(rel.readCurrent(layout), { readOnly: true })).stdout.trim();
    if (!id) throw new ShipError(`${host}: nothing deployed: ${paths.current(layout)} does not exist`, { host });
    let text = '';
    await connection.run(upload.report(layout, id), { readOnly: true, onStdout: (t) => (text += t) });
    const report = parseReport(text);
    const manifest = parseManifest(report.manifest ?? '');
    if (!manifest) {
      throw new ShipError(`${host}: release ${id} has no manifest (deployed by a ship older than 0.2, or its manifest was removed)`, {
        host, hint: 'deploy it again to have one',
      });
    }
    const differences = compareManifests(...withoutShared(manifest, report.actual, stage.shared));
    if (report.where && report.where !== 'here') differences.unshift({ path: '.', kind: 'changed', detail: `releases/${id} is a symlink to ${report.where}` });
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

/**
 * Shared entries (`.env`, `uploads/`) are links into shared/ in a deployed release, whatever the
 * build had there: expect exactly that link, and nothing of the build at or below that path.
 */
function withoutShared(expected: Manifest, actual: Manifest, shared: readonly string[]): [Manifest, Manifest] {
  const names = shared.map((s) => s.replace(/\/$/, ''));
  const under = (path: string, name: string) => path === name || path.startsWith(`${name}/`);
  const keep = (m: Manifest) => ({ ...m, entries: m.entries.filter((e) => !names.some((n) => under(e.path, n))) });
  const want = keep(expected);
  const got = keep(actual);
  for (const name of names) {
    const link = actual.entries.find((e) => e.path === name);
    const ok = link?.type === 'link' && link.target?.endsWith(`/shared/${name}`);
    // The expected side holds what should be there; a wrong one shows as changed.
    want.entries.push({ path: name, type: 'link', mode: 0o777, target: `<path>/shared/${name}` });
    got.entries.push(ok ? { path: name, type: 'link', mode: 0o777, target: `<path>/shared/${name}` } : link ?? { path: name, type: 'link', mode: 0o777, target: '(missing)' });
  }
  return [want, got];
}
