/**
 * The IPVS planner, pure: the desired table against the kernel's, as the
 * operations that turn one into the other. It touches only services the
 * configuration owns (desired now, or owned before a reload removed them);
 * anything else in the kernel is someone else's and left alone. Order:
 * services are added with their destinations in canonical order (every
 * director then builds the same `mh` table), changes follow, deletions of
 * destinations and services come last.
 */
import type { IpvsOp } from '../ipvs/ops.js';
import {
  type DestinationConfig,
  destinationKeyString,
  sameDestinationConfig,
  sameServiceConfig,
  serviceKeyString,
} from '../ipvs/model.js';
import type { ServiceKey } from '../ipvs/model.js';
import type { DesiredService } from './desired-ipvs.js';
import type { ViewService } from './kernel-view.js';

export interface IpvsPlan {
  readonly ops: readonly IpvsOp[];
  /** One line per op saying why, for the log. */
  readonly reasons: readonly string[];
}

export function planIpvs(
  desired: readonly DesiredService[],
  actual: readonly ViewService[],
  /** Services owned before (a reload's previous config), to delete when no longer desired. */
  previouslyOwned: readonly ServiceKey[] = [],
): IpvsPlan {
  const ops: IpvsOp[] = [];
  const reasons: string[] = [];
  const later: { op: IpvsOp; why: string }[] = [];
  const kernel = new Map(actual.map((s) => [serviceKeyString(s.key), s]));
  const wanted = new Set<string>();

  for (const d of desired) {
    const id = serviceKeyString(d.service.key);
    wanted.add(id);
    const have = kernel.get(id);
    if (!have) {
      ops.push({ type: 'add-service', service: d.service });
      reasons.push(`${id}: missing (${d.owner})`);
      for (const dd of d.destinations) {
        ops.push({ type: 'add-destination', service: d.service.key, destination: dd.destination });
        reasons.push(
          `${id} -> ${destinationKeyString(dd.destination)}: missing, weight ${dd.destination.weight} (${dd.why})`,
        );
      }
      continue;
    }
    if (!sameServiceConfig(have, d.service)) {
      ops.push({ type: 'edit-service', service: d.service });
      reasons.push(`${id}: settings differ`);
    }
    const dests = new Map(have.destinations.map((x) => [destinationKeyString(x), x]));
    const keep = new Set<string>();
    for (const dd of d.destinations) {
      const did = destinationKeyString(dd.destination);
      keep.add(did);
      const cur = dests.get(did);
      if (!cur) {
        ops.push({ type: 'add-destination', service: d.service.key, destination: dd.destination });
        reasons.push(`${id} -> ${did}: missing, weight ${dd.destination.weight} (${dd.why})`);
        continue;
      }
      const want: DestinationConfig =
        dd.weight === 'keep' ? { ...dd.destination, weight: cur.weight } : dd.destination;
      if (!sameDestinationConfig(cur, want)) {
        ops.push({ type: 'edit-destination', service: d.service.key, destination: want });
        reasons.push(
          cur.weight !== want.weight
            ? `${id} -> ${did}: weight ${cur.weight} -> ${want.weight} (${dd.why})`
            : `${id} -> ${did}: settings differ`,
        );
      }
    }
    for (const [did, cur] of dests) {
      if (keep.has(did)) continue;
      later.push({
        op: { type: 'delete-destination', service: d.service.key, destination: cur },
        why: `${id} -> ${did}: not in the configuration`,
      });
    }
  }
  for (const key of previouslyOwned) {
    const id = serviceKeyString(key);
    if (wanted.has(id) || !kernel.has(id)) continue;
    later.push({
      op: { type: 'delete-service', service: key },
      why: `${id}: removed from the configuration`,
    });
  }
  for (const l of later) {
    ops.push(l.op);
    reasons.push(l.why);
  }
  return { ops, reasons };
}
