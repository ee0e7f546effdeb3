/**
 * `ship timers <stage>`: each host's scheduled jobs with their last result, last and next run.
 * `ship timers <stage> run <name>`: run one job now on its host(s) (a `once` job only on its one
 * host), wait for it, print what that run wrote to the journal, and fail naming the host when it
 * failed.
 */
import { candidates, onceHost, timersOf } from '../config/timers.js';
import type { Timer } from '../config/types.js';
import { ConfigError, ExitCode, ShipError } from '../errors.js';
import { describeFailure, exitCodeFor, failureLines } from '../output/failures.js';
import { eachHost } from '../output/tasks.js';
import { JOB_PROPERTIES, TIMER_PROPERTIES, timers as timerCommands } from '../remote/timers.js';
import type { Session } from '../session/session.js';
import { parseShow, timerState, unitsToShow, type TimerState } from './timer-report.js';
import type { Connection } from '../transport/types.js';

const PROPERTIES = [...new Set([...TIMER_PROPERTIES, ...JOB_PROPERTIES])];
/** Lines of a run's journal printed (its tail when longer). */
const JOURNAL_LINES = 200;

/** The state of each of the host's jobs, read in one round trip. For `ship status` too. */
export async function readTimers(session: Session, host: string, connection: Connection): Promise<TimerState[]> {
  const { stage } = session;
  const mine = timersOf(stage, host);
  if (mine.length === 0) return [];
  const shown = await connection.run(timerCommands.show(unitsToShow(mine)), { readOnly: true, allowFailure: true });
  const parsed = parseShow(shown.stdout, PROPERTIES);
  return mine.map((timer) => timerState(stage, timer, parsed));
}

export async function listTimers(session: Session): Promise<number> {
  const { output, stage } = session;
  if ((stage.timers ?? []).length === 0) {
    output.info(`stage ${stage.name} has no timers in hosts.ts`);
    return ExitCode.ok;
  }
  const outcomes = await eachHost(output, session.hosts, async (host) => readTimers(session, host, await session.real(host)), {
    plainProgress: false,
  });
  let failed = false;
  if (output.mode === 'json') {
    for (const o of outcomes) if (o.ok) for (const t of o.value) output.event('timer', { host: o.host, ...t });
  } else {
    const rows = outcomes.flatMap((o) =>
      o.ok ? o.value.map((t) => [o.host, t.name, t.on, t.once ? 'once' : 'each', t.result, t.lastRun ?? '-', t.nextRun ?? '-']) : [],
    );
    output.table(['HOST', 'TIMER', 'ON', 'RUNS', 'LAST RESULT', 'LAST RUN', 'NEXT RUN'], rows, 'timer');
  }
  for (const o of outcomes) {
    if (!o.ok) output.notice(`could not read: ${describeFailure(o.error, o.host)}`, o.host);
    else if (o.value.some((t) => t.failed)) failed = true;
  }
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  if (errors.length > 0) return exitCodeFor(errors);
  return failed ? ExitCode.failed : ExitCode.ok;
}

/** The hosts of this run that `timer` runs on: its one host for `once`, else every host that has it. */
export function runHosts(session: Pick<Session, 'stage' | 'hosts'>, timer: Timer): string[] {
  const { stage } = session;
  const where = timer.once ? [onceHost(stage, timer)].filter((h): h is string => h !== undefined) : candidates(stage, timer);
  const chosen = where.filter((h) => session.hosts.includes(h));
  if (chosen.length > 0) return chosen;
  const scope = timer.once
    ? `runs once, on ${where[0] ?? '(no host)'}, which this run does not include (--host/--role)`
    : timer.role === undefined
      ? 'runs on no host of this run'
      : `runs on the hosts of role ${timer.role}, none of which this run includes`;
  throw new ConfigError(
    `timer ${timer.name} ${scope}`,
    `drop --host/--role, or pick its host: ship timers ${stage.name} run ${timer.name} --host ${where[0] ?? '<host>'}`,
  );
}

/** `timeout`: seconds to wait for the job per host; unset, ssh.commandTimeout. */
export async function runTimer(session: Session, name: string, timeout?: number): Promise<number> {
  const { output, stage } = session;
  const timer = (stage.timers ?? []).find((t) => t.name === name);
  if (!timer) {
    const names = (stage.timers ?? []).map((t) => t.name);
    throw new ConfigError(
      `stage ${stage.name} has no timer "${name}" in hosts.ts`,
      names.length > 0 ? `its timers: ${names.join(', ')}` : 'add one under timers: in hosts.ts, then run ship setup',
    );
  }
  const hosts = runHosts(session, timer);
  const service = `${timer.unit}.service`;
  const journals = new Map<string, string[]>();
  // Ctrl-C stops the wait (the channel's command gets the signal), not the job: systemd runs it on.
  const stop = new AbortController();
  const onSignal = () => stop.abort(new ShipError('interrupted', { exitCode: ExitCode.interrupted }));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcomes = await eachHost(
    output,
    hosts,
    async (host, progress) => {
      const connection = await session.real(host);
      progress(`systemctl start ${service} (waiting for the job to end)`);
      const started = await connection.run(timerCommands.start(service), {
        allowFailure: true,
        signal: stop.signal,
        ...(timeout === undefined ? {} : { timeout }),
      });
      const id = (await connection.run(timerCommands.invocation(service), { readOnly: true, allowFailure: true })).stdout.trim();
      // An invocation id is 32 hex digits; anything else is not passed on to journalctl.
      if (/^[0-9a-f]{32}$/.test(id)) await connection.run(timerCommands.syncJournal(), { allowFailure: true });
      const lines = /^[0-9a-f]{32}$/.test(id)
        ? (await connection.run(timerCommands.journalOf(id, JOURNAL_LINES), { readOnly: true, allowFailure: true })).stdout
            .split('\n')
            .filter((l) => l !== '')
        : [];
      journals.set(host, lines);
      if (started.code !== 0) {
        throw new ShipError(
          `${host}: timer ${timer.name} failed (systemctl start ${service} exited ${started.code ?? started.signal ?? '?'})${
            lines.length > 0
              ? `; the last lines of its journal:\n${lines
                  .slice(-10)
                  .map((l) => `  ${l}`)
                  .join('\n')}`
              : ''
          }`,
          { host, hint: `its whole journal: ship exec ${stage.name} --host ${host} -- sudo journalctl -u ${service} -n 100 --no-pager` },
        );
      }
    },
    { plainProgress: false },
  ).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  if (stop.signal.aborted) {
    output.notice(
      `stopped waiting for timer ${timer.name}; it goes on where it had started (stop it: ship exec ${stage.name} -- sudo systemctl stop ${service})`,
    );
    return ExitCode.interrupted;
  }
  for (const host of hosts) for (const line of journals.get(host) ?? []) output.hostLine(host, 'stdout', line);
  const failures = outcomes.filter((o) => !o.ok);
  for (const o of outcomes) {
    if (o.ok) output.info(`${o.host}: timer ${timer.name}: ok`);
    else for (const line of failureLines(o.host, o.error)) output.notice(line);
  }
  if (failures.length === 0) return ExitCode.ok;
  return exitCodeFor(outcomes.map((o) => (o.ok ? undefined : o.error)));
}
