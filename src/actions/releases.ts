/** `ship releases <stage>`: per host, every release with time, who, commit, state and size. */
import { eachHost } from '../output/tasks.js';
import type { Session } from '../session/session.js';
import { ExitCode } from '../errors.js';
import { release as rel } from '../remote/release.js';
import { parseInventory, releaseState, type Inventory } from '../host/inventory.js';
import { describeFailure } from '../output/failures.js';

export async function listReleases(session: Session): Promise<number> {
  const { output, stage } = session;
  const outcomes = await eachHost(output, session.hosts, async (host) => {
    const connection = await session.real(host);
    return parseInventory((await connection.run(rel.inventory({ root: stage.path }), { readOnly: true })).stdout);
  });
  let failed = 0;
  const rows: string[][] = [];
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      failed++;
      output.notice(`failed: ${describeFailure(outcome.error)}`, outcome.host);
      continue;
    }
    rows.push(...releaseRows(outcome.host, outcome.value));
  }
  output.table(['HOST', 'RELEASE', 'TIME', 'WHO', 'COMMIT', 'STATE', 'SIZE'], rows, 'release');
  return failed > 0 ? ExitCode.failed : ExitCode.ok;
}

export function releaseRows(host: string, inv: Inventory): string[][] {
  if (inv.releases.length === 0) return [[host, '(none)', '', '', '', '', '']];
  return inv.releases.map((r) => {
    const deployed = inv.log.find((e) => e.release === r.id && e.result !== 'rollback');
    return [
      host,
      r.id,
      deployed?.time.replace(/\.\d+Z$/, 'Z') ?? '',
      deployed ? `${deployed.user ?? '?'}@${deployed.origin ?? '?'}` : '',
      deployed?.commit ?? '',
      releaseState(inv, r.id),
      r.kb >= 1024 ? `${(r.kb / 1024).toFixed(1)} MB` : `${r.kb} KB`,
    ];
  });
}
