import { describe, expect, it } from 'vitest';
import { cronLine, cronMarker, cronSchedule, mergeCrontab } from '../../../src/acme/cron.js';

const input = { node: '/usr/bin/node', ship: '/opt/ship/bin/ship', config: '/srv/app/hosts.ts', cwd: '/srv/app' };

describe('crontab line', () => {
  it('runs renew twice a day with absolute node, ship and config, from the project directory', () => {
    const line = cronLine({ ...input, stage: 'prod' });
    expect(line).toMatch(/^\d{1,2} \d{1,2},\d{1,2} \* \* \* /);
    expect(line.replace(/^\S+ \S+ \* \* \* /, '')).toBe(
      'cd /srv/app && /usr/bin/node /opt/ship/bin/ship certs renew prod --config /srv/app/hosts.ts # ship-certs stage=prod config=/srv/app/hosts.ts',
    );
  });

  it('picks minute and hours from the config, 12 hours apart, the same every time', () => {
    const schedule = cronSchedule('/srv/app/hosts.ts');
    const [minute, hours] = schedule.split(' ');
    const [first, second] = (hours ?? '').split(',').map(Number);
    expect(Number(minute)).toBeLessThan(60);
    expect(second! - first!).toBe(12);
    expect(cronSchedule('/srv/app/hosts.ts')).toBe(schedule);
    expect(cronLine(input)).toBe(cronLine(input));
  });

  it("quotes paths for cron's sh and escapes %, which cron would turn into a newline", () => {
    const line = cronLine({ ...input, cwd: "/srv/my app's", config: '/srv/100%/hosts.ts' });
    expect(line).toContain(`cd '/srv/my app'\\''s' && `);
    expect(line).toContain('--config /srv/100\\%/hosts.ts');
    expect(line).not.toMatch(/[^\\]%/);
  });
});

describe('adding the line to a crontab', () => {
  const line = cronLine(input);
  const marker = cronMarker(input);

  it('adds it to an empty or existing crontab', () => {
    expect(mergeCrontab('', line, marker)).toEqual({ text: `${line}\n`, change: 'added' });
    expect(mergeCrontab('MAILTO=ops@example.com\n0 1 * * * backup\n', line, marker)).toEqual({
      text: `MAILTO=ops@example.com\n0 1 * * * backup\n${line}\n`,
      change: 'added',
    });
  });

  it('changes nothing the second time', () => {
    const once = mergeCrontab('0 1 * * * backup\n', line, marker).text;
    expect(mergeCrontab(once, line, marker)).toEqual({ text: once, change: 'unchanged' });
  });

  it('updates the command but keeps a schedule a person changed', () => {
    const moved = cronLine({ ...input, node: '/usr/local/bin/node' });
    const edited = `${line.replace(/^\S+ \S+ \* \* \*/, '30 4 * * 1')}\n`;
    const merged = mergeCrontab(edited, moved, marker);
    expect(merged.change).toBe('updated');
    expect(merged.text).toBe(`30 4 * * 1 ${moved.replace(/^\S+ \S+ \* \* \* /, '')}\n`);
  });

  it('keeps lines for other configs and stages apart', () => {
    const prod = cronLine({ ...input, stage: 'prod' });
    const merged = mergeCrontab(`${line}\n`, prod, cronMarker({ ...input, stage: 'prod' }));
    expect(merged.change).toBe('added');
  });
});
