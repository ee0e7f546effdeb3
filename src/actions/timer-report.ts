/**
 * What a host's systemd says about its scheduled jobs (`systemctl show -p ...` of each job's
 * .timer and .service), read as hostile input: only the properties asked for, of the units asked
 * for, each value cut to one short line of printable text. Pure, for `ship status` and `ship timers`.
 */
import { onceHost } from '../config/timers.js';
import type { Stage, Timer } from '../config/types.js';

/** One job on one host, as shown and as in --json. */
export interface TimerState {
  name: string;
  /** `hello-backup.timer` */
  unit: string;
  on: string;
  /** For a `once` timer, the one host of the stage it runs on. */
  once?: string;
  /** `ok`, `failed (exit-code, status 3)`, `running`, `never run`, or `unknown` when systemd does not know the unit. */
  result: string;
  /** When the job's latest run started, as systemd prints it; null when never. */
  lastRun: string | null;
  /** When the timer fires next; null when it is not running (not started, or removed). */
  nextRun: string | null;
  /** Whether this needs a look: the last run failed, or the timer is not scheduled. */
  failed: boolean;
}

const MAX_VALUE = 200;

/** `systemctl show` output -> properties by unit Id. Blocks are separated by blank lines; lines are `Key=value`. */
export function parseShow(text: string, wanted: readonly string[]): Map<string, Record<string, string>> {
  const units = new Map<string, Record<string, string>>();
  const keys = new Set(wanted);
  let block: Record<string, string> = {};
  const end = () => {
    const id = block.Id;
    if (id !== undefined && !units.has(id)) units.set(id, block);
    block = {};
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '') {
      end();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    // Object.hasOwn-safe: only names we asked for, never __proto__ and the like.
    if (!keys.has(key) || Object.hasOwn(block, key)) continue;
    block[key] = clean(line.slice(eq + 1));
  }
  end();
  return units;
}

/** One line of printable text, at most MAX_VALUE characters. */
function clean(value: string): string {
  const printable = value.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '');
  return printable.length > MAX_VALUE ? `${printable.slice(0, MAX_VALUE)}…` : printable;
}

const unset = (value: string | undefined): boolean => value === undefined || value === '' || value === 'n/a' || value === '0';

/** The state of `timer` on a host from what parseShow read there. */
export function timerState(stage: Stage, timer: Timer, shown: ReadonlyMap<string, Record<string, string>>): TimerState {
  const unit = `${timer.unit}.timer`;
  const t = shown.get(unit);
  const s = shown.get(`${timer.unit}.service`);
  const lastRun = unset(s?.ExecMainStartTimestamp) ? null : s!.ExecMainStartTimestamp!;
  const nextRun = unset(t?.NextElapseUSecRealtime) ? null : t!.NextElapseUSecRealtime!;
  let result: string;
  let failed = false;
  if (s === undefined || t === undefined) {
    result = 'unknown';
    failed = true;
  } else if (s.ActiveState === 'activating' || s.ActiveState === 'active' || s.ActiveState === 'deactivating') result = 'running';
  else if (lastRun === null) result = 'never run';
  else if (s.Result === 'success' && (s.ExecMainStatus ?? '0') === '0') result = 'ok';
  else {
    result = `failed (${s.Result || '?'}, status ${s.ExecMainStatus || '?'})`;
    failed = true;
  }
  // A timer that is not scheduled never runs the job again: as much a problem as a failed run.
  if (nextRun === null && result !== 'running') failed = true;
  const once = timer.once ? onceHost(stage, timer) : undefined;
  return { name: timer.name, unit, on: timer.on, ...(once === undefined ? {} : { once }), result, lastRun, nextRun, failed };
}

/** The units whose properties timerState reads, for timers.show. */
export const unitsToShow = (timers: readonly Timer[]): string[] => timers.flatMap((t) => [`${t.unit}.timer`, `${t.unit}.service`]);

/** One line per timer: `backup  daily  once (on web1)  last: ok at ...  next: ...`. */
export function timerLine(state: TimerState): string {
  const where = state.once === undefined ? '' : `  once (on ${state.once})`;
  return `${state.name}  [${state.on}]${where}  last: ${state.result}${state.lastRun ? ` at ${state.lastRun}` : ''}  next: ${state.nextRun ?? '-'}`;
}
