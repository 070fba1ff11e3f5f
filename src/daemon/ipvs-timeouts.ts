/**
 * IPVS connection timeouts (what `ipvsadm --set tcp tcpfin udp` sets), pure:
 * what to write so the kernel holds what the configuration names. They are
 * per network namespace and reset when ip_vs is reloaded, so the daemon
 * checks them on every resync, like the net.ipv4.vs.* settings.
 */
import type { Timeouts } from '../ipvs/model.js';

export type TimeoutName = keyof Timeouts;
export const TIMEOUT_NAMES: readonly TimeoutName[] = ['tcp', 'tcpFin', 'udp'];

export interface TimeoutChange {
  name: TimeoutName;
  from: number;
  to: number;
}

/**
 * The one write that brings `present` to `wanted` (0 leaves a value as it is,
 * as the kernel reads it), with what changes; undefined when nothing does.
 */
export function planTimeouts(
  wanted: Readonly<Partial<Timeouts>>,
  present: Timeouts,
): { set: Timeouts; changes: TimeoutChange[] } | undefined {
  const changes: TimeoutChange[] = [];
  const set = { tcp: 0, tcpFin: 0, udp: 0 };
  for (const name of TIMEOUT_NAMES) {
    const w = wanted[name];
    if (w === undefined || w === present[name]) continue;
    set[name] = w;
    changes.push({ name, from: present[name], to: w });
  }
  return changes.length > 0 ? { set, changes } : undefined;
}
