/**
 * `ship status <stage>`: one row per host of what is live there and whether it is well: the
 * current release, its commit, when and by whom it went live (from .ship/releases.log), each
 * unit's state, what each health URL answers now (through the SSH tunnel), who holds the deploy
 * lock, the certificate's expiry and free disk, and each scheduled job's last result, last and next run. Per host one script, one GET per health URL and
 * one certificate read, all at once over the one connection.
 */
import { readHostCert } from '../acme/read.js';
import { statusCommands } from '../remote/status.js';
import { rolesOf } from '../config/roles.js';
import { ExitCode } from '../errors.js';
import { eachHost } from '../output/tasks.js';
import type { Session } from '../session/session.js';
import { describeHolder, parseLockInfo, type LockInfo } from '../host/deploy-lock.js';
import { healthAnswer } from '../host/health.js';
import type { LogEntry } from '../host/inventory.js';
import { describeFailure, exitCodeFor } from '../output/failures.js';
import { timerLine, type TimerState } from './timer-report.js';
import { readTimers } from './timers.js';

const DAY = 86_400_000;

/** What the status script printed, parsed. */
export interface HostReading {
  disk?: { availableBytes: number; sizeBytes: number };
  units: Array<{ unit: string; state: string }>;
  /** undefined when the deploy path does not exist; '' when there is no `current`. */
  current?: string;
  /** The lock's info line ('held' when it has none); undefined when free. */
  lock?: string;
  /** Release log entries naming the current release, oldest first. */
  log: LogEntry[];
}

