/**
 * The steps of `ship setup`, called through SetupHost's methods so recipes/setup.ts reads like
 * the deploy recipe: `await host.installUnit('app.service')`. Each step first asks the host what is there
 * (read-only, so --dry-run asks too and its plan holds only real changes), then changes only
 * what differs and notes it. A second run finds nothing to do and says so.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../remote/command.js';
import { files } from '../remote/files.js';
import { probe } from '../remote/probe.js';
import { paths } from '../remote/release.js';
import { systemctl } from '../remote/systemctl.js';
import { units } from '../remote/units.js';
import { displayPath } from '../output/display-path.js';
import type { Role, Stage } from '../config/types.js';
import { ConfigError, ShipError } from '../errors.js';
import { MIN_SECRET_LENGTH, type Output } from '../output/output.js';
import { renderTemplate } from '../systemd/template.js';
import {
  envFilePath,
  programLocation,
  splitExec,
  UNIT_DIR,
  unitBase,
  unitFileName,
  unitValues,
  type Service,
} from '../systemd/unit-file.js';
import { loadEnvFile } from './env-source.js';
import type { RunOptions, RunResult } from '../transport/types.js';
import type { AppliedSteps } from './applied.js';

/**
 * What a setup step needs of its host. SetupHost is one; the steps name only this, so host.ts can
 * call them without the two modules importing each other.
 */
export interface SetupHost {
  readonly name: string;
  readonly context: Readonly<{ stage: Stage; output: Output; dryRun: boolean; signal?: AbortSignal }>;
  readonly applied: Pick<AppliedSteps, 'record'>;
  status(text: string): void;
  /** The step found nothing to change: a progress line, and in a --dry-run plan a line under the step saying why. */
  nothingNeeded(reason: string): void;
  run(command: Command, options?: RunOptions): Promise<RunResult>;
}

/** What setup found and did on one host during this run. */
export interface SetupState {
  changes: Change[];
  /** Units installed in this run (enabled by enableUnits). */
  units: string[];
  unitsChanged: boolean;
  /** A scheduled job's unit changed (timer-steps.ts): systemd reloads, but the app's units run as they were. */
  timersChanged: boolean;
  /** Units removed in this run, stopped by enableUnits once systemd has reloaded. */
  toStop: string[];
  envChanged: boolean;
  owner?: string;
  /** The SSH user's name on the host. */
  login?: string;
  /** Absolute paths of programs looked up on the host, by name as written in service.exec. */
  programs: Map<string, string>;
}

// Keyed by the host's record of applied steps, which every view of it shares (the step's view that
// runs a step and the host the recipe asks for setupSummary() afterwards).
const states = new WeakMap<SetupHost['applied'], SetupState>();

/** The SSH user's name from files.directoryState's answer (its `login` line). */
export const loginOf = (lines: readonly string[]): string | undefined => lines.find((l) => l.startsWith('login '))?.slice('login '.length);

/** For the steps of scheduled jobs (timer-steps.ts) and env (env-steps.ts), which share this run's record. */
export function stateOf(host: SetupHost): SetupState {
  let state = states.get(host.applied);
  if (!state) {
    state = { changes: [], units: [], unitsChanged: false, timersChanged: false, toStop: [], envChanged: false, programs: new Map() };
    states.set(host.applied, state);
  }
  return state;
}

/** One change, as a verb and what it applies to: `write hello.service`. */
export interface Change {
  verb: keyof typeof PAST;
  what: string;
}

const PAST = { create: 'created', write: 'wrote', remove: 'removed', reload: 'reloaded', enable: 'enabled', start: 'started' } as const;

export function changed(host: SetupHost, verb: Change['verb'], what: string): void {
  stateOf(host).changes.push({ verb, what });
  host.status(host.context.dryRun ? `would ${verb} ${what}` : `${PAST[verb]} ${what}`);
}

export function serviceOf(stage: Stage): Service {
  if (stage.service) return stage.service;
  throw new ConfigError(
    `stage "${stage.name}" has no service in ${displayPath(stage.configFile)}; ship setup writes the systemd unit from it`,
    "add service: { exec: 'node server.js', user: 'deploy' } to hosts.ts",
  );
}

const BUILT_IN_TEMPLATES = fileURLToPath(new URL('../../recipes/templates/', import.meta.url));

