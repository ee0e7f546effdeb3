/**
 * ship console against a real host: driven by a pseudo-terminal (util-linux `script`, as a person
 * at a terminal would be), a command runs in `current`, as service.user, with the env file's
 * variables, on a real remote terminal, and its exit code is ship's; without a terminal, stdin
 * is passed through.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onHost, project, ship, SHIP, removeApp } from './support.js';

// Names of its own, so this file leaves the hosts as other test files expect them.
const APP = 'consoletest';
const PATH = `/srv/${APP}`;
const PORT = 4491;
const HOSTS = ['h1', 'h2'];
const SECRET = 'console-secret-4f7a9c21';
// A value a shell would expand if the env file were sourced: the console must set it as text.
const HOSTILE = '$(touch /tmp/consoletest-pwned) `id` ; x';

const SERVER = `require('node:http').createServer((_q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');\n`;

let dir: string;

/** `ship console ...` on a pseudo-terminal: `script` gives ship a terminal, and returns its exit code (-e). */
function onTerminal(args: string[], input: string) {
  const line = ['node', SHIP, ...args].map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
  return execa('script', ['-qec', line, '/dev/null'], {
    cwd: dir,
    input,
    reject: false,
    timeout: 60_000,
    env: { SHIP_NO_COLOR: '1', TERM: 'xterm' },
  });
}

