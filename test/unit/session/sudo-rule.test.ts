/**
 * The stage's sudo rule, in its one place: a command marked privileged runs through `sudo -n`
 * unless hosts.ts says `sudo: false`; the connections the session hands out (live and plan) both
 * apply it, so a host verb, a certificate step and `ship logs` never decide it again.
 */
import { describe, expect, it } from 'vitest';
import { type Command, stageSudo } from '../../../src/remote/command.js';
import { renderCommand } from '../../../src/remote/render.js';
import { certCommands } from '../../../src/remote/certs.js';
import { PlanConnection, printPlans } from '../../../src/session/plan.js';
import { SudoRuleConnection } from '../../../src/session/sudo-rule.js';
import type { Connection, RunOptions, RunResult } from '../../../src/transport/types.js';

const restart: Command = { argv: ['systemctl', 'restart', '--', 'app'], sudo: true };
const asService: Command = { argv: ['ln', '-sfn', 'a', 'b'], sudoUser: 'app' };

/** A connection that records the line it would send, as the SSH transport renders it. */
function recorder(): { sent: string[]; connection: Connection } {
  const sent: string[] = [];
  const connection = {
    host: { name: 'web1' },
    async run(command: Command, _options?: RunOptions): Promise<RunResult> {
      sent.push(renderCommand(command));
      return { code: 0, stdout: '', stderr: '' };
    },
    async forwardOut() {
      throw new Error('not here');
    },
    async close() {},
  } as unknown as Connection;
  return { sent, connection };
}

describe('stageSudo', () => {
  it('keeps sudo when the stage allows it and drops it when hosts.ts says sudo: false', () => {
    expect(renderCommand(stageSudo(restart, true))).toBe('sudo -n -- systemctl restart -- app');
    expect(renderCommand(stageSudo(restart, false))).toBe('systemctl restart -- app');
    expect(stageSudo(restart, false)).not.toHaveProperty('sudo');
  });

  it('leaves commands that ask for no privilege, and a drop to the service user, as they are', () => {
    const plain: Command = { argv: ['true'] };
    expect(stageSudo(plain, false)).toBe(plain);
    expect(renderCommand(stageSudo(asService, false))).toBe('sudo -n -u app -- ln -sfn a b');
  });
});

describe('the connections the session hands out', () => {
  it('a live connection sends what the stage allows', async () => {
    for (const allowed of [true, false]) {
      const { sent, connection } = recorder();
      const live = new SudoRuleConnection(connection, allowed);
      await live.run(restart);
      await live.run(certCommands.nginxTest());
      expect(sent).toEqual(
        allowed ? ['sudo -n -- systemctl restart -- app', 'sudo -n -- nginx -t'] : ['systemctl restart -- app', 'nginx -t'],
      );
      expect(live.host).toEqual({ name: 'web1' });
    }
  });

  it('both report the command as it ran, so a caller that judges the exit code shows that', async () => {
    for (const allowed of [true, false]) {
      const live = new SudoRuleConnection(recorder().connection, allowed);
      const plan = new PlanConnection('web1', undefined, allowed);
      for (const connection of [live, plan]) {
        for (const options of [{}, { readOnly: true }]) {
          const { ran } = await connection.run(restart, options);
          expect(renderCommand(ran!)).toBe(allowed ? 'sudo -n -- systemctl restart -- app' : 'systemctl restart -- app');
        }
      }
    }
  });

  it('a plan shows what would run under the same rule', async () => {
    const lines = (allowed: boolean) => {
      const plan = new PlanConnection('web1', undefined, allowed);
      return plan.run(restart).then(() => {
        const out: string[] = [];
        printPlans(new Map([['web1', plan]]), (l) => out.push(l), { full: false });
        return out.filter((l) => l.includes('systemctl'));
      });
    };
    expect(await lines(true)).toEqual(['web1 |     sudo -n -- systemctl restart -- app']);
    expect(await lines(false)).toEqual(['web1 |     systemctl restart -- app']);
  });
});
