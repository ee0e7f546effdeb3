/**
 * Issue 2: ship's SSH transport against OpenSSH.
 *
 *   npm run build && npx jiti bench/transport.ts [--commands 200] [--rounds 5] [--lab 6] [--json FILE]
 *
 * 1. Sequential: `--commands` runs of `true` on h1, one after the other. ship: one connection
 *    (connect() from dist/transport/ssh.js, then conn.run). OpenSSH: a bash loop of `ssh h1 true`
 *    through a ControlMaster socket (ControlMaster=auto, ControlPersist), opened by a warm-up
 *    command first. Both get one untimed warm-up command.
 * 2. Parallel connect: h1, h2, h3 at once, each running `true` once. ship: connect() x3 in this
 *    process + run + close. OpenSSH: three `ssh host true` in parallel, no master.
 * Each is timed `--rounds` times, alternating ship and OpenSSH; medians are printed.
 * Needs root (boots test lab 6 with 3 hosts); traffic goes only to the lab's addresses.
 */
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { connect } from '../dist/transport/ssh.js';
import { fixed, log, median, options, withLab, writeResult } from './lib.js';

const opt = options({ commands: 200, rounds: 5, lab: 6 });
const HOSTS = ['h1', 'h2', 'h3'];

const result = await withLab(opt.lab, HOSTS, 300_000, async (lab, tmp) => {
  const base = ['-F', lab.sshConfig, '-o', 'BatchMode=yes'];
  const mux = [...base, '-o', 'ControlMaster=auto', '-o', `ControlPath=${tmp}/cm-%C`, '-o', 'ControlPersist=120'];
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  // bash, not node, starts the ssh processes: the cheapest way a script can run them.
  const sshLoop = (n: number) =>
    execa('bash', ['-c', 'n=$1; shift; for ((i = 0; i < n; i++)); do ssh "$@" || exit 1; done', 'loop', String(n), ...mux, 'h1', 'true']);
  const sshParallel = () =>
    execa('bash', [
      '-c',
      'pids=(); for h in h1 h2 h3; do ssh "$@" "$h" true & pids+=($!); done; for p in "${pids[@]}"; do wait "$p" || exit 1; done',
      'par',
      ...base,
    ]);

  // 1. Sequential commands over one connection.
  const conn = await connect('h1', { sshConfigFile: lab.sshConfig });
  await conn.run({ argv: ['true'] });
  await sshLoop(1); // opens the master
  const seq = { ship: [] as number[], openssh: [] as number[] };
  for (let round = 1; round <= opt.rounds; round++) {
    seq.ship.push(
      (await timed(async () => {
        for (let i = 0; i < opt.commands; i++) await conn.run({ argv: ['true'] });
      })) / opt.commands,
    );
    seq.openssh.push((await timed(() => sshLoop(opt.commands))) / opt.commands);
    log(`sequential round ${round}: ship ${fixed(seq.ship.at(-1)!)} ms/cmd, openssh+ControlMaster ${fixed(seq.openssh.at(-1)!)} ms/cmd`);
  }
  await conn.close();
  await execa('ssh', [...mux, '-O', 'exit', 'h1'], { reject: false });

  // 2. Connecting to three hosts in parallel, one command each.
  const shipParallel = () =>
    Promise.all(
      HOSTS.map(async (h) => {
        const c = await connect(h, { sshConfigFile: lab.sshConfig });
        await c.run({ argv: ['true'] });
        await c.close();
      }),
    );
  await shipParallel(); // warm-up, untimed
  await sshParallel();
  const par = { ship: [] as number[], openssh: [] as number[] };
  for (let round = 1; round <= opt.rounds; round++) {
    par.ship.push(await timed(shipParallel));
    par.openssh.push(await timed(sshParallel));
    log(`parallel round ${round}: ship ${fixed(par.ship.at(-1)!, 0)} ms, openssh ${fixed(par.openssh.at(-1)!, 0)} ms`);
  }
  return {
    sequential: {
      commands: opt.commands,
      shipMsPerCmd: median(seq.ship),
      opensshMsPerCmd: median(seq.openssh),
      ratio: median(seq.ship) / median(seq.openssh),
    },
    parallelConnect: {
      hosts: HOSTS.length,
      shipMs: median(par.ship),
      opensshMs: median(par.openssh),
      ratio: median(par.ship) / median(par.openssh),
    },
  };
});

const { sequential: s, parallelConnect: p } = result;
process.stdout.write(
  [
    `transport (medians of ${opt.rounds} rounds)`,
    `  ${s.commands} sequential \`true\` on 1 host: ship ${fixed(s.shipMsPerCmd)} ms/cmd, ssh+ControlMaster ${fixed(s.opensshMsPerCmd)} ms/cmd, ratio ship/openssh ${fixed(s.ratio)}`,
    `  connect to ${p.hosts} hosts in parallel + \`true\`: ship ${fixed(p.shipMs, 0)} ms, ssh (no master) ${fixed(p.opensshMs, 0)} ms, ratio ship/openssh ${fixed(p.ratio)}`,
    '',
  ].join('\n'),
);
await writeResult(opt.json, result);
