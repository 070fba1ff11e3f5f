/**
 * Lookups over one configuration that the loop needs per event, built once
 * per configuration: which virtual service a health change belongs to, which
 * IPVS services a virtual service owns, the services behind each VIP. With
 * them the loop's work for one change is proportional to that change, not
 * to the size of the configuration.
 */
import type { Config, VirtualService } from '../config/model.js';
import { type ServiceKey, serviceKeyString } from '../ipvs/model.js';
import { vipGroups } from './desired-routes.js';
import { realKey } from './health-view.js';

export class ConfigIndex {
  /** Services by VIP, in configuration order. */
  readonly groups: ReadonlyMap<string, readonly VirtualService[]>;
  /** Virtual service by name. */
  readonly byName: ReadonlyMap<string, VirtualService>;
  /** Check id (realKey) → the virtual service of that real server. */
  readonly byReal: ReadonlyMap<string, VirtualService>;
  /** IPVS service id (serviceKeyString) → its key and the virtual service that owns it. */
  readonly byService: ReadonlyMap<string, { key: ServiceKey; owner: VirtualService }>;
  /** Every real server by address, with the virtual services it is in. */
  readonly byAddress: ReadonlyMap<string, readonly VirtualService[]>;
  /** Real servers (realKey) with several checks, and how many. */
  readonly checkCount: ReadonlyMap<string, number>;

  constructor(readonly config: Config) {
    this.groups = vipGroups(config.services);
    const byName = new Map<string, VirtualService>();
    const byReal = new Map<string, VirtualService>();
    const byService = new Map<string, { key: ServiceKey; owner: VirtualService }>();
    const byAddress = new Map<string, VirtualService[]>();
    const checkCount = new Map<string, number>();
    for (const vs of config.services) {
      byName.set(vs.name, vs);
      for (const r of vs.reals) {
        byReal.set(realKey(vs, r), vs);
        if (r.checks.length > 1) checkCount.set(realKey(vs, r), r.checks.length);
        const list = byAddress.get(r.address);
        if (!list) byAddress.set(r.address, [vs]);
        else if (list[list.length - 1] !== vs) list.push(vs);
      }
      for (const s of vs.services)
        byService.set(serviceKeyString(s.key), { key: s.key, owner: vs });
    }
    this.byName = byName;
    this.byReal = byReal;
    this.byService = byService;
    this.byAddress = byAddress;
    this.checkCount = checkCount;
  }

  /** Ids of the IPVS services of a virtual service. */
  serviceIds(vs: VirtualService): string[] {
    return vs.services.map((s) => serviceKeyString(s.key));
  }
}

/**
 * Virtual services whose IPVS services or real servers differ between two
 * configurations (by value), and the names of those only in `from`.
 */
export function changedServices(
  from: ConfigIndex,
  to: ConfigIndex,
): { changed: VirtualService[]; removed: VirtualService[] } {
  const changed: VirtualService[] = [];
  for (const vs of to.config.services) {
    const old = from.byName.get(vs.name);
    if (!old || !sameVirtualService(old, vs)) changed.push(vs);
  }
  const removed = from.config.services.filter((vs) => !to.byName.has(vs.name));
  return { changed, removed };
}

/** Equality by value of everything a virtual service programs and announces. */
export function sameVirtualService(a: VirtualService, b: VirtualService): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
