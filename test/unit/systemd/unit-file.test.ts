import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../../../src/config/types.js';
import { renderTemplate } from '../../../src/systemd/template.js';
import {
  environmentAssignments,
  execStart,
  programLocation,
  splitExec,
  systemdWord,
  unitBase,
  unitFileName,
  unitValues,
  type Service,
} from '../../../src/systemd/unit-file.js';

const template = (name: string) => readFileSync(new URL(`../../../recipes/templates/${name}`, import.meta.url), 'utf8');

function stage(service: Partial<Service> = {}, unit = 'hello'): { stage: Stage; service: Service } {
  const svc: Service = { exec: 'node server.js', user: 'deploy', env: { PORT: '4000' }, ...service };
  return {
    service: svc,
    stage: {
      name: 'prod',
      app: 'hello',
      hosts: ['h1'],
      path: '/srv/hello',
      unit,
      keep: 5,
      shared: [],
      sudo: true,
      service: svc,
      ssh: { connectTimeout: 10, commandTimeout: 600, stallTimeout: 60 },
      configFile: '/p/hosts.ts',
      configDir: '/p',
    },
  };
}

const render = (name: string, s: ReturnType<typeof stage>, program = '/usr/bin/node') =>
  renderTemplate(template(name), unitValues(s.stage, s.service, program), name);

describe('app.service', () => {
  it('renders a socket-activated service exactly', () => {
    expect(render('app.service', stage({ socket: 4000, group: 'www-data', env: { PORT: '4000', NODE_ENV: 'production' } }))).toBe(`\
# hello.service: written by ship setup from recipes/templates/app.service; edit that, not this.
[Unit]
Description=hello (prod), deployed by ship
Wants=network-online.target
After=network-online.target
Requires=hello.socket
After=hello.socket

[Service]
Type=exec
User=deploy
Group=www-data
WorkingDirectory=/srv/hello/current
ExecStart=/usr/bin/node server.js
Environment="PORT=4000"
Environment="NODE_ENV=production"
EnvironmentFile=-/srv/hello/shared/.env
Restart=on-failure
RestartSec=1
SyslogIdentifier=hello

NoNewPrivileges=yes
ProtectSystem=full
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
`);
  });

  it('leaves out the socket and group lines when hosts.ts sets neither, and Environment= when env is empty', () => {
    const text = render('app.service', stage({ env: {} }));
    expect(text).not.toMatch(/socket|^Group=|^Environment=/m);
    expect(text).toContain(
      '\nUser=deploy\nWorkingDirectory=/srv/hello/current\nExecStart=/usr/bin/node server.js\nEnvironmentFile=-/srv/hello/shared/.env\n',
    );
  });

  it('names the unit after stage.unit, with or without .service', () => {
    expect(render('app.service', stage({ socket: 80 }, 'web.service'))).toContain('Requires=web.socket\n');
    expect(unitFileName('web.service', 'app.socket')).toBe('web.socket');
    expect(unitFileName('web', 'app.service')).toBe('web.service');
    expect(unitBase('web.service')).toBe('web');
  });

  it('quotes hostile environment values per systemd rules and escapes % everywhere', () => {
    const text = render('app.service', stage({ env: { MSG: 'say "hi" \\ 100% $(rm -rf /) `x` \'q\'', EMPTY: '' } }));
    expect(text).toContain('Environment="MSG=say \\"hi\\" \\\\ 100%% $(rm -rf /) `x` \'q\'"\n');
    expect(text).toContain('Environment="EMPTY="\n');
  });

  it('keeps the rest of service.exec as written, with % escaped', () => {
    const text = render('app.service', stage({ exec: 'node server.js --greeting "hi there" --rate 5%' }));
    expect(text).toContain('ExecStart=/usr/bin/node server.js --greeting "hi there" --rate 5%%\n');
  });
});

describe('app.socket', () => {
  it('renders exactly', () => {
    expect(render('app.socket', stage({ socket: 4000 }))).toBe(`\
# hello.socket: written by ship setup from recipes/templates/app.socket; edit that, not this.
[Unit]
Description=hello (prod) listening socket on port 4000, deployed by ship

[Socket]
ListenStream=4000
Backlog=4096
Service=hello.service

[Install]
WantedBy=sockets.target
`);
  });
});

describe('the program of service.exec', () => {
  it('splits off the first word, quoted or not', () => {
    expect(splitExec('node server.js')).toEqual({ program: 'node', rest: ' server.js' });
    expect(splitExec('  node')).toEqual({ program: 'node', rest: '' });
    expect(splitExec('"/opt/my app/bin/run" --port 1')).toEqual({ program: '/opt/my app/bin/run', rest: ' --port 1' });
    expect(splitExec("'/opt/a\\'b' x")).toEqual({ program: "/opt/a'b", rest: ' x' });
    expect(() => splitExec('"/opt/unterminated')).toThrow(/unterminated/);
  });

  it('is looked up on the host when bare, anchored in current when relative', () => {
    expect(programLocation('node', '/srv/hello/current')).toEqual({ lookup: 'node' });
    expect(programLocation('/usr/local/bin/node', '/srv/hello/current')).toEqual({ absolute: '/usr/local/bin/node' });
    expect(programLocation('bin/server', '/srv/hello/current')).toEqual({ absolute: '/srv/hello/current/bin/server' });
    expect(programLocation('./server', '/srv/hello/current')).toEqual({ absolute: '/srv/hello/current/server' });
  });

  it('is quoted for systemd when it has spaces or quotes', () => {
    expect(execStart('/usr/bin/node', ' server.js')).toBe('/usr/bin/node server.js');
    expect(execStart('/opt/my app/run', '')).toBe('"/opt/my app/run"');
    expect(systemdWord('/opt/a"b\\c')).toBe('"/opt/a\\"b\\\\c"');
    expect(environmentAssignments({ A: '1', B: 'x y' })).toEqual(['"A=1"', '"B=x y"']);
  });
});
