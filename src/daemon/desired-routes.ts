/**
 * From real-server health to the routes this director should announce,
 * pure. VIPs are what routes are about, and one VIP may front several
 * services (web on 80/443, DNS on 53): a VIP is announced only when every
 * service behind it meets its threshold (see announce-gate.ts).
 */
import type { AnnouncementSpec, Announcement } from '../bgp/announcement.js';
import type { RealServer, VirtualService } from '../config/model.js';
import type { FleetView } from '../bgp/fleet-view.js';
import type { FleetInputs, GateInputs, GateState } from './announce-gate.js';
import { type Drains, type RealHealth, realDrained, realKey } from './health-view.js';

/** Services by VIP, in configuration order. */
export function vipGroups(services: readonly VirtualService[]): Map<string, VirtualService[]> {
  const groups = new Map<string, VirtualService[]>();
  for (const vs of services) {
    const g = groups.get(vs.vip);
    if (g) g.push(vs);
    else groups.set(vs.vip, [vs]);
  }
  return groups;
}

/** What the gate needs to know about one VIP. A drained real server is not healthy. */
/** A real server that counts towards its service's healthy threshold: up, serving, not drained. */
export function countsHealthy(
  h: RealHealth | undefined,
  drains: Drains,
  vs: VirtualService,
  r: RealServer,
): boolean {
  return h?.state === 'up' && r.weight > 0 && !realDrained(drains, vs, r);
}

export function gateInputs(
  group: readonly VirtualService[],
  health: ReadonlyMap<string, RealHealth>,
  drains: Drains,
  ipvsOk: boolean,
  fleet?: FleetView,
): GateInputs {
  const vip = group[0]?.vip ?? '';
  return {
    ipvsOk,
    fleet: fleetInputs(group, fleet),
    drained: drains.director || drains.vips.has(vip),
    services: group.map((vs) => ({
      name: vs.name,
      total: vs.reals.length,
      healthy: vs.reals.filter((r) => countsHealthy(health.get(realKey(vs, r)), drains, vs, r))
        .length,
      minHealthy: vs.announce.minHealthy,
      reannounceHealthy: vs.announce.reannounceHealthy,
    })),
  };
}

/**
 * The fleet guard's view of one VIP, or none when it has no basis: no fleet
 * configured, or no session with another director up (then nobody else's
 * announcements can be seen, which is not the same as there being none).
 */
function fleetInputs(
  group: readonly VirtualService[],
  fleet: FleetView | undefined,
): FleetInputs | undefined {
  const first = group[0];
  if (!first || !fleet || fleet.established === 0) return undefined;
  const a = fleet.announcers.get(first.announce.route.prefix);
  const healthy = a?.healthy.length ?? 0;
  return {
    failOpen: first.announce.failOpen,
    healthyOthers: healthy,
    anyOthers: healthy + (a?.degraded.length ?? 0),
  };
}

/** The announcements for the gate's decisions (the first service of a VIP carries its route). */
export function desiredRoutes(
  groups: ReadonlyMap<string, readonly VirtualService[]>,
  states: ReadonlyMap<string, GateState>,
): AnnouncementSpec[] {
  const out: AnnouncementSpec[] = [];
  for (const [vip, group] of groups) {
    const state = states.get(vip);
    const first = group[0];
    if (!state || !first || state.route === 'withdraw') continue;
    const a = first.announce;
    out.push(
      toSpec(
        state.route === 'drain'
          ? a.drainingRoute
          : state.route === 'fail-open'
            ? a.failOpenRoute
            : a.route,
      ),
    );
  }
  return out;
}

export function toSpec(a: Announcement): AnnouncementSpec {
  return {
    prefix: a.prefix,
    nextHop: a.nextHop === '0.0.0.0' || a.nextHop === '::' ? 'self' : a.nextHop,
    origin: a.origin,
    ...(a.med !== undefined && { med: a.med }),
    ...(a.localPref !== undefined && { localPref: a.localPref }),
    communities: a.communities,
    largeCommunities: a.largeCommunities,
    asPath: a.asPath,
  };
}
