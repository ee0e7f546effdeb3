/**
 * One case per builder of src/remote/*.ts: the command, the line people see, and its argv (for a
 * script command, the file and its arguments). commands.test.ts checks them exactly;
 * scripts.test.ts checks that they use every file under src/remote/sh.
 */
import type { Command } from '../../../src/remote/command.js';
import { certCommands } from '../../../src/remote/certs.js';
import { envFiles } from '../../../src/remote/env.js';
import { files } from '../../../src/remote/files.js';
import { lock } from '../../../src/remote/lock.js';
import { probe } from '../../../src/remote/probe.js';
import { release } from '../../../src/remote/release.js';
import { statusCommands } from '../../../src/remote/status.js';
import { journal, systemctl } from '../../../src/remote/systemctl.js';
import { timers } from '../../../src/remote/timers.js';
import { units } from '../../../src/remote/units.js';
import { upload } from '../../../src/remote/upload.js';
import { verifyCommands } from '../../../src/remote/verify.js';

const l = { root: '/srv/hello' };
const id = '20260101T000000Z-abcdef';
const old = '20251231T235959Z-012345';
const info = '{"who":"me@laptop","token":"t1"}';
const cert = '/etc/ship/certs/a.example.com/fullchain.pem';
const key = '/etc/ship/certs/a.example.com/privkey.pem';

/** The builders by their full name, so a new one without a case here fails below. */
export const BUILDERS = {
  upload,
  release,
  lock,
  statusCommands,
  verifyCommands,
  certCommands,
  files,
  envFiles,
  probe,
  units,
  systemctl,
  journal,
  timers,
};

export interface Case {
  command: Command;
  /** displayCommand's line. */
  shown: string;
  /** A script command: the file it runs and its arguments; any other: its whole argv. */
  script?: string;
  argv: readonly string[];
  sudo?: boolean;
}

