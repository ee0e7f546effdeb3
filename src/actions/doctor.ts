/**
 * `ship doctor <stage>`: connect to every host and check what ship relies on. Prints a table
 * (host, check, ok/FAIL, detail) and fails when any check fails on any host.
 */
import { eachHost } from '../output/tasks.js';
import type { Session } from '../session/session.js';
import type { Connection } from '../transport/types.js';
import { ExitCode } from '../errors.js';
import { describeFailure } from '../output/failures.js';
import { probe } from '../remote/probe.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** Less free space than this on the deploy path is a failure: a release must fit twice. */
const MIN_FREE_MB = 200;

export async function doctor(session: Session): Promise<number> {
  const { output, stage } = session;
  const outcomes = await eachHost(
    output,
    session.hosts,
    async (host, progress) => {
      progress('connecting');
      const started = Date.now();
      const connection = await session.real(host);
      const checks: Check[] = [];
      const who = await connection.run(probe.whoami(), { allowFailure: true });
      checks.push({ name: 'login', ok: who.code === 0, detail: `${who.stdout.trim()} in ${Date.now() - started} ms` });
      progress('sudo');
      const sudo = await connection.run(probe.sudo(), { allowFailure: true });
      checks.push({
        name: 'sudo -n',
        ok: sudo.code === 0 || !stage.sudo,
        detail:
          sudo.code === 0 ? 'passwordless' : `${lastLine(sudo.stderr) || 'refused'} (ship needs passwordless sudo for systemctl and paths)`,
      });
      progress('systemd');
      const systemd = await connection.run(probe.systemd(), { allowFailure: true });
      checks.push({
        name: 'systemd',
        ok: systemd.code === 0,
        detail: systemd.code === 0 ? firstLine(systemd.stdout) : 'not running as init (/run/systemd/system missing)',
      });
      // flock guards the deploy lock (remote/lock.ts).
      for (const [tool, pkg] of [
        ['tar', 'tar'],
        ['sha256sum', 'coreutils'],
        ['flock', 'util-linux'],
      ] as const) {
        const found = await connection.run(probe.tool(tool), { allowFailure: true });
        checks.push({ name: tool, ok: found.code === 0, detail: found.code === 0 ? found.stdout.trim() : `not found: install ${pkg}` });
      }
      progress('deploy path');
      checks.push(await pathCheck(connection, stage.path, sudo.code === 0));
      checks.push(await diskCheck(connection, stage.path));
      return checks;
    },
    { plainProgress: false },
  );

  const rows: string[][] = [];
  let failed = 0;
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      failed++;
      rows.push([outcome.host, 'connect', 'FAIL', describeFailure(outcome.error)]);
      continue;
    }
    for (const check of outcome.value) {
      if (!check.ok) failed++;
      rows.push([outcome.host, check.name, check.ok ? 'ok' : 'FAIL', check.detail]);
    }
  }
  output.table(['HOST', 'CHECK', 'RESULT', 'DETAIL'], rows, 'check');
  if (failed > 0) {
    output.notice(`doctor: ${failed} check${failed === 1 ? '' : 's'} failed`);
    return ExitCode.failed;
  }
  return ExitCode.ok;
}

async function pathCheck(connection: Connection, path: string, canSudo: boolean): Promise<Check> {
  const result = await connection.run(probe.existingAncestor(path), { allowFailure: true });
  const [ancestor = '', writable = ''] = result.stdout.trim().split('\n');
  if (ancestor === path) {
    return {
      name: 'deploy path',
      ok: true,
      detail: `${path} exists${writable === 'writable' ? '' : ' (not writable by this user; setup uses sudo)'}`,
    };
  }
  const ok = writable === 'writable' || canSudo;
  return {
    name: 'deploy path',
    ok,
    detail: ok
      ? `${path} can be created under ${ancestor}${writable === 'writable' ? '' : ' with sudo'}`
      : `${path} is missing and ${ancestor} is not writable without sudo`,
  };
}

async function diskCheck(connection: Connection, path: string): Promise<Check> {
  const result = await connection.run(probe.freeSpace(path), { allowFailure: true });
  const kb = Number(result.stdout.trim());
  if (result.code !== 0 || !Number.isFinite(kb)) return { name: 'free disk', ok: false, detail: lastLine(result.stderr) || 'df failed' };
  const mb = Math.floor(kb / 1024);
  return {
    name: 'free disk',
    ok: mb >= MIN_FREE_MB,
    detail: `${mb >= 10240 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`} free${mb >= MIN_FREE_MB ? '' : ` (less than ${MIN_FREE_MB} MB)`}`,
  };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
