import { ShipError } from '../errors.js';
import { Gathering } from '../session/gathering.js';
import { exitCodeOf } from '../output/failures.js';

/** The one order deploy locks are taken in (and a failure is named by): host names sorted. */
export function inLockOrder(hosts: readonly string[]): string[] {
  return [...hosts].sort();
}

/**
 * Deploy locks are taken one host after another, in the one order every ship uses (host names
 * sorted), never on all hosts at once. Taken at once, two deploys that start together, or that
 * both wait with --lock-wait, can each get some of the hosts and then wait for each other: until
 * --lock-wait runs out and both fail, or, without it, each refuses the other and neither
 * deploys. In one fixed order, whoever gets the first host gets them all.
 *
 * One LockOrder serves one `hosts.each` step. Hosts lock only once each host of the step has
 * either asked for its lock or finished the step without asking (a recipe may do other work
 * first, or lock only some hosts), then one by one; once a host's lock cannot be taken, the
 * hosts after it do not try.
 */
export class LockOrder {
  private readonly gathering: Gathering;
  /** Per host that asked: resolves when its turn is over, with the error if it got no lock. */
  private readonly turns = new Map<string, Promise<{ error?: unknown }>>();

  constructor(hosts: readonly string[]) {
    this.gathering = new Gathering(hosts);
  }

  /** The host's step is over: if it never asked for its lock, nobody waits for it any more. */
  finished(host: string): void {
    this.gathering.finished(host);
  }

  /** Take this host's lock with `take` when its turn comes. */
  async inTurn(host: string, take: () => Promise<void>): Promise<void> {
    let end!: (outcome: { error?: unknown }) => void;
    this.turns.set(host, new Promise((resolve) => (end = resolve)));
    const order = inLockOrder(await this.gathering.arrive(host));
    const before = order[order.indexOf(host) - 1];
    const previous = before === undefined ? {} : await this.turns.get(before)!;
    if ('error' in previous) {
      const exitCode = exitCodeOf(previous.error);
      const error = new ShipError(`${host}: not locked: locks are taken in order, and ${before}'s could not be taken`, { host, exitCode });
      end({ error });
      throw error;
    }
    try {
      await take();
      end({});
    } catch (error) {
      end({ error });
      throw error;
    }
  }
}