/** One case per builder (`object.key`), with arguments of the shape ship passes. */
export const CASES: Record<string, Case> = {
  'upload.facts': {
    command: upload.facts(l),
    shown: 'read-upload-facts.sh /srv/hello',
    script: 'read-upload-facts.sh',
    argv: ['/srv/hello'],
  },
  'upload.stage': {
    command: upload.stage(l, id, old, old),
    shown: `stage-release.sh /srv/hello ${id} ${old} ${old}`,
    script: 'stage-release.sh',
    argv: ['/srv/hello', id, old, old],
  },
  'upload.stageMoved': {
    command: upload.stageMoved(l, id, old),
    shown: `copy-moved.sh /srv/hello ${id} ${old}`,
    script: 'copy-moved.sh',
    argv: ['/srv/hello', id, old],
  },
  'upload.receive': {
    command: upload.receive(l, id, 'zstd', old),
    shown: `receive-release.sh /srv/hello ${id} zstd ${old}`,
    script: 'receive-release.sh',
    argv: ['/srv/hello', id, 'zstd', old],
  },
  'upload.clear': {
    command: upload.clear(l, id),
    shown: `clear-paths.sh /srv/hello ${id}`,
    script: 'clear-paths.sh',
    argv: ['/srv/hello', id],
  },
  'upload.finalize': {
    command: upload.finalize(l, id, 1234),
    shown: `finalize-release.sh /srv/hello ${id} 1234`,
    script: 'finalize-release.sh',
    argv: ['/srv/hello', id, '1234'],
  },

  'release.prepare': {
    command: release.prepare(l),
    shown: 'mkdir -p -- /srv/hello/releases /srv/hello/shared /srv/hello/.ship',
    argv: ['mkdir', '-p', '--', '/srv/hello/releases', '/srv/hello/shared', '/srv/hello/.ship'],
  },
  'release.linkShared': {
    command: release.linkShared(l, id, ['.env', 'public/uploads/']),
    shown: `link-shared.sh /srv/hello ${id} .env public/uploads/`,
    script: 'link-shared.sh',
    argv: ['/srv/hello', id, '.env', 'public/uploads/'],
  },
  'release.switchCurrent': {
    command: release.switchCurrent(l, id),
    shown: `switch-current.sh /srv/hello ${id}`,
    script: 'switch-current.sh',
    argv: ['/srv/hello', id],
  },
  'release.readCurrent': {
    command: release.readCurrent(l),
    shown: 'read-current.sh /srv/hello/current',
    script: 'read-current.sh',
    argv: ['/srv/hello/current'],
  },
  'release.remove': {
    command: release.remove(l, [old, id]),
    shown: `remove-releases.sh /srv/hello ${old} ${id}`,
    script: 'remove-releases.sh',
    argv: ['/srv/hello', old, id],
  },
  'release.removeLeftovers': {
    command: release.removeLeftovers(l, [
      { kind: 'partial', id },
      { kind: 'upload', id: old },
    ]),
    shown: `remove-leftovers.sh /srv/hello partial ${id} upload ${old}`,
    script: 'remove-leftovers.sh',
    argv: ['/srv/hello', 'partial', id, 'upload', old],
  },
  'release.log': {
    command: release.log(l, { release: id, result: 'ok' }),
    shown: `append-log.sh /srv/hello/.ship/releases.log '{"release":"${id}","result":"ok"}'`,
    script: 'append-log.sh',
    argv: ['/srv/hello/.ship/releases.log', `{"release":"${id}","result":"ok"}`],
  },
  'release.inventory': {
    command: release.inventory(l),
    shown: 'read-inventory.sh /srv/hello',
    script: 'read-inventory.sh',
    argv: ['/srv/hello'],
  },

  'lock.acquire': {
    command: lock.acquire('/srv/hello/.ship/lock', info, 't1'),
    shown: `take-lock.sh /srv/hello/.ship/lock '${info}' t1`,
    script: 'take-lock.sh',
    argv: ['/srv/hello/.ship/lock', info, 't1'],
  },
  'lock.removeIf': {
    command: lock.removeIf('/srv/hello/.ship/lock', info),
    shown: `release-lock.sh /srv/hello/.ship/lock '${info}' ''`,
    script: 'release-lock.sh',
    argv: ['/srv/hello/.ship/lock', info, ''],
  },
  'lock.status': {
    command: lock.status('/srv/hello/.ship/lock'),
    shown: 'read-lock.sh /srv/hello/.ship/lock',
    script: 'read-lock.sh',
    argv: ['/srv/hello/.ship/lock'],
  },

  'statusCommands.read': {
    command: statusCommands.read('/srv/hello', ['hello.service', 'hello.socket']),
    shown: 'read-status.sh /srv/hello hello.service hello.socket',
    script: 'read-status.sh',
    argv: ['/srv/hello', 'hello.service', 'hello.socket'],
  },

  'verifyCommands.read': {
    command: verifyCommands.read(l, id),
    shown: `read-release.sh /srv/hello ${id}`,
    script: 'read-release.sh',
    argv: ['/srv/hello', id],
  },
  'verifyCommands.hash': {
    command: verifyCommands.hash(l, id, 30),
    shown: `hash-release.sh /srv/hello ${id} 30 'deadline passed'`,
    script: 'hash-release.sh',
    argv: ['/srv/hello', id, '30', 'deadline passed'],
  },

  'certCommands.read': {
    command: certCommands.read(cert, key),
    shown: `sudo -n -- read-cert.sh ${cert} ${key}`,
    script: 'read-cert.sh',
    argv: [cert, key],
    sudo: true,
  },
  'certCommands.stage': {
    command: certCommands.stage(key, '0600', 227),
    shown: `sudo -n -- stage-cert-file.sh ${key} 0600 227`,
    script: 'stage-cert-file.sh',
    argv: [key, '0600', '227'],
    sudo: true,
  },
  'certCommands.readOrigin': {
    command: certCommands.readOrigin(`${cert}.ship.json`),
    shown: `sudo -n -- read-if-present.sh ${cert}.ship.json`,
    script: 'read-if-present.sh',
    argv: [`${cert}.ship.json`],
    sudo: true,
  },
  'certCommands.swap': {
    command: certCommands.swap([key, cert]),
    shown: `sudo -n -- swap-cert-files.sh ${key} ${cert}`,
    script: 'swap-cert-files.sh',
    argv: [key, cert],
    sudo: true,
  },
  'certCommands.restore': {
    command: certCommands.restore([key, cert]),
    shown: `sudo -n -- restore-cert-files.sh ${key} ${cert}`,
    script: 'restore-cert-files.sh',
    argv: [key, cert],
    sudo: true,
  },
  'certCommands.discard': {
    command: certCommands.discard([key, cert]),
    shown: `sudo -n -- discard-cert-files.sh ${key} ${cert}`,
    script: 'discard-cert-files.sh',
    argv: [key, cert],
    sudo: true,
  },
  'certCommands.nginxTest': { command: certCommands.nginxTest(), shown: 'sudo -n -- nginx -t', argv: ['nginx', '-t'], sudo: true },
  'certCommands.reload': {
    command: certCommands.reload('nginx'),
    shown: 'sudo -n -- systemctl reload nginx',
    argv: ['systemctl', 'reload', 'nginx'],
    sudo: true,
  },
  'certCommands.placeToken': {
    command: certCommands.placeToken('/var/www/html', 'tok_EN-1'),
    shown: 'sudo -n -- place-token.sh /var/www/html tok_EN-1',
    script: 'place-token.sh',
    argv: ['/var/www/html', 'tok_EN-1'],
    sudo: true,
  },
  'certCommands.removeToken': {
    command: certCommands.removeToken('/var/www/html', 'tok_EN-1'),
    shown: 'sudo -n -- remove-token.sh /var/www/html tok_EN-1',
    script: 'remove-token.sh',
    argv: ['/var/www/html', 'tok_EN-1'],
    sudo: true,
  },

  'files.directoryState': {
    command: files.directoryState('deploy', undefined, ['/srv/hello', '/srv/hello/.ship']),
    shown: "read-directory-state.sh deploy '' /srv/hello /srv/hello/.ship",
    script: 'read-directory-state.sh',
    argv: ['deploy', '', '/srv/hello', '/srv/hello/.ship'],
  },
  'files.createDirectories': {
    command: files.createDirectories('deploy', 'www', ['/srv/hello', '/srv/hello/.ship']),
    shown: 'sudo -n -- install -d -m 0755 -o deploy -g www -- /srv/hello /srv/hello/.ship',
    argv: ['install', '-d', '-m', '0755', '-o', 'deploy', '-g', 'www', '--', '/srv/hello', '/srv/hello/.ship'],
    sudo: true,
  },
  'files.fileState': {
    command: files.fileState('/srv/hello/shared/.env', 'app'),
    shown: 'sudo -n -u app -- read-file-state.sh /srv/hello/shared/.env',
    script: 'read-file-state.sh',
    argv: ['/srv/hello/shared/.env'],
  },
  'files.installFile': {
    command: files.installFile('/etc/systemd/system/hello.service', '644', 'root:root', 512),
    shown: 'sudo -n -- install-file.sh /etc/systemd/system/hello.service 644 512 root:root',
    script: 'install-file.sh',
    argv: ['/etc/systemd/system/hello.service', '644', '512', 'root:root'],
    sudo: true,
  },
  'files.installOwnFile': {
    command: files.installOwnFile('/srv/hello/shared/.env', '600', 'app', 12),
    shown: 'sudo -n -u app -- install-file.sh /srv/hello/shared/.env 600 12',
    script: 'install-file.sh',
    argv: ['/srv/hello/shared/.env', '600', '12'],
  },
  'envFiles.read': {
    command: envFiles.read('/srv/hello/shared/.env', 'app'),
    shown: 'sudo -n -u app -- read-if-present.sh /srv/hello/shared/.env',
    script: 'read-if-present.sh',
    argv: ['/srv/hello/shared/.env'],
  },
  'envFiles.copy': {
    command: envFiles.copy('/srv/hello/shared/.env', '/srv/hello/shared/.env.previous', 'app'),
    shown: 'sudo -n -u app -- copy-env-file.sh /srv/hello/shared/.env /srv/hello/shared/.env.previous',
    script: 'copy-env-file.sh',
    argv: ['/srv/hello/shared/.env', '/srv/hello/shared/.env.previous'],
  },
  'envFiles.console': {
    command: envFiles.console('/srv/hello/current', '/srv/hello/shared/.env', ['node', '-e', 'x; $(y)'], 'app'),
    shown: "sudo -n -u app -- console.sh /srv/hello/current /srv/hello/shared/.env node -e 'x; $(y)'",
    script: 'console.sh',
    argv: ['/srv/hello/current', '/srv/hello/shared/.env', 'node', '-e', 'x; $(y)'],
  },
  'files.origin': {
    command: files.origin('/etc/systemd/system/hello.service'),
    shown: 'read-file-origin.sh /etc/systemd/system/hello.service',
    script: 'read-file-origin.sh',
    argv: ['/etc/systemd/system/hello.service'],
  },
  'files.remove': {
    command: files.remove('/etc/systemd/system/hello.socket'),
    shown: 'sudo -n -- rm -f -- /etc/systemd/system/hello.socket',
    argv: ['rm', '-f', '--', '/etc/systemd/system/hello.socket'],
    sudo: true,
  },

  'probe.whoami': { command: probe.whoami(), shown: 'id -un', argv: ['id', '-un'] },
  'probe.sudo': { command: probe.sudo(), shown: 'sudo -n true', argv: ['sudo', '-n', 'true'] },
  'probe.systemd': { command: probe.systemd(), shown: 'probe-systemd.sh', script: 'probe-systemd.sh', argv: [] },
  'probe.tool': { command: probe.tool('zstd'), shown: 'find-tool.sh zstd', script: 'find-tool.sh', argv: ['zstd'] },
  'probe.existingAncestor': {
    command: probe.existingAncestor('/srv/hello'),
    shown: 'existing-ancestor.sh /srv/hello',
    script: 'existing-ancestor.sh',
    argv: ['/srv/hello'],
  },
  'probe.freeSpace': {
    command: probe.freeSpace('/srv/hello'),
    shown: 'free-space.sh /srv/hello',
    script: 'free-space.sh',
    argv: ['/srv/hello'],
  },

  'units.fileOwner': {
    command: units.fileOwner('hello.service'),
    shown: 'read-unit-owner.sh hello.service',
    script: 'read-unit-owner.sh',
    argv: ['hello.service'],
  },

  'systemctl.action': {
    command: systemctl.action('restart', 'hello.service'),
    shown: 'sudo -n -- systemctl restart -- hello.service',
    argv: ['systemctl', 'restart', '--', 'hello.service'],
    sudo: true,
  },
  'systemctl.resetFailed': {
    command: systemctl.resetFailed('hello.service'),
    shown: 'sudo -n -- systemctl reset-failed -- hello.service',
    argv: ['systemctl', 'reset-failed', '--', 'hello.service'],
    sudo: true,
  },
  'systemctl.isActive': {
    command: systemctl.isActive('hello.service'),
    shown: 'systemctl is-active -- hello.service',
    argv: ['systemctl', 'is-active', '--', 'hello.service'],
  },
  'systemctl.probe': {
    command: systemctl.probe('hello.service'),
    shown: 'systemctl show -p ActiveState -p InvocationID --value -- hello.service',
    argv: ['systemctl', 'show', '-p', 'ActiveState', '-p', 'InvocationID', '--value', '--', 'hello.service'],
  },
  'systemctl.daemonReload': {
    command: systemctl.daemonReload(),
    shown: 'sudo -n -- systemctl daemon-reload',
    argv: ['systemctl', 'daemon-reload'],
    sudo: true,
  },
  'systemctl.isEnabled': {
    command: systemctl.isEnabled(['hello.service', 'hello.socket']),
    shown: 'systemctl is-enabled -- hello.service hello.socket',
    argv: ['systemctl', 'is-enabled', '--', 'hello.service', 'hello.socket'],
  },
  'systemctl.enable': {
    command: systemctl.enable(['hello.socket']),
    shown: 'sudo -n -- systemctl enable -- hello.socket',
    argv: ['systemctl', 'enable', '--', 'hello.socket'],
    sudo: true,
  },
  'systemctl.disable': {
    command: systemctl.disable('hello.socket'),
    shown: 'sudo -n -- systemctl disable -- hello.socket',
    argv: ['systemctl', 'disable', '--', 'hello.socket'],
    sudo: true,
  },
  'systemctl.stop': {
    command: systemctl.stop('hello.socket'),
    shown: 'sudo -n -- systemctl stop -- hello.socket',
    argv: ['systemctl', 'stop', '--', 'hello.socket'],
    sudo: true,
  },
  'systemctl.reloadForCerts': {
    command: systemctl.reloadForCerts('nginx'),
    shown: 'sudo -n -- systemctl reload nginx',
    argv: ['systemctl', 'reload', 'nginx'],
    sudo: true,
  },

  'journal.recent': {
    command: journal.recent('hello.service', 50),
    shown: 'sudo -n -- journalctl -u hello.service -n 50 --no-pager -o short-iso',
    argv: ['journalctl', '-u', 'hello.service', '-n', '50', '--no-pager', '-o', 'short-iso'],
    sudo: true,
  },
  'journal.logs': {
    command: journal.logs('hello.service', { lines: 20, follow: true }),
    shown: 'sudo -n -- journalctl -u hello.service -n 20 --no-pager --no-hostname -o short-iso -f',
    argv: ['journalctl', '-u', 'hello.service', '-n', '20', '--no-pager', '--no-hostname', '-o', 'short-iso', '-f'],
    sudo: true,
  },
  'timers.checkCalendar': {
    command: timers.checkCalendar('*-*-* *:00/15'),
    shown: "systemd-analyze calendar -- '*-*-* *:00/15'",
    argv: ['systemd-analyze', 'calendar', '--', '*-*-* *:00/15'],
  },
  'timers.listOwn': {
    command: timers.listOwn(' of /srv/hello, written by ship setup'),
    shown: "list-timer-units.sh ' of /srv/hello, written by ship setup'",
    script: 'list-timer-units.sh',
    argv: [' of /srv/hello, written by ship setup'],
  },
  'timers.wrapper': { command: timers.wrapper(), shown: 'run-job.sh', script: 'run-job.sh', argv: [] },
  'timers.show': {
    command: timers.show(['hello-backup.timer', 'hello-backup.service']),
    shown:
      'systemctl show -p Id -p NextElapseUSecRealtime -p LastTriggerUSec -p ActiveState -p Result -p ExecMainStatus -p ExecMainStartTimestamp -p ExecMainExitTimestamp -- hello-backup.timer hello-backup.service',
    argv: [
      'systemctl',
      'show',
      ...[
        'Id',
        'NextElapseUSecRealtime',
        'LastTriggerUSec',
        'ActiveState',
        'Result',
        'ExecMainStatus',
        'ExecMainStartTimestamp',
        'ExecMainExitTimestamp',
      ].flatMap((p) => ['-p', p]),
      '--',
      'hello-backup.timer',
      'hello-backup.service',
    ],
  },
  'timers.start': {
    command: timers.start('hello-backup.service'),
    shown: 'sudo -n -- systemctl start -- hello-backup.service',
    argv: ['systemctl', 'start', '--', 'hello-backup.service'],
    sudo: true,
  },
  'timers.invocation': {
    command: timers.invocation('hello-backup.service'),
    shown: 'systemctl show -p InvocationID --value -- hello-backup.service',
    argv: ['systemctl', 'show', '-p', 'InvocationID', '--value', '--', 'hello-backup.service'],
  },
  'timers.syncJournal': {
    command: timers.syncJournal(),
    shown: 'sudo -n -- journalctl --sync',
    argv: ['journalctl', '--sync'],
    sudo: true,
  },
  'timers.journalOf': {
    command: timers.journalOf('0123456789abcdef0123456789abcdef', 200),
    shown: 'sudo -n -- journalctl _SYSTEMD_INVOCATION_ID=0123456789abcdef0123456789abcdef -n 200 --no-pager -o cat',
    argv: ['journalctl', '_SYSTEMD_INVOCATION_ID=0123456789abcdef0123456789abcdef', '-n', '200', '--no-pager', '-o', 'cat'],
    sudo: true,
  },
};
