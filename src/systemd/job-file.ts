/**
 * What `ship setup` puts into the scheduled-job templates (recipes/templates/job.service and
 * job.timer): values from hosts.ts, written the way systemd reads them. Pure, so unit tests can
 * compare rendered unit files exactly.
 */
import { paths } from '../remote/release.js';
import type { Service, UnitStage } from './service.js';
import type { TemplateValues } from './template.js';
import { environmentAssignments, envFilePath, systemdWord } from './unit-file.js';

/** One scheduled job as its unit files name it (a resolved Timer of config/types.ts is one). */
export interface JobSpec {
  name: string;
  run: readonly string[];
  on: string;
  /** `<unit>-<name>`: the base of its .service and .timer. */
  unit: string;
}

/**
 * One word of ExecStart=: quoted as systemdWord does, `$` doubled (systemd expands `$NAME` on
 * command lines; a job's argv is meant literally) and a lone `;` escaped (it separates commands).
 */
export function execWord(word: string): string {
  if (word === ';') return '\\;';
  return systemdWord(word.replaceAll('$', () => '$$'));
}

/**
 * The job's ExecStart=: the wrapper that takes the jobs' side of the switch lock and enters
 * `current` (src/remote/sh/run-job.sh, installed in .ship/), then the job's argv.
 */
export function jobExecStart(path: string, run: readonly string[]): string {
  const layout = { root: path };
  return ['/bin/sh', paths.runJob(layout), path, ...run].map(execWord).join(' ');
}

/** Every placeholder the job templates may use. */
export function jobValues(stage: UnitStage, job: JobSpec, service: Service): TemplateValues {
  return {
    app: stage.app,
    stage: stage.name,
    timer: job.name,
    unit: job.unit,
    jobService: `${job.unit}.service`,
    timerUnit: `${job.unit}.timer`,
    on: job.on,
    command: job.run.join(' '),
    path: stage.path,
    current: paths.current({ root: stage.path }),
    envFile: envFilePath(stage),
    user: service.user,
    group: service.group,
    exec: jobExecStart(stage.path, job.run),
    environment: environmentAssignments(service.env),
  };
}
