/**
 * The IPVS table the configuration and the health of its real servers call
 * for, pure. A real server's weight is its configured weight when up, 0 when
 * down or drained (it stays in the table: `mh` keeps every other flow where
 * it was), and "keep" while its check has no verdict yet, so a restarted
 * daemon never disturbs a kernel that was serving (warm-up). A real server
 * the kernel does not have yet and whose health is unknown starts at 0.
 */
import type { VirtualService } from '../config/model.js';
import { destinationFor } from '../config/model.js';
import type { DestinationConfig, ServiceConfig } from '../ipvs/model.js';
import { type Drains, type RealHealth, realDrained, realKey } from './health-view.js';

/** A destination's weight, or "whatever the kernel has". */
export type DesiredWeight = number | 'keep';

export interface DesiredDestination {
  readonly destination: DestinationConfig;
  /** When 'keep', `destination.weight` is only used if the kernel lacks it (then 0). */
  readonly weight: DesiredWeight;
  readonly why: string;
}

export interface DesiredService {
  readonly service: ServiceConfig;
  /** In the configuration's canonical real-server order. */
  readonly destinations: readonly DesiredDestination[];
  /** The virtual service it belongs to. */
  readonly owner: string;
}

export function desiredIpvs(
  services: readonly VirtualService[],
  health: ReadonlyMap<string, RealHealth>,
  drains: Drains,
): DesiredService[] {
  const out: DesiredService[] = [];
  for (const vs of services) {
    const weights = vs.reals.map((real) => {
      const h = health.get(realKey(vs, real));
      if (realDrained(drains, vs, real)) return { weight: 0, why: 'drained by the operator' };
      if (!h || h.state === 'unknown') return { weight: 'keep' as const, why: 'no verdict yet' };
      if (h.state === 'down') return { weight: 0, why: `down: ${h.reason ?? 'check failed'}` };
      return { weight: h.weight ?? real.weight, why: 'up' };
    });
    for (const service of vs.services) {
      out.push({
        service,
        owner: vs.name,
        destinations: vs.reals.map((real, i) => {
          const w = weights[i] ?? { weight: 0, why: '' };
          return {
            destination: destinationFor(vs, service, real, w.weight === 'keep' ? 0 : w.weight),
            weight: w.weight,
            why: w.why,
          };
        }),
      });
    }
  }
  return out;
}
