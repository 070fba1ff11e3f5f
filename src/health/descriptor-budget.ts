/**
 * File descriptors as a budget the checks share. Each running probe holds
 * descriptors (a socket, an exec's pipes); thousands of checks against
 * targets that time out hold thousands at once, and a process out of
 * descriptors fails in places that have nothing to do with checks (the API's
 * listener, netlink, gRPC to GoBGP). A probe that cannot get its share waits
 * its turn, in order, and is counted; it never fails for it.
 */

/** Descriptors a probe of each type holds while it runs. */
export const DESCRIPTORS_PER_RUN: Readonly<Record<string, number>> = {
  tcp: 1,
  http: 1,
  https: 1,
  udp: 1,
  dns: 1,
  // The channel is kept between runs while healthy; one for the run as well.
  grpc: 1,
  // Three pipes for the child's stdin, stdout and stderr.
  exec: 3,
  // Every ICMP check shares one raw socket.
  icmp: 0,
};

export class DescriptorBudget {
  private used = 0;
  private readonly waiting: { cost: number; go: () => void }[] = [];
  /** Probe runs that had to wait for descriptors, since start. */
  waits = 0;

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Runs `go` now if `cost` descriptors are free (and nobody waits before it), else later. */
  acquire(cost: number, go: () => void): void {
    if (cost === 0 || (this.waiting.length === 0 && this.used + cost <= this.limit)) {
      this.used += cost;
      go();
      return;
    }
    this.waits++;
    this.waiting.push({ cost, go });
  }

  release(cost: number): void {
    this.used -= cost;
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as { cost: number; go: () => void };
      if (this.used + next.cost > this.limit && this.used > 0) break;
      this.waiting.shift();
      this.used += next.cost;
      next.go();
    }
  }

  /** Forgets everyone waiting (the engine stops). */
  clear(): void {
    this.waiting.length = 0;
  }
}