export function parseStatus(text: string): HostReading {
  const reading: HostReading = { units: [], log: [] };
  let inLog = false;
  for (const line of text.split('\n')) {
    if (inLog) {
      try {
        const entry = JSON.parse(line) as LogEntry;
        if (typeof entry.release === 'string') reading.log.push(entry);
      } catch {
        // A line cut short by a crash says nothing.
      }
      continue;
    }
    const [word, ...rest] = line.split(' ');
    if (word === 'log') inLog = true;
    else if (word === 'disk') reading.disk = { availableBytes: Number(rest[0]) * 1024, sizeBytes: Number(rest[1]) * 1024 };
    else if (word === 'unit') reading.units.push({ unit: rest[0] ?? '', state: rest.slice(1).join(' ') || 'unknown' });
    else if (word === 'current') reading.current = rest.join(' ').replace(/^releases\//, '');
    else if (word === 'lock') reading.lock = rest.join(' ');
  }
  return reading;
}

export interface HostStatus {
  host: string;
  release: string | null;
  commit: string | null;
  /** The last time the current release went live here: a deploy (`ok`) or a rollback to it. */
  deployed: { time: string; user?: string; origin?: string; result: string } | null;
  units: Array<{ unit: string; state: string }>;
  health: Array<{ url: string; answer: string; ok: boolean }>;
  lock: Omit<LockInfo, 'token'> | { held: true } | null;
  cert: { state: string; notAfter?: string; daysLeft?: number; detail?: string } | null;
  disk: { availableBytes: number; sizeBytes: number } | null;
  /** The host's scheduled jobs (hosts.ts `timers`); left out for a host that runs none. */
  timers?: TimerState[];
  /** Why the host could not be read. */
  error?: string;
}

export function hostStatus(host: string, reading: HostReading, health: HostStatus['health'], cert: HostStatus['cert']): HostStatus {
  const live = reading.log.filter((e) => e.result === 'ok' || e.result === 'rollback').at(-1);
  const deployedOk = reading.log.filter((e) => e.result === 'ok').at(-1);
  let lock: HostStatus['lock'] = null;
  if (reading.lock !== undefined) {
    const { token: _token, ...info } = parseLockInfo(reading.lock) ?? {};
    lock = Object.keys(info).length > 0 ? info : { held: true };
  }
  return {
    host,
    release: reading.current ? reading.current : null,
    // A rollback's log line carries the commit of whoever rolled back; the deploy's line has the release's.
    commit: deployedOk?.commit ?? null,
    deployed: live ? { time: live.time, user: live.user, origin: live.origin, result: live.result } : null,
    units: reading.units,
    health,
    lock,
    cert,
    disk: reading.disk ?? null,
  };
}

/** What needs a person: unread host, nothing deployed, a unit not active, an unhealthy answer, an expired certificate. */
export function needsAttention(s: HostStatus): boolean {
  return (
    s.error !== undefined ||
    s.release === null ||
    s.units.some((u) => u.state !== 'active') ||
    s.health.some((h) => !h.ok) ||
    (s.cert?.daysLeft !== undefined && s.cert.daysLeft < 0) ||
    (s.timers ?? []).some((t) => t.failed)
  );
}

export async function status(session: Session): Promise<number> {
  const { output, stage } = session;
  const now = Date.now();
  const outcomes = await eachHost(
    output,
    session.hosts,
    async (host) => {
      const connection = await session.real(host);
      const roles = rolesOf(stage, host);
      const [read, health, cert, timers] = await Promise.all([
        connection.run(
          statusCommands.read(
            stage.path,
            roles.map((r) => r.unit),
          ),
          { readOnly: true },
        ),
        Promise.all(
          roles.flatMap((r) => (r.health ? [r.health.url] : [])).map(async (url) => ({ url, ...(await healthAnswer(connection, url)) })),
        ),
        stage.certs ? certOf(host, connection, stage, now) : Promise.resolve(null),
        readTimers(session, host, connection),
      ]);
      const status = hostStatus(host, parseStatus(read.stdout), health, cert);
      return timers.length > 0 ? { ...status, timers } : status;
    },
    { plainProgress: false },
  );

  const statuses: HostStatus[] = outcomes.map((o) =>
    o.ok
      ? o.value
      : {
          host: o.host,
          release: null,
          commit: null,
          deployed: null,
          units: [],
          health: [],
          lock: null,
          cert: null,
          disk: null,
          error: describeFailure(o.error, o.host),
        },
  );
  if (output.mode === 'json') {
    for (const s of statuses) output.event('status', { ...s });
  } else {
    output.table(['HOST', 'RELEASE', 'COMMIT', 'DEPLOYED', 'BY', 'UNITS', 'HEALTH', 'LOCK', 'CERT', 'DISK FREE'], statuses.map(row));
  }
  if (output.mode !== 'json') for (const s of statuses) for (const t of s.timers ?? []) output.info(`${s.host}  timer ${timerLine(t)}`);
  for (const s of statuses) if (s.error !== undefined) output.notice(`could not read: ${s.error}`, s.host);
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  if (errors.length > 0 && errors.length === statuses.filter(needsAttention).length) return exitCodeFor(errors);
  return statuses.some(needsAttention) ? ExitCode.failed : ExitCode.ok;
}

async function certOf(
  host: string,
  connection: Awaited<ReturnType<Session['real']>>,
  stage: Session['stage'],
  now: number,
): Promise<HostStatus['cert']> {
  try {
    const { cert } = await readHostCert(host, connection, stage.certs!);
    if (cert.state !== 'present') return { state: cert.state, detail: cert.detail };
    const left = cert.facts.notAfter.getTime() - now;
    return { state: 'present', notAfter: cert.facts.notAfter.toISOString(), daysLeft: Math.floor(left / DAY) };
  } catch (error) {
    return { state: 'unreadable', detail: describeFailure(error, host) };
  }
}

function row(s: HostStatus): string[] {
  if (s.error !== undefined) return [s.host, `error: ${s.error}`, '', '', '', '', '', '', '', ''];
  const units = s.units.length === 1 ? s.units[0]!.state : s.units.map((u) => `${u.unit}: ${u.state}`).join(', ');
  return [
    s.host,
    s.release ?? '(none)',
    s.commit ?? '-',
    s.deployed ? `${s.deployed.time.replace(/\.\d+Z$/, 'Z')}${s.deployed.result === 'rollback' ? ' (rollback)' : ''}` : '-',
    s.deployed ? `${s.deployed.user ?? '?'}@${s.deployed.origin ?? '?'}` : '-',
    units || '-',
    s.health.map((h) => h.answer).join(', ') || '-',
    s.lock === null ? 'free' : 'held' in s.lock ? 'held (no info)' : `locked by ${describeHolder(JSON.stringify(s.lock))}`,
    certCell(s.cert),
    s.disk ? gigabytes(s.disk.availableBytes) : '-',
  ];
}

function certCell(cert: HostStatus['cert']): string {
  if (cert === null) return '-';
  if (cert.state !== 'present') return cert.state;
  const date = cert.notAfter!.slice(0, 10);
  return cert.daysLeft! < 0 ? `expired ${date}` : `${date} (${cert.daysLeft} d)`;
}

function gigabytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}
