#!/usr/bin/env node
// `npm run bench`: build, then the benchmarks of issues 2, 3 and 11 one after the other (each
// boots and stops its own test lab), then one summary with the ratios. Needs root. About 9 minutes.
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
  const d = bench('deploy', 920);
  const m = bench('memory', 920);
  const fl = bench('fleet', 1520);
  const f = (n, digits = 2) => n.toFixed(digits);
  process.stdout.write(`
summary (ratio = ship / OpenSSH; below 1 means ship is faster)
  issue 2  ${t.sequential.commands} sequential commands   ship ${f(t.sequential.shipMsPerCmd)} ms/cmd   ssh+ControlMaster ${f(t.sequential.opensshMsPerCmd)} ms/cmd   ratio ${f(t.sequential.ratio)}   (target <= 1)
  issue 2  connect ${t.parallelConnect.hosts} hosts in parallel   ship ${f(t.parallelConnect.shipMs, 0)} ms   ssh ${f(t.parallelConnect.opensshMs, 0)} ms   ratio ${f(t.parallelConnect.ratio)}
  issue 3  deploy ${d.mb} MB to ${d.hosts} hosts      ship ${f(d.shipS)} s   OpenSSH script ${f(d.opensshS)} s   ratio ${f(d.ratio)}   (target <= 1)
  issue 3  peak RSS, ${m.large.releaseMb} MB release   ${f(m.large.peakRssMb, 1)} MB (1 MB release: ${f(m.small.peakRssMb, 1)} MB)   target < ${m.limitMb} MB: ${m.ok ? 'met' : 'NOT met'}
  issue 11 deploy to ${fl.hosts} hosts   batches of ${fl.batch} ${f(fl.batchedS)} s   all at once ${f(fl.allS)} s   ratio ${f(fl.ratio)}   (the price of restarting ${fl.batch} at a time)
`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