/** The project's recipes/templates/<name> if it exists, else ship's built-in one (like recipes). */
export function findTemplate(configDir: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new ConfigError(
      `invalid template name ${JSON.stringify(name)}`,
      'templates are file names in recipes/templates/, such as app.service',
    );
  const own = join(configDir, 'recipes', 'templates', name);
  if (existsSync(own)) return own;
  const builtIn = join(BUILT_IN_TEMPLATES, name);
  if (existsSync(builtIn)) return builtIn;
  throw new ConfigError(`no template "${name}": neither ${displayPath(own)} nor a built-in template of that name exists`);
}

/** `user:group` for the service's files; group defaults to the user's primary group on the host. */
export async function ownerOf(host: SetupHost, dirs: readonly string[] = []): Promise<{ owner: string; dirLines: string[] }> {
  const { stage } = host.context;
  const service = serviceOf(stage);
  const fresh = [`group ${service.group ?? service.user}`, ...dirs.map((d) => `missing - ${d}`)].join('\n');
  const result = await host.run(files.directoryState(service.user, service.group, dirs), {
    readOnly: true,
    offline: { stdout: `${fresh}\n` },
  });
  const lines = result.stdout.trim().split('\n');
  const head = lines[0] ?? '';
  const fix = (command: string) => `create it: ship exec ${stage.name} --host ${host.name} -- sudo ${command}`;
  if (head === 'no-user') {
    throw new ShipError(`${host.name}: service.user "${service.user}" does not exist on this host`, {
      host: host.name,
      hint: fix(`useradd --create-home ${service.user}`),
    });
  }
  if (head.startsWith('no-group ')) {
    const group = head.slice('no-group '.length);
    throw new ShipError(`${host.name}: service.group "${group}" does not exist on this host`, {
      host: host.name,
      hint: fix(`groupadd ${group}`),
    });
  }
  const owner = `${service.user}:${head.replace(/^group /, '')}`;
  stateOf(host).owner = owner;
  stateOf(host).login = loginOf(lines);
  return { owner, dirLines: lines.slice(1) };
}

/**
 * Who writes a file: root, then chown to `owner` (root-owned directories only), or `user`
 * itself: through `sudo -n -u`, or directly when the SSH user is that user (no sudo to ask).
 */
type Writer = { owner: string } | { user: string; self: boolean };

/**
 * Put `content` at `path` with mode and owner, unless it is there already (same sha256, mode
 * and owner). Content goes over stdin, never into a command line. Returns whether it changed.
 */
export async function installIfChanged(
  host: SetupHost,
  path: string,
  content: Buffer,
  wanted: { mode: string; label: string } & Writer,
): Promise<boolean> {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const asWriter = (command: Command): Command => ('user' in wanted && wanted.self ? { ...command, sudoUser: undefined } : command);
  const found = (await host.run(asWriter(files.fileState(path, 'user' in wanted ? wanted.user : undefined)), { readOnly: true })).stdout
    .trim()
    .split('\n');
  // A file its user wrote has that user's group (or the directory's); with mode 0600 it does not matter which.
  const owned = 'user' in wanted ? found[0]?.startsWith(`${wanted.mode} ${wanted.user}:`) : found[0] === `${wanted.mode} ${wanted.owner}`;
  if (owned && found[1] === sha256) return false;
  const command =
    'user' in wanted
      ? asWriter(files.installOwnFile(path, wanted.mode, wanted.user, content.length))
      : files.installFile(path, wanted.mode, wanted.owner, content.length);
  await host.run(command, { stdin: content, stdinLabel: wanted.label });
  return true;
}

/** The absolute path of service.exec's program on this host (each program looked up once per run). */
async function programOn(host: SetupHost, service: Service): Promise<string> {
  const state = stateOf(host);
  const { program } = splitExec(service.exec);
  const known = state.programs.get(program);
  if (known) return known;
  const where = programLocation(program, paths.current({ root: host.context.stage.path }));
  if ('absolute' in where) return where.absolute;
  const found = await host.run(probe.tool(where.lookup), {
    readOnly: true,
    allowFailure: true,
    offline: { stdout: `/usr/bin/${where.lookup}\n` },
  });
  const path = found.stdout.trim().split('\n')[0] ?? '';
  if (found.code !== 0 || !path.startsWith('/')) {
    throw new ShipError(
      `${host.name}: service.exec: "${program}" is not installed here (command -v ${program} found nothing); systemd needs the program's absolute path`,
      {
        host: host.name,
        hint: `install ${program} on the host, or write its absolute path in service.exec, such as "/usr/local/bin/${program} ..."`,
      },
    );
  }
  state.programs.set(program, path);
  return path;
}

