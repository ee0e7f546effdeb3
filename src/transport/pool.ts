import { connect as sshConnect } from './ssh.js';
import type { Connection, ConnectOptions } from './types.js';

/**
 * Connect to every host of a stage at once. One unreachable host must not hide the state of the
 * others, so each host gets its own result instead of the first failure rejecting everything.
 */

export type ConnectResult =
  | { spec: string; ok: true; connection: Connection }
  | { spec: string; ok: false; error: Error };

export interface ConnectAllOptions extends ConnectOptions {
  /**
   * Handshakes in flight at once. sshd's MaxStartups (10 by default) drops unauthenticated
   * connections beyond it, which bites when many hosts share one jump host.
   */
  concurrency?: number;
  /** For tests: what opens one connection. */
  connect?: (spec: string, options: ConnectOptions) => Promise<Connection>;
}

/** Results in the order of `specs`. */
export async function connectAll(specs: readonly string[], options: ConnectAllOptions = {}): Promise<ConnectResult[]> {
  const { concurrency = 8, connect = sshConnect, ...connectOptions } = options;
  const results: ConnectResult[] = new Array(specs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < specs.length; i = next++) {
      const spec = specs[i] as string;
      try {
        results[i] = { spec, ok: true, connection: await connect(spec, connectOptions) };
      } catch (error) {
        results[i] = { spec, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, specs.length)) }, worker));
  return results;
}

/** Close every connection that was opened; never throws. */
export async function closeAll(results: readonly ConnectResult[]): Promise<void> {
  await Promise.all(results.map((r) => (r.ok ? r.connection.close().catch(() => {}) : undefined)));
}
