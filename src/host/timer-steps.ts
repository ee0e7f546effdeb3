/**
 * The steps of `ship setup` for scheduled jobs (hosts.ts `timers`): write each job's service and
 * timer from recipes/templates/job.service and job.timer, with the wrapper they run under
 * (run-job.sh, in .ship/), remove the ones ship wrote that hosts.ts no longer gives this host,
 * and start the timers. Same rules as setup-steps.ts: ask first, change only what differs.
 */
import { readFileSync } from 'node:fs';
import { stageRoles } from '../config/roles.js';
import { timersOf } from '../config/timers.js';
import type { Stage, Timer } from '../config/types.js';
import { ShipError } from '../errors.js';
import { displayPath } from '../output/display-path.js';
import { files } from '../remote/files.js';
import { paths } from '../remote/release.js';
import { scriptText } from '../remote/scripts.js';
import { systemctl } from '../remote/systemctl.js';
import { timerMarker, timers as timerCommands } from '../remote/timers.js';
import { jobValues } from '../systemd/job-file.js';
import { escapeSpecifiers, renderTemplate } from '../systemd/template.js';
import { UNIT_DIR, type Service } from '../systemd/unit-file.js';
import {
  changed,
  findTemplate,
  installIfChanged,
  ownerOf,
  refuseForeignUnit,
  reloadIfRunFails,
  serviceOf,
  stateOf,
  type SetupHost,
} from './setup-steps.js';

/** The service a job runs with: its role's (user, group, env), else the stage's. */
export function jobService(stage: Stage, timer: Timer): Service {
  return (timer.role === undefined ? undefined : stageRoles(stage)[timer.role]?.service) ?? serviceOf(stage);
}

/** The timers this host runs (a `once` one only on its host), checked, written, and the others ship wrote removed. */
export async function installTimers(host: SetupHost): Promise<void> {
  const { stage } = host.context;
  const wanted = timersOf(stage, host.name);
  host.status('timers');
  const before = stateOf(host).changes.length;
  if (wanted.length > 0) {
    await checkCalendars(host, wanted);
    await installWrapper(host);
    for (const timer of wanted) await installJob(host, timer);
  }
  await removeOthers(host, new Set(wanted.map((t) => `${t.unit}.timer`)));
  if (stateOf(host).changes.length === before)
    host.nothingNeeded(wanted.length === 0 ? 'no timers here, and none left by an earlier setup' : 'every timer is up to date');
}

/** Every `on` is asked of the host's own systemd, so an expression it cannot read stops setup before anything is written. */
async function checkCalendars(host: SetupHost, wanted: readonly Timer[]): Promise<void> {
  const { stage } = host.context;
  for (const timer of wanted) {
    const result = await host.run(timerCommands.checkCalendar(timer.on), { readOnly: true, allowFailure: true, offline: { code: 0 } });
    if (result.code === 0) continue;
    const why = (result.stderr.trim().split('\n').at(-1) ?? '').slice(0, 300);
    throw new ShipError(
      `${host.name}: ${displayPath(stage.configFile)}: ${timer.field}.on: systemd cannot read ${JSON.stringify(timer.on)} as a calendar expression${why ? ` (systemd-analyze calendar: ${why})` : ''}`,
      {
        host: host.name,
        hint: "write an OnCalendar= expression, such as 'daily', 'hourly', 'Mon *-*-* 03:00' or '*-*-* *:00/15' (man systemd.time)",
      },
    );
  }
}

/** run-job.sh into .ship/, as service.user (the jobs run as that user anyway; .ship/ is theirs). */
async function installWrapper(host: SetupHost): Promise<void> {
  const { stage } = host.context;
  const state = stateOf(host);
  if (!state.owner) await ownerOf(host);
  const user = serviceOf(stage).user;
  const content = Buffer.from(`${scriptText(timerCommands.wrapper().script!)}\n`);
  if (
    await installIfChanged(host, paths.runJob({ root: stage.path }), content, {
      mode: '755',
      user,
      self: state.login === user,
      label: 'run-job.sh from src/remote/sh/run-job.sh (the wrapper scheduled jobs run under)',
    })
  )
    changed(host, 'write', '.ship/run-job.sh');
}