/**
 * Before a unit file may change: if the run then fails or is interrupted, systemd is reloaded
 * anyway, so what it runs never differs from the files on disk (each file is whole, old or new).
 */
export function reloadIfRunFails(host: SetupHost): void {
  // Recorded once however many units change: the record keeps one step of a label.
  host.applied.record({ kind: 'command', label: 'reload systemd', command: systemctl.daemonReload() });
}

/**
 * Refuse to write /etc/systemd/system/<name> over a unit file ship did not write, or where it
 * would shadow one of that name elsewhere (`unit: 'nginx'` would take over the distro's nginx).
 */
export async function refuseForeignUnit(host: SetupHost, name: string): Promise<void> {
  const answer = (await host.run(units.fileOwner(name), { readOnly: true })).stdout.trim();
  if (!answer.startsWith('other ')) return;
  const { stage } = host.context;
  const file = answer.slice('other '.length);
  const target = `${UNIT_DIR}/${name}`;
  const rename = `give the stage a unit name of its own in ${displayPath(stage.configFile)} (stages.${stage.name}.unit)`;
  throw new ShipError(
    file === target
      ? `${host.name}: ${file} exists and was not written by ship setup; writing it would overwrite it`
      : `${host.name}: ${file} exists and was not written by ship setup; writing ${target} would shadow it`,
    {
      host: host.name,
      hint:
        file === target
          ? `if it is a leftover, remove it yourself (ship exec ${stage.name} --host ${host.name} -- sudo rm ${file}), or ${rename}`
          : rename,
    },
  );
}

// Printed once per run, not once per host.
const warned = new WeakSet<Output>();

/** Create `<path>`, `releases/`, `shared/` and `.ship/` owned by service.user (sudo). */
export async function createDirectories(host: SetupHost): Promise<void> {
  const layout = { root: host.context.stage.path };
  const dirs = [layout.root, paths.releases(layout), paths.shared(layout), paths.meta(layout)];
  host.status('directories');
  const { owner, dirLines } = await ownerOf(host, dirs);
  const ok = new Set(dirLines.filter((l) => l.startsWith(`dir ${owner} `)).map((l) => l.slice(`dir ${owner} `.length)));
  const wrong = dirs.filter((d) => !ok.has(d));
  if (wrong.length === 0) return host.nothingNeeded(`the directories are there, owned by ${owner}`);
  const [user, group] = owner.split(':') as [string, string];
  await host.run(files.createDirectories(user, group, wrong));
  changed(host, 'create', wrong.map((d) => (d === layout.root ? d : `${d.slice(layout.root.length + 1)}/`)).join(' '));
}

/** Render recipes/templates/<template> and install it as /etc/systemd/system/<unit>.<type>, for the stage's own unit or a role's. */
export async function installUnit(host: SetupHost, template: string, role?: Role): Promise<void> {
  const { stage, output } = host.context;
  const service = role?.service ?? serviceOf(stage);
  const unit = role?.unit ?? stage.unit;
  const name = unitFileName(unit, template);
  host.status(`unit ${name}`);
  const source = findTemplate(stage.configDir, template);
  const values = unitValues({ ...stage, unit }, service, await programOn(host, service));
  const content = renderTemplate(readFileSync(source, 'utf8'), values, displayPath(source));
  output.debug(`${UNIT_DIR}/${name}:\n${content}`, host.name);
  const lines = content.trimEnd().split('\n').length;
  await refuseForeignUnit(host, name);
  const state = stateOf(host);
  state.units.push(name);
  reloadIfRunFails(host);
  if (
    await installIfChanged(host, `${UNIT_DIR}/${name}`, Buffer.from(content), {
      mode: '644',
      owner: 'root:root',
      label: `${name} from ${displayPath(source)} (${lines} lines)`,
    })
  ) {
    state.unitsChanged = true;
    changed(host, 'write', name);
  } else host.nothingNeeded(`${name} is up to date`);
}

