/**
 * A connection that applies the stage's sudo rule (remote/command.ts stageSudo) to every command
 * it is sent. The session hands out only these, so host verbs, certificate steps, logs and the
 * read-only commands all follow hosts.ts `sudo` without each deciding it again.
 */
import type { Duplex } from 'node:stream';
import { type Command, stageSudo } from '../remote/command.js';
import type { Connection, InteractiveOptions, InteractiveResult, ResolvedHost, RunOptions, RunResult } from '../transport/types.js';

export class SudoRuleConnection implements Connection {
  constructor(
    private readonly inner: Connection,
    private readonly sudoAllowed: boolean,
  ) {}

  get host(): ResolvedHost {
    return this.inner.host;
  }

  async run(command: Command, options?: RunOptions): Promise<RunResult> {
    const ran = stageSudo(command, this.sudoAllowed);
    return { ...(await this.inner.run(ran, options)), ran };
  }

  interactive(command: Command, options: InteractiveOptions): Promise<InteractiveResult> {
    if (!this.inner.interactive) throw new Error(`${this.host.name}: this connection cannot run an interactive command`);
    return this.inner.interactive(stageSudo(command, this.sudoAllowed), options);
  }

  forwardOut(host: string, port: number): Promise<Duplex> {
    return this.inner.forwardOut(host, port);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