async function installJob(host: SetupHost, timer: Timer): Promise<void> {
  const { stage, output } = host.context;
  const values = jobValues(stage, timer, jobService(stage, timer));
  const state = stateOf(host);
  for (const template of ['job.service', 'job.timer']) {
    const name = `${timer.unit}${template.slice(template.indexOf('.'))}`;
    const source = findTemplate(stage.configDir, template);
    const content = renderTemplate(readFileSync(source, 'utf8'), values, displayPath(source));
    output.debug(`${UNIT_DIR}/${name}:\n${content}`, host.name);
    await refuseForeignUnit(host, name);
    reloadIfRunFails(host);
    const lines = content.trimEnd().split('\n').length;
    if (
      await installIfChanged(host, `${UNIT_DIR}/${name}`, Buffer.from(content), {
        mode: '644',
        owner: 'root:root',
        label: `${name} from ${displayPath(source)} (${lines} lines)`,
      })
    ) {
      state.timersChanged = true;
      changed(host, 'write', name);
    }
  }
  // Enabled (on at boot) by enableUnits with the others; started by startTimers.
  state.units.push(`${timer.unit}.timer`);
}

/**
 * Timers ship wrote for this deploy path (found by the marker line of job.timer) that this host
 * should no longer run: removed from hosts.ts, or a `once` timer that now lives on another host.
 * Each goes with its service, only if ship wrote that too.
 */
async function removeOthers(host: SetupHost, keep: ReadonlySet<string>): Promise<void> {
  const { stage, output } = host.context;
  const listed = await host.run(timerCommands.listOwn(timerMarker(escapeSpecifiers(stage.path))), {
    readOnly: true,
    offline: { stdout: '' },
  });
  const found = listed.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[A-Za-z0-9:_.@-]+\.timer$/.test(l) && !keep.has(l));
  const state = stateOf(host);
  for (const timerUnit of found) {
    const serviceUnit = `${timerUnit.slice(0, -'.timer'.length)}.service`;
    const origin = (
      await host.run(files.origin(`${UNIT_DIR}/${serviceUnit}`), { readOnly: true, offline: { stdout: 'missing\n' } })
    ).stdout.trim();
    reloadIfRunFails(host);
    // Stopped while systemd still has them loaded; once their files are gone and systemd has
    // reloaded, `stop` would fail on a unit it no longer knows.
    await host.run(systemctl.disable(timerUnit));
    await host.run(systemctl.stop(timerUnit));
    if (origin === 'ship') await host.run(systemctl.stop(serviceUnit));
    await host.run(files.remove(`${UNIT_DIR}/${timerUnit}`));
    changed(host, 'remove', timerUnit);
    if (origin === 'ship') {
      await host.run(files.remove(`${UNIT_DIR}/${serviceUnit}`));
      changed(host, 'remove', serviceUnit);
    } else if (origin === 'other') output.notice(`${UNIT_DIR}/${serviceUnit} was not written by ship setup; leaving it alone`, host.name);
    state.timersChanged = true;
  }
}

/** Start each timer of this host that is not running yet (enable only puts it on at boot). After enableUnits. */
export async function startTimers(host: SetupHost): Promise<void> {
  const { stage } = host.context;
  const wanted = timersOf(stage, host.name).map((t) => `${t.unit}.timer`);
  if (wanted.length === 0) return host.nothingNeeded('no timers here');
  const before = stateOf(host).changes.length;
  for (const unit of wanted) {
    const active = await host.run(systemctl.isActive(unit), { readOnly: true, allowFailure: true, offline: { stdout: 'inactive\n' } });
    if (active.stdout.trim() === 'active') continue;
    await host.run(systemctl.action('start', unit));
    changed(host, 'start', unit);
  }
  if (stateOf(host).changes.length === before) host.nothingNeeded('every timer is running');
}
