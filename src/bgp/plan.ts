/**
 * The route planner, pure: desired announcements against what GoBGP holds,
 * as a list of operations. Withdrawals come first so that a batch that fails
 * half-way has removed traffic rather than added it. A changed route is
 * re-announced in place: a newer local path for the same prefix replaces the
 * older one (an implicit withdraw), so the router never sees a gap.
 */
import { type Announcement, sameAnnouncement } from './announcement.js';

export type RouteOp =
  | { op: 'announce'; route: Announcement; replaces?: Announcement }
  | { op: 'withdraw'; route: Announcement };

/** What GoBGP holds for a prefix, as read back; `unknownAttributes` forces a replace. */
export interface HeldRoute {
  route: Announcement;
  unknownAttributes: number;
}

export function planRoutes(
  desired: ReadonlyMap<string, Announcement>,
  held: ReadonlyMap<string, HeldRoute>,
): RouteOp[] {
  const withdrawals: RouteOp[] = [];
  const announcements: RouteOp[] = [];
  for (const [prefix, have] of held) {
    if (!desired.has(prefix)) withdrawals.push({ op: 'withdraw', route: have.route });
  }
  for (const [prefix, want] of desired) {
    const have = held.get(prefix);
    if (!have) announcements.push({ op: 'announce', route: want });
    else if (have.unknownAttributes > 0 || !sameAnnouncement(want, have.route))
      announcements.push({ op: 'announce', route: want, replaces: have.route });
  }
  return [...withdrawals, ...announcements];
}
