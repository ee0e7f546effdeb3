/**
 * The values of the scheduled-job templates, and job.service / job.timer rendered with them:
 * the job's argv reaches ExecStart= literally ($ and % escaped, spaces quoted), under the wrapper.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execWord, jobExecStart, jobValues } from '../../../src/systemd/job-file.js';
import { renderTemplate } from '../../../src/systemd/template.js';

const template = (name: string) => readFileSync(new URL(`../../../recipes/templates/${name}`, import.meta.url), 'utf8');
const stage = { name: 'prod', app: 'hello', path: '/srv/hello', unit: 'hello' };
const job = {
  name: 'backup',
  run: ['bin/backup', '--to', 's3://b/x y', '$HOME', ';', '100%'],
  on: 'Mon *-*-* 03:00',
  unit: 'hello-backup',
};
const service = { exec: 'node server.js', user: 'deploy', env: { TZ: 'UTC' } };

describe('job unit files', () => {
  it('quotes each word of the argv for systemd, with $ doubled and a lone ; escaped', () => {
    expect(execWord('bin/backup')).toBe('bin/backup');
    expect(execWord('a b')).toBe('"a b"');
    expect(execWord('$HOME')).toBe('"$$HOME"');
    expect(execWord(';')).toBe('\\;');
    expect(execWord('say "hi"')).toBe('"say \\"hi\\""');
    expect(jobExecStart('/srv/hello', ['bin/backup'])).toBe('/bin/sh /srv/hello/.ship/run-job.sh /srv/hello bin/backup');
  });

  it('renders job.service: oneshot, as service.user, with env and env file, ExecStart through the wrapper', () => {
    const unit = renderTemplate(template('job.service'), jobValues(stage, job, service), 'job.service');
    expect(unit).toContain('# hello-backup.service: written by ship setup from recipes/templates/job.service');
    expect(unit).toContain('Type=oneshot\nUser=deploy\nWorkingDirectory=/srv/hello\n');
    expect(unit).toContain('ExecStart=/bin/sh /srv/hello/.ship/run-job.sh /srv/hello bin/backup --to "s3://b/x y" "$$HOME" \\; "100%%"\n');
    expect(unit).toContain('Environment="TZ=UTC"\nEnvironmentFile=-/srv/hello/shared/.env\n');
    expect(unit).not.toContain('Group=');
    expect(unit).not.toContain('##');
  });

  it('renders job.timer: the calendar, Persistent=true, its service, and the marker setup finds it by', () => {
    const unit = renderTemplate(template('job.timer'), jobValues(stage, job, service), 'job.timer');
    expect(unit.split('\n')[0]).toBe(
      '# hello-backup.timer: timer backup of /srv/hello, written by ship setup from recipes/templates/job.timer; edit that, not this.',
    );
    expect(unit).toContain('[Timer]\nOnCalendar=Mon *-*-* 03:00\nPersistent=true\nUnit=hello-backup.service\n');
    expect(unit).toContain('[Install]\nWantedBy=timers.target\n');
  });
});