/** Stop and remove the unit a template wrote in an earlier setup, if ship wrote it. */
export async function removeUnit(host: SetupHost, template: string, role?: Role): Promise<void> {
  const { stage, output } = host.context;
  const name = unitFileName(role?.unit ?? stage.unit, template);
  const path = `${UNIT_DIR}/${name}`;
  const origin = (await host.run(files.origin(path), { readOnly: true, offline: { stdout: 'missing\n' } })).stdout.trim();
  if (origin === 'missing') return host.nothingNeeded(`${path} is not there`);
  if (origin !== 'ship') {
    output.notice(`${path} was not written by ship setup; leaving it alone`, host.name);
    return host.nothingNeeded(`${path} was not written by ship setup; left alone`);
  }
  reloadIfRunFails(host);
  await host.run(systemctl.disable(name));
  await host.run(files.remove(path));
  const state = stateOf(host);
  state.unitsChanged = true;
  // Stopped only after daemon-reload: while the loaded service still Requires= host socket,
  // stopping it would stop the running app too.
  state.toStop.push(name);
  changed(host, 'remove', name);
}

/** Upload service.envFile to `shared/.env`, mode 0600, owned by service.user; values never printed. */
export async function uploadEnvFile(host: SetupHost): Promise<void> {
  const { stage, output } = host.context;
  // Registers the values with the output before anything else can print them.
  const env = await loadEnvFile(stage, output, host.context.signal);
  if (!env) return host.nothingNeeded('no service.envFile in hosts.ts');
  if (!warned.has(output)) {
    warned.add(output);
    if (env.badLines.length > 0) output.notice(`${env.label}: line ${env.badLines.join(', ')} not NAME=value; systemd ignores such lines`);
    // By name only: the value itself is what cannot be hidden.
    for (const name of env.shortValues) {
      output.notice(
        `${env.label}: the value of ${name} is shorter than ${MIN_SECRET_LENGTH} characters, too short for ship to hide in what it prints; if it is a secret, make it longer`,
      );
    }
  }
  host.status('env file');
  // Says clearly when service.user is missing, rather than sudo's "unknown user".
  if (!stateOf(host).owner) await ownerOf(host);
  const label = `(env file: ${env.names.length} variable${env.names.length === 1 ? '' : 's'})`;
  // shared/ is the service user's: written as that user, never by root through a path they control.
  const user = serviceOf(stage).user;
  if (await installIfChanged(host, envFilePath(stage), env.content, { mode: '600', user, self: stateOf(host).login === user, label })) {
    stateOf(host).envChanged = true;
    changed(host, 'write', 'shared/.env');
  } else host.nothingNeeded('shared/.env is up to date');
}

/** `daemon-reload` when a unit changed, `enable` what is not enabled yet. */
export async function enableUnits(host: SetupHost): Promise<void> {
  const { stage, output, dryRun } = host.context;
  const state = stateOf(host);
  const before = state.changes.length;
  if (state.unitsChanged || state.timersChanged) {
    await host.run(systemctl.daemonReload());
    changed(host, 'reload', 'systemd');
  }
  // The app keeps serving on the socket it inherited until its next restart.
  for (const name of state.toStop) await host.run(systemctl.stop(name));
  for (const name of state.units) {
    // One unit per call: for an unknown unit systemctl prints to stderr only, which would shift the lines.
    const result = await host.run(systemctl.isEnabled([name]), { readOnly: true, allowFailure: true });
    if (result.stdout.trim() === 'enabled') continue;
    await host.run(systemctl.enable([name]));
    changed(host, 'enable', name);
  }
  if (state.changes.length === before && state.toStop.length === 0) host.nothingNeeded('no unit changed, and every one is on at boot');
  if ((state.unitsChanged || state.envChanged) && !dryRun) {
    const services = state.units.filter((u) => u.endsWith('.service'));
    for (const service of services.length > 0 ? services : [`${unitBase(stage.unit)}.service`]) {
      const active = await host.run(systemctl.isActive(service), { readOnly: true, allowFailure: true });
      if (active.stdout.trim() === 'active') {
        output.notice(`${service} is running with its old settings; they apply at its next restart (ship deploy ${stage.name})`, host.name);
      }
    }
  }
}

/** What setup changed here, in one line. */
export function setupSummary(host: SetupHost): string {
  const { changes } = stateOf(host);
  if (changes.length === 0) return host.context.dryRun ? 'nothing to change' : 'nothing changed';
  if (host.context.dryRun) return `would ${changes.map((c) => `${c.verb} ${c.what}`).join(', ')}`;
  return changes.map((c) => `${PAST[c.verb]} ${c.what}`).join(', ');
}
