/**
 * `ship deploy --dry-run --offline` needs no host: the stage's hosts here are a loopback port
 * that counts connections (none may come) and a name that never resolves (.invalid).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { project, ship } from './support.js';

let server: Server;
let port = 0;
const connections: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    connections.push(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The plan's lines of each host, from its `host | plan` header to the next host's. */
function planSections(stdout: string, hosts: string[]): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let open: string[] | undefined;
  for (const line of stdout.split('\n')) {
    const starts = hosts.find((h) => line.startsWith(`${h} | plan`));
    if (starts) sections.set(starts, (open = []));
    open?.push(line);
  }
  return sections;
}

describe('ship deploy --dry-run --offline', () => {
  it('plans a first deploy without any host: each command under its step, at most 40 lines a host, nothing connected', async () => {
    const hosts = [`deploy@127.0.0.1:${port}`, 'web2.invalid'];
    const dir = await project({
      app: 'hello',
      build: { run: ['sh', '-c', 'mkdir -p dist && echo hello > dist/index.html && echo ok > dist/health'], dir: 'dist' },
      service: { exec: 'node server.js', user: 'deploy', env: { PORT: '4000' } },
      stages: {
        prod: {
          hosts,
          path: '/srv/hello',
          unit: 'hello',
          keep: 5,
          shared: ['.env', 'uploads/'],
          health: { url: 'http://127.0.0.1:4000/health', timeout: 30 },
        },
      },
    });
    const r = await ship(['deploy', 'prod', '--dry-run', '--offline'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(connections).toHaveLength(0);
    const sections = planSections(r.stdout, hosts);
    expect([...sections.keys()]).toEqual(hosts);
    for (const [host, lines] of sections) {
      expect(lines[0]).toMatch(/^\S+ \| plan, offline: assumed a host ship has not touched yet/);
      expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(40);
      let label: string | undefined;
      for (const line of lines.slice(1)) {
        const step = new RegExp(`^${host.replace(/[.]/g, '\\.')} \\|   (\\S.*)$`).exec(line);
        if (step) {
          label = step[1];
          continue;
        }
        expect(line, 'a command line of the plan').toMatch(new RegExp(`^${host.replace(/[.]/g, '\\.')} \\|     \\S`));
        expect(label, `${line}: under a step`).toBeDefined();
      }
      expect(lines.some((l) => l.endsWith('|   lock'))).toBe(true);
      expect(lines.some((l) => /\| {3}switch current -> \S+$/.test(l))).toBe(true);
      expect(lines.some((l) => l.includes('sudo -n -- systemctl restart -- hello'))).toBe(true);
    }
    // The upload tells what it would send, not bytes a dry run never sent.
    expect(r.stdout).not.toMatch(/upload \d+ B \(gzip\) of/);

    // --json: the same plan, one `plan` event per host, the same steps and lines as printed.
    const json = await ship(['deploy', 'prod', '--dry-run', '--offline', '--json'], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const plans = json.stdout
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            host?: string;
            assumed?: string;
            steps?: Array<{ label: string; lines: Array<{ text: string }> }>;
          },
      )
      .filter((e) => e.type === 'plan');
    expect(plans.map((p) => p.host)).toEqual(hosts);
    for (const plan of plans) {
      expect(plan.assumed).toMatch(/^assumed a host ship has not touched yet/);
      const printed = sections.get(plan.host!)!.filter((l) => /\| {5}/.test(l)).length;
      expect(plan.steps!.flatMap((s) => s.lines)).toHaveLength(printed);
      expect(plan.steps!.map((s) => s.label)).toContain('lock');
    }
    expect(connections).toHaveLength(0);
  });
});
