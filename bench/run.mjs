#!/usr/bin/env node
// `npm run bench`: build, then the benchmarks of issues 2, 3, 10, 11 and 19 one after the other (each
// boots and stops its own test lab; manifest.ts needs none), then one summary with the ratios. Needs
// root. About 9 minutes, plus about 25 for tree-deploy.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'ship-bench-results-'));
const run = (cmd, args, timeoutS) => {
  const r = spawnSync(cmd, args, { cwd: repo, stdio: 'inherit', timeout: timeoutS * 1000, killSignal: 'SIGTERM' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
};
const bench = (name, timeoutS) => {
  run(join(repo, 'node_modules/.bin/jiti'), [`bench/${name}.ts`, '--json', join(out, `${name}.json`)], timeoutS);
  return JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8'));
};

try {
  run('npm', ['run', '--silent', 'build'], 300);
  const t = bench('transport', 320);
  const d = bench('deploy', 1520);
  const m = bench('memory', 920);
  const fl = bench('fleet', 1520);
  const mf = bench('manifest', 120);
  const tr = bench('tree-deploy', 2400);
  const f = (n, digits = 2) => n.toFixed(digits);
  process.stdout.write(`
summary (ratio = ship / OpenSSH; below 1 means ship is faster)
  issue 2  ${t.sequential.commands} sequential commands   ship ${f(t.sequential.shipMsPerCmd)} ms/cmd   ssh+ControlMaster ${f(t.sequential.opensshMsPerCmd)} ms/cmd   ratio ${f(t.sequential.ratio)}   (target <= 1)
  issue 2  connect ${t.parallelConnect.hosts} hosts in parallel   ship ${f(t.parallelConnect.shipMs, 0)} ms   ssh ${f(t.parallelConnect.opensshMs, 0)} ms   ratio ${f(t.parallelConnect.ratio)}
  issue 10 cold ${d.mb} MB to ${d.hosts} hosts, confirm 0      ship ${f(d.cold.shipConfirm0S)} s   OpenSSH script ${f(d.cold.scriptS)} s   ratio ${f(d.cold.shipConfirm0S / d.cold.scriptS)}   (target <= 0.8)
  issue 10 cold ${d.mb} MB to ${d.hosts} hosts, default confirm   ship ${f(d.cold.shipDefaultS)} s   script + 1.5 s ${f(d.cold.scriptS + 1.5)} s   ratio ${f(d.cold.shipDefaultS / (d.cold.scriptS + 1.5))}   (target <= 1)
  issue 10 redeploy, one 10 KB file changed    ship ${f(d.redeployS)} s   ship cold ${f(d.cold.shipConfirm0S)} s   ratio ${f(d.redeployS / d.cold.shipConfirm0S)}   (target <= 0.2)
  issue 10 1 MB to 1 host, confirm 0           ship ${f(d.smallS)} s   (target <= 1.0 s)
  issue 10 1 MB, 1 -> ${d.scale.at(-1).hosts} hosts               ship ${f(d.scale.at(-1).shipS / d.scale[0].shipS)}x (${d.scale.map((x) => `${x.hosts}: ${f(x.shipS)} s`).join(', ')})   OpenSSH script ${f(d.scale.at(-1).scriptS / d.scale[0].scriptS)}x   (target <= 1.3x)
  issue 10 ship --version                      ${f(d.versionS, 3)} s   node -e 0 ${f(d.nodeS, 3)} s   (target <= 0.12 s)
  issue 3  peak RSS, ${m.large.releaseMb} MB release   ${f(m.large.peakRssMb, 1)} MB (1 MB release: ${f(m.small.peakRssMb, 1)} MB)   target < ${m.limitMb} MB: ${m.ok ? 'met' : 'NOT met'}
  issue 11 deploy to ${fl.hosts} hosts   batches of ${fl.batch} ${f(fl.batchedS)} s   all at once ${f(fl.allS)} s   ratio ${f(fl.ratio)}   (the price of restarting ${fl.batch} at a time)
  issue 19 manifest of an unchanged ${mf.files}-file tree   ${f(mf.freshS, 3)} s in a fresh process (${f(mf.warmS, 3)} s warm in one; cold ${f(mf.coldS)} s)   (target <= 0.3 s)
  issue 19 tree of ${tr.files} files cold to ${tr.hosts} hosts   ship ${f(tr.cold.shipS)} s   OpenSSH script ${f(tr.cold.scriptS)} s   ratio ${f(tr.cold.shipS / tr.cold.scriptS)}   (target <= 0.8)
  issue 19 tree redeploy, one file changed   ship ${f(tr.redeployS)} s   script's full deploy ${f(tr.cold.scriptS)} s   ratio ${f(tr.redeployS / tr.cold.scriptS)}   (target <= 0.2)
  issue 19 tree redeploy / ship's own cold   ${f(tr.redeployS)} s / ${f(tr.cold.shipS)} s   ratio ${f(tr.redeployS / tr.cold.shipS)}   (target <= 0.25)
  issue 19 tree cold, 1 -> ${tr.scale.at(-1).hosts} hosts   ship ${f(tr.scale.at(-1).shipS / tr.scale[0].shipS)}x (${tr.scale.map((x) => `${x.hosts}: ${f(x.shipS)} s`).join(', ')})   OpenSSH script ${f(tr.scale.at(-1).scriptS / tr.scale[0].scriptS)}x (${tr.scale.map((x) => `${x.hosts}: ${f(x.scriptS)} s`).join(', ')})
`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
