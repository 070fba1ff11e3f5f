/**
 * The kernel's IPVS settings (net.ipv4.vs.*) anycastd keeps, pure: which
 * values the configuration asks for, which it implies, and what to change.
 * They are per network namespace and reset when ip_vs is reloaded, so the
 * daemon sets them at start and checks them on every resync.
 */
import type { VirtualService } from '../config/model.js';
import { isFwmarkKey } from '../ipvs/model.js';
import { IPVS_SYSCTL_NAMES, type IpvsSysctl } from '../ipvs/sysctls.js';

export interface WantedSysctl {
  value: number;
  why: string;
}

/** Schedulers that pick a real server from the packet alone, the same on every director. */
const HASHING = new Set(['mh', 'sh']);

/**
 * The settings to hold: every one the configuration names, plus, where the
 * configuration does not say otherwise, conn_reuse_mode = 3 with direct
 * routing (below) and sloppy_tcp and sloppy_sctp = 1 when a TCP (or fwmark)
 * or SCTP service uses a hashing scheduler. Without them a
 * director that the routers hand an established connection (another
 * director failed or drained) drops its packets instead of sending them to
 * the real server the hash picks, which is the one that holds it.
 */
export function wantedSysctls(
  explicit: Readonly<Partial<Record<IpvsSysctl, number>>>,
  services: readonly VirtualService[],
): Map<IpvsSysctl, WantedSysctl> {
  const wanted = new Map<IpvsSysctl, WantedSysctl>();
  for (const name of IPVS_SYSCTL_NAMES) {
    const v = explicit[name];
    if (v !== undefined) wanted.set(name, { value: v, why: 'configured' });
  }
  const implied = (name: IpvsSysctl, protocols: readonly string[]) => {
    if (wanted.has(name)) return;
    const user = services.find((vs) =>
      vs.services.some(
        (s) =>
          HASHING.has(s.scheduler) &&
          protocols.includes(isFwmarkKey(s.key) ? 'fwmark' : s.key.protocol),
      ),
    );
    if (user)
      wanted.set(name, {
        value: 1,
        why: `service ${user.name} hashes with ${user.services[0]?.scheduler ?? ''}: connections moved between directors must keep going`,
      });
  };
  implied('sloppy_tcp', ['tcp', 'fwmark']);
  implied('sloppy_sctp', ['sctp', 'fwmark']);
  // Direct routing: the director sees only the client's half of a connection, so its entry
  // ends in FIN_WAIT, not TIME_WAIT. By default (1) a new connection from a reused client
  // port then follows that old entry to its real server, even one drained since (weight
  // 0, dead): refused. Bit 2 reschedules it like any new connection.
  const dr = services.find((vs) => vs.forwarding === 'dr');
  if (dr && !wanted.has('conn_reuse_mode'))
    wanted.set('conn_reuse_mode', {
      value: 3,
      why: `service ${dr.name} uses direct routing: a reused client port must not follow an old connection to a drained real server`,
    });
  return wanted;
}

export interface SysctlChange {
  name: IpvsSysctl;
  from: number | undefined;
  to: number;
  why: string;
}

/** The writes that bring `present` to `wanted`, in a stable order. */
export function planSysctls(
  wanted: ReadonlyMap<IpvsSysctl, WantedSysctl>,
  present: ReadonlyMap<IpvsSysctl, number | undefined>,
): SysctlChange[] {
  const changes: SysctlChange[] = [];
  for (const name of IPVS_SYSCTL_NAMES) {
    const w = wanted.get(name);
    if (!w) continue;
    const now = present.get(name);
    if (now !== w.value) changes.push({ name, from: now, to: w.value, why: w.why });
  }
  return changes;
}
