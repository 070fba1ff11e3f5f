/**
 * What the other directors announce, pure: from the routes each sent over
 * its fleet session to, per VIP prefix, which directors announce it as
 * healthy and which only fail-open (marked) or while draining (the
 * GRACEFUL_SHUTDOWN community: leaving, so not to be counted on).
 */
import { fromPath } from './path-codec.js';
import type { DestinationMessage } from './messages.js';

export interface Announcers {
  /** Directors (their fleet session addresses) announcing it normally. */
  readonly healthy: readonly string[];
  /** Directors announcing it fail-open or draining. */
  readonly degraded: readonly string[];
}

export interface FleetView {
  /** Fleet sessions established, out of `peers`. */
  readonly established: number;
  readonly peers: number;
  readonly announcers: ReadonlyMap<string, Announcers>;
}

export const NO_FLEET: FleetView = { established: 0, peers: 0, announcers: new Map() };

// RFC 8326 GRACEFUL_SHUTDOWN, as fromPath writes it.
const GRACEFUL_SHUTDOWN = '65535:0';

export function fleetView(
  received: ReadonlyMap<string, readonly DestinationMessage[]>,
  established: number,
  marker: string,
): FleetView {
  const healthy = new Map<string, Set<string>>();
  const degraded = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, prefix: string, peer: string) => {
    const s = m.get(prefix) ?? new Set<string>();
    s.add(peer);
    m.set(prefix, s);
  };
  for (const [peer, destinations] of received)
    for (const d of destinations)
      for (const path of d.paths) {
        if (path.is_withdraw) continue;
        const decoded = fromPath(path);
        if (!decoded.ok) continue;
        const a = decoded.announcement;
        const marked =
          a.largeCommunities.includes(marker) || a.communities.includes(GRACEFUL_SHUTDOWN);
        add(marked ? degraded : healthy, a.prefix, peer);
      }
  const announcers = new Map<string, Announcers>();
  for (const prefix of new Set([...healthy.keys(), ...degraded.keys()])) {
    const h = healthy.get(prefix) ?? new Set<string>();
    const d = [...(degraded.get(prefix) ?? [])].filter((p) => !h.has(p));
    announcers.set(prefix, { healthy: [...h].sort(), degraded: d.sort() });
  }
  return { established, peers: received.size, announcers };
}