beforeAll(async () => {
  dir = await project(
    {
      app: APP,
      build: { run: ['sh', '-c', 'mkdir -p dist && cp server.js dist/ && echo here > dist/MARKER'], dir: 'dist' },
      service: { exec: 'node server.js', user: 'deploy', env: { PORT: String(PORT) }, envFile: '.env.prod' },
      stages: { prod: { hosts: HOSTS, path: PATH, unit: APP, health: { url: `http://127.0.0.1:${PORT}/`, timeout: 10 } } },
    },
    { 'server.js': SERVER, '.env.prod': `# console test\nAPP_SECRET=${SECRET}\nQUOTED="${HOSTILE}"\n` },
  );
  for (const step of ['setup', 'deploy']) {
    const r = await ship([step, 'prod'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }
}, 300_000);

afterAll(() => removeApp(HOSTS, APP, PATH, ['/tmp/consoletest-pwned']));

/**
 * A pseudo-terminal of 33x101 rows and columns driven from Python: when the remote side says
 * `ready`, the window grows to 44x120 (the kernel tells ship with SIGWINCH); on `armed`, Ctrl-C
 * is typed. Prints everything the terminal showed; exits with ship's exit code.
 */
const DRIVER = `
import fcntl, os, pty, select, struct, sys, termios, time
size = lambda fd, rows, cols: fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    size(0, 33, 101)
    os.execvp(sys.argv[1], sys.argv[1:])
seen, sent, deadline = b'', set(), time.time() + 60
while time.time() < deadline:
    if select.select([fd], [], [], 1)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if b'ready' in seen and 'resize' not in sent:
        sent.add('resize'); size(fd, 44, 120)
    if b'armed' in seen and 'ctrl-c' not in sent:
        sent.add('ctrl-c'); os.write(fd, b'\\x03')
sys.stdout.write(seen.decode('utf8', 'replace'))
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

describe('ship console', () => {
  it('on a terminal: runs the command on a remote terminal in current, as service.user, with the env, and returns its exit code', async () => {
    const script =
      'read answer; test -t 0 && echo "tty=yes"; echo "pwd=$(pwd -P)"; echo "user=$(id -un)"; echo "secret=$APP_SECRET"; echo "quoted=$QUOTED"; echo "marker=$(cat MARKER)"; echo "answer=$answer"; exit 7';
    const r = await onTerminal(['console', 'prod', '--', 'sh', '-c', script], 'forty-two\n');
    const out = r.stdout.replace(/\r/g, '');
    expect(r.exitCode, out).toBe(7);
    expect(out).toContain('tty=yes');
    expect(out).toMatch(new RegExp(`pwd=${PATH}/releases/[^\\n]+`));
    expect(out).toContain('user=deploy');
    expect(out).toContain(`secret=${SECRET}`);
    expect(out).toContain(`quoted=${HOSTILE}`);
    expect(out).toContain('marker=here');
    expect(out).toContain('answer=forty-two');
    expect(await onHost('h1', 'test -e /tmp/consoletest-pwned && echo yes || echo no')).toBe('no');
  }, 90_000);

  it('on a terminal: the remote PTY has the window size and follows a resize, and Ctrl-C reaches the remote program', async () => {
    // Waits (10 s at most) for the new size to arrive, then waits for Ctrl-C, which its trap turns into exit 9.
    const script = [
      'stty size; echo ready',
      'i=0; while [ "$(stty size)" = "33 101" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stty size',
      'trap "echo got-ctrl-c; exit 9" INT; echo armed; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 1',
    ].join('\n');
    const r = await execa('python3', ['-c', DRIVER, 'node', SHIP, 'console', 'prod', '--', 'sh', '-c', script], {
      cwd: dir,
      reject: false,
      timeout: 90_000,
      env: { SHIP_NO_COLOR: '1', TERM: 'xterm' },
    });
    const lines = r.stdout.replace(/\r/g, '').split('\n');
    expect(r.exitCode, r.stdout).toBe(9);
    expect(lines).toContain('33 101');
    expect(lines).toContain('44 120');
    // The remote terminal echoes the keystroke (^C) on the line its trap then prints on.
    expect(
      lines.some((l) => l.endsWith('got-ctrl-c')),
      r.stdout,
    ).toBe(true);
  }, 120_000);

  it('opens on the host --host names', async () => {
    const r = await onTerminal(['console', 'prod', '--host', 'h2', '--', 'sh', '-c', 'hostname; exit 0'], '');
    expect(r.exitCode).toBe(0);
    const [h1, h2] = await Promise.all(['h1', 'h2'].map(async (h) => (await onHost(h, 'hostname')).trim()));
    const out = r.stdout.replace(/\r/g, '');
    // A line that ends with the host's name (the terminal may echo a control character before it).
    expect(out).toMatch(new RegExp(`(^|\\W)${h2}$`, 'm'));
    expect(out).not.toMatch(new RegExp(`(^|\\W)${h1}$`, 'm'));
  }, 90_000);

  it("without a terminal: no PTY, stdin passed through, the exit code is the command's", async () => {
    const r = await execa(
      'node',
      [SHIP, 'console', 'prod', '--', 'sh', '-c', 'test -t 0 || echo "no tty"; tr a-z A-Z; echo "$APP_SECRET"; exit 3'],
      {
        cwd: dir,
        input: 'piped text\n',
        reject: false,
        timeout: 60_000,
        env: { SHIP_NO_COLOR: '1' },
      },
    );
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stdout.split('\n')).toEqual(['no tty', 'PIPED TEXT', SECRET]);
  }, 90_000);
});

// service.user is not the SSH user (root here, as in root-writes.test.ts): the console goes
// through `sudo -n -u`, and only that user and root can read shared/.env (0600); `id -un` says
// which of the two ran the command.
describe('ship console as a service user that is not the SSH user', () => {
  const OTHER = 'consoleother';
  const OTHER_PATH = `/srv/${OTHER}`;
  let other: string;

  beforeAll(async () => {
    other = await project(
      {
        app: OTHER,
        build: { run: ['sh', '-c', 'mkdir -p dist && cp server.js dist/'], dir: 'dist' },
        service: { exec: 'node server.js', user: 'nosudo', env: { PORT: '4492' }, envFile: '.env.prod' },
        stages: { prod: { hosts: ['root@h1'], path: OTHER_PATH, unit: OTHER, health: { url: 'http://127.0.0.1:4492/', timeout: 10 } } },
      },
      { 'server.js': SERVER, '.env.prod': `APP_SECRET=${SECRET}\n` },
    );
    for (const step of ['setup', 'deploy']) {
      const r = await ship([step, 'prod'], { cwd: other });
      expect(r.code, r.stderr).toBe(0);
    }
  }, 300_000);

  afterAll(() => removeApp(['h1'], OTHER, OTHER_PATH));

  it('runs the command as service.user, through sudo, with the env file only that user can read', async () => {
    const r = await execa('node', [SHIP, 'console', 'prod', '--', 'sh', '-c', 'echo "user=$(id -un) secret=$APP_SECRET"; exit 5'], {
      cwd: other,
      reject: false,
      timeout: 60_000,
      env: { SHIP_NO_COLOR: '1' },
    });
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stdout.trim()).toBe(`user=nosudo secret=${SECRET}`);
    // The SSH user itself cannot read the file: the value came by way of the service user.
    expect((await onHost('h1', `test -r ${OTHER_PATH}/shared/.env && echo readable || echo unreadable`)).trim()).toBe('unreadable');
  }, 90_000);
});
