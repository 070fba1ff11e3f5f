/** In-memory stand-ins for the daemon's kernel, GoBGP and VIP-interface ports. */
import type { Announcement } from '../../../src/bgp/announcement.js';
import type { BgpStatus } from '../../../src/bgp/speaker.js';
import type { IpvsPort, RoutesPort } from '../../../src/daemon/daemon.js';
import type { AddressPort } from '../../../src/daemon/vip-addresses.js';
import { IpvsError } from '../../../src/ipvs/errors.js';
import {
  type Service,
  type ServiceKey,
  type ServiceWithDestinations,
  ZERO_STATS,
  destinationKeyString,
  serviceKeyString,
} from '../../../src/ipvs/model.js';
import { type IpvsOp, describeOp } from '../../../src/ipvs/ops.js';

/** A kernel table in memory; `fail` makes every read throw. */
export class FakeIpvs implements IpvsPort {
  table = new Map<string, ServiceWithDestinations>();
  fail = false;
  reads = 0;
  /** Operations refused so far. */
  refused = 0;
  /**
   * `pause` runs before a read takes its snapshot and again before it is
   * returned, so that reads can cross writes as the kernel's do.
   */
  constructor(
    private readonly events: string[],
    private readonly pause: () => Promise<void> = async () => {},
  ) {}
  async services() {
    await this.pause();
    if (this.fail) throw new Error('IPVS: netlink family IPVS not found');
    this.reads++;
    const list = [...this.table.values()].map((s) => ({ ...s, destinations: undefined }));
    await this.pause();
    return list;
  }
  async service(key: ServiceKey) {
    await this.pause();
    if (this.fail) throw new Error('IPVS: netlink family IPVS not found');
    return this.table.get(serviceKeyString(key));
  }
  async eachWithDestinations(
    services: readonly Service[],
    visit: (s: ServiceWithDestinations) => void,
  ) {
    await this.pause();
    if (this.fail) throw new Error('IPVS: netlink family IPVS not found');
    const read = services.map((s) => {
      const t = this.table.get(serviceKeyString(s.key));
      return { ...s, destinations: t ? [...t.destinations] : [] };
    });
    await this.pause();
    for (const s of read) visit(s);
  }
  /** Applies as the kernel does, refusing what it refuses (EEXIST, ENOENT, ESRCH). */
  async apply(ops: readonly IpvsOp[]) {
    return ops.map((op) => {
      this.events.push(
        `ipvs ${describeOp(op)}${'destination' in op && 'weight' in op.destination ? ` w=${op.destination.weight}` : ''}`,
      );
      const refuse = (errno: number) => {
        this.refused++;
        this.events.push(`  refused: ${errno}`);
        return { op, ok: false as const, error: new IpvsError(errno, describeOp(op), op.type) };
      };
      switch (op.type) {
        case 'add-service':
        case 'edit-service': {
          const id = serviceKeyString(op.service.key);
          const have = this.table.get(id);
          if (op.type === 'add-service' ? have : !have)
            return refuse(op.type === 'add-service' ? 17 : 3);
          this.table.set(id, {
            ...op.service,
            stats: ZERO_STATS,
            destinations: have?.destinations ?? [],
          });
          return { op, ok: true as const };
        }
        case 'delete-service':
          if (!this.table.delete(serviceKeyString(op.service))) return refuse(3);
          return { op, ok: true as const };
        case 'add-destination':
        case 'edit-destination':
        case 'delete-destination': {
          const svc = this.table.get(serviceKeyString(op.service));
          if (!svc) return refuse(3);
          const key = destinationKeyString(op.destination);
          const exists = svc.destinations.some((x) => destinationKeyString(x) === key);
          if (op.type === 'add-destination' && exists) return refuse(17);
          if (op.type !== 'add-destination' && !exists) return refuse(2);
          const rest = svc.destinations.filter((x) => destinationKeyString(x) !== key);
          const destinations =
            op.type === 'delete-destination'
              ? rest
              : [
                  ...rest,
                  {
                    ...op.destination,
                    activeConns: 0,
                    inactiveConns: 0,
                    persistentConns: 0,
                    stats: ZERO_STATS,
                  },
                ];
          this.table.set(serviceKeyString(svc.key), { ...svc, destinations });
          return { op, ok: true as const };
        }
        default:
          return refuse(95);
      }
    });
  }
  close() {}
  weights(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.table.values()) for (const d of s.destinations) out[d.address] = d.weight;
    return out;
  }
}

export class FakeRoutes implements RoutesPort {
  routes: Map<string, Announcement> | undefined;
  stopped: string | undefined;
  constructor(private readonly events: string[]) {}
  get current(): Announcement[] | undefined {
    return (
      this.routes && [...this.routes.values()].sort((a, b) => a.prefix.localeCompare(b.prefix))
    );
  }
  async start() {}
  setRoutes(routes: ReadonlyMap<string, Announcement>) {
    const before = this.current?.map((s) => s.prefix).join(',');
    this.routes = new Map(routes);
    this.log(before);
  }
  updateRoutes(changes: ReadonlyMap<string, Announcement | undefined>) {
    if (!this.routes) throw new Error('updateRoutes before setRoutes');
    const before = this.current?.map((s) => s.prefix).join(',');
    for (const [p, r] of changes) {
      if (r) this.routes.set(p, r);
      else this.routes.delete(p);
    }
    this.log(before);
  }
  private log(before: string | undefined) {
    const text = (this.current ?? []).map((s) => s.prefix).join(',');
    if (before !== text) this.events.push(`routes [${text}]`);
  }
  async synced() {}
  status() {
    return {} as BgpStatus;
  }
  async stop(how: 'withdraw' | 'restart') {
    this.stopped = how;
  }
}

/** The VIP interface's addresses in memory; `fail` makes every change throw. */
export class FakeAddresses implements AddressPort {
  present: string[] = [];
  fail = false;
  constructor(private readonly events: string[]) {}
  async list() {
    return [...this.present];
  }
  async change(ifname: string, add: readonly string[], remove: readonly string[]) {
    if (this.fail)
      return [...add, ...remove].map((cidr) => ({ cidr, message: `add ${cidr}: EPERM` }));
    for (const cidr of add) {
      this.events.push(`address add ${cidr} dev ${ifname}`);
      this.present.push(cidr);
    }
    for (const cidr of remove) {
      this.events.push(`address del ${cidr} dev ${ifname}`);
      this.present = this.present.filter((a) => a !== cidr);
    }
    return [];
  }
}
