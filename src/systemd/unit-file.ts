/**
 * What `ship setup` puts into the unit templates: values from hosts.ts, written the way systemd
 * reads them. Pure, so unit tests can compare rendered unit files exactly.
 */
import { posix } from 'node:path';
import { ConfigError } from '../errors.js';
import { paths } from '../remote/release.js';
import type { Service, UnitStage } from './service.js';
import type { TemplateValues } from './template.js';

export type { Service } from './service.js';

/** `hello` or `hello.service` (both valid in hosts.ts) -> `hello`. */
export function unitBase(unit: string): string {
  return unit.endsWith('.service') ? unit.slice(0, -'.service'.length) : unit;
}

/** The file a template becomes: `app.service` -> `hello.service`, `app.socket` -> `hello.socket`. */
export function unitFileName(stageUnit: string, template: string): string {
  const dot = template.lastIndexOf('.');
  if (dot <= 0)
    throw new ConfigError(
      `unit template ${JSON.stringify(template)} has no type suffix`,
      'name templates like the unit type they make: app.service, app.socket, app.timer',
    );
  return `${unitBase(stageUnit)}${template.slice(dot)}`;
}

/** Where systemd looks for units an administrator installed. */
export const UNIT_DIR = '/etc/systemd/system';

/** The service's env file on the hosts: uploaded by setup, read by systemd (EnvironmentFile=). */
export const envFilePath = (stage: Pick<UnitStage, 'path'>) => paths.envFile({ root: stage.path });

/**
 * Quote one word for a systemd command line or setting: bare when harmless, else in double
 * quotes with `\` and `"` escaped (systemd unquotes with C-style escapes). `%` is left to the
 * template renderer, which escapes it in every value.
 */
export function systemdWord(word: string): string {
  return word.length > 0 && /^[A-Za-z0-9_@+=:,./-]+$/.test(word) ? word : doubleQuoted(word);
}

function doubleQuoted(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** `Environment="NAME=value"`: one quoted assignment per variable, so spaces and quotes survive. */
export function environmentAssignments(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([name, value]) => doubleQuoted(`${name}=${value}`));
}

/**
 * Split `service.exec` into its program and the rest of the line, the rest kept exactly as
 * written (it is a systemd command line: "..." groups words, $VAR expands from the environment).
 */
export function splitExec(exec: string): { program: string; rest: string } {
  const line = exec.trimStart();
  const quote = line[0];
  if (quote === '"' || quote === "'") {
    let program = '';
    for (let i = 1; i < line.length; i++) {
      const c = line[i]!;
      if (c === '\\' && i + 1 < line.length) program += line[++i];
      else if (c === quote) return { program, rest: line.slice(i + 1).trimEnd() };
      else program += c;
    }
    throw new ConfigError(`service.exec: unterminated ${quote} in ${JSON.stringify(exec)}`);
  }
  const end = line.search(/\s/);
  return end < 0 ? { program: line, rest: '' } : { program: line.slice(0, end), rest: line.slice(end).trimEnd() };
}

/**
 * How the program of `service.exec` becomes the absolute path systemd wants: absolute stays,
 * `bin/server` is relative to the release (`<path>/current/bin/server`), and a bare name
 * (`node`) must be looked up on each host with `command -v`, since hosts may differ.
 */
export function programLocation(program: string, current: string): { absolute: string } | { lookup: string } {
  if (program.startsWith('/')) return { absolute: program };
  if (program.includes('/')) return { absolute: posix.join(current, program) };
  return { lookup: program };
}

/** ExecStart's value: the resolved program, quoted for systemd, then the rest as written. */
export function execStart(absoluteProgram: string, rest: string): string {
  return `${systemdWord(absoluteProgram)}${rest === '' ? '' : ' '}${rest.trimStart()}`;
}

/**
 * Every placeholder the unit templates may use. `program` is the absolute path of the
 * service's program on this host (see programLocation).
 */
export function unitValues(stage: UnitStage, service: Service, program: string): TemplateValues {
  const base = unitBase(stage.unit);
  const current = paths.current({ root: stage.path });
  return {
    app: stage.app,
    stage: stage.name,
    unit: base,
    service: `${base}.service`,
    socketUnit: service.socket === undefined ? '' : `${base}.socket`,
    socket: service.socket,
    path: stage.path,
    current,
    shared: paths.shared({ root: stage.path }),
    envFile: envFilePath(stage),
    user: service.user,
    group: service.group,
    exec: execStart(program, splitExec(service.exec).rest),
    environment: environmentAssignments(service.env),
  };
}
