/**
 * The IPVS table the configuration and the health of its real servers call
 * for, pure. A real server's weight is its configured weight when up, 0 when
 * down or drained (it stays in the table: `mh` keeps every other flow where
 * it was), and "keep" while its check has no verdict yet, so a restarted
 * daemon never disturbs a kernel that was serving (warm-up). A real server
 * the kernel does not have yet and whose health is unknown starts at 0.
 *
 * A service's sorry server is in the table while no real server is up and
 * every one has a verdict (down or drained); while some have none and none
 * is up, it is kept as the kernel has it (a takeover keeps its table); once
 * one is up it is not desired, so the planner removes it.
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
    const weights = realWeights(vs, health, drains);
    const sorry = sorryWeight(vs, weights);
    for (const service of vs.services) {
      const destinations: DesiredDestination[] = vs.reals.map((real, i) => {
        const w = weights[i] ?? { weight: 0, why: '' };
        return {
          destination: destinationFor(vs, service, real, w.weight === 'keep' ? 0 : w.weight),
          weight: w.weight,
          why: w.why,
        };
      });
      if (vs.sorry && sorry)
        destinations.push({
          destination: destinationFor(
            vs,
            service,
            vs.sorry,
            sorry.weight === 'keep' ? 0 : sorry.weight,
          ),
          weight: sorry.weight,
          why: sorry.why,
        });
      out.push({ service, owner: vs.name, destinations });
    }
  }
  return out;
}

function realWeights(
  vs: VirtualService,
  health: ReadonlyMap<string, RealHealth>,
  drains: Drains,
): { weight: DesiredWeight; why: string }[] {
  return vs.reals.map((real) => {
    const h = health.get(realKey(vs, real));
    if (realDrained(drains, vs, real)) return { weight: 0, why: 'drained by the operator' };
    if (!h || h.state === 'unknown') return { weight: 'keep' as const, why: 'no verdict yet' };
    if (h.state === 'down') return { weight: 0, why: `down: ${h.reason ?? 'check failed'}` };
    return { weight: h.weight ?? real.weight, why: 'up' };
  });
}

/**
 * Where a service's sorry server stands, for the status: `in` the table, `out`
 * of it, or `kept` as the kernel has it; undefined when the service has none.
 */
export function sorryState(
  vs: VirtualService,
  health: ReadonlyMap<string, RealHealth>,
  drains: Drains,
): 'in' | 'out' | 'kept' | undefined {
  if (!vs.sorry) return undefined;
  const w = sorryWeight(vs, realWeights(vs, health, drains));
  return w === undefined ? 'out' : w.weight === 'keep' ? 'kept' : 'in';
}

/** The sorry server's weight, or undefined when it is not wanted (a real server is up). */
function sorryWeight(
  vs: VirtualService,
  weights: readonly { weight: DesiredWeight; why: string }[],
): { weight: DesiredWeight; why: string } | undefined {
  if (!vs.sorry) return undefined;
  if (weights.some((w) => w.why === 'up' && w.weight !== 0)) return undefined;
  if (weights.some((w) => w.weight === 'keep'))
    return { weight: 'keep', why: 'sorry server: no real server up, some without a verdict' };
  return { weight: vs.sorry.weight, why: 'sorry server: no real server is up' };
}
