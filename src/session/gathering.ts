/**
 * Within one `hosts.each` step: wait until every host of the step has either arrived at a point
 * (asked for its lock, started its upload) or finished the step without arriving, then let the
 * ones that arrived go on together. A recipe may do other work first, or skip a host, so nobody
 * waits for a host that will never come.
 */
export class Gathering {
  private readonly undecided: Set<string>;
  private readonly arrived: string[] = [];
  private allDecided!: () => void;
  private readonly decided = new Promise<void>((resolve) => (this.allDecided = resolve));

  constructor(hosts: readonly string[]) {
    this.undecided = new Set(hosts);
    if (this.undecided.size === 0) this.allDecided();
  }

  /** This host has arrived: resolves, with everyone who arrived, once no host is undecided. */
  async arrive(host: string): Promise<readonly string[]> {
    if (!this.arrived.includes(host)) this.arrived.push(host);
    this.decide(host);
    await this.decided;
    return this.arrived;
  }

  /** The host's step is over: if it never arrived, nobody waits for it any more. */
  finished(host: string): void {
    this.decide(host);
  }

  /** Whether the host is part of this gathering at all. */
  has(host: string): boolean {
    return this.undecided.has(host) || this.arrived.includes(host);
  }

  private decide(host: string): void {
    if (this.undecided.delete(host) && this.undecided.size === 0) this.allDecided();
  }
}
