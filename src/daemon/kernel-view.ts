/**
 * The daemon's view of the kernel's IPVS table, for the services it owns,
 * kept current from the outcome of every operation it applies, so that a
 * health change is planned and applied without reading the kernel at all.
 *
 * Full reads (a resync) run on a socket of their own while the loop goes on
 * writing, so a read can cross a write. The rule that keeps the two
 * consistent: every write marks its services with the epoch it was sent in
 * and the epoch its result came back in; a read taken at epoch E is merged
 * for a service only if that service was not written at or after E. A read
 * that crossed a write is dropped for that service (the write's result is
 * newer) and the next resync reads it again.
 *
 * Pure data: no I/O here.
 */
import type { OpResult } from '../ipvs/client.js';
import type { IpvsOp } from '../ipvs/ops.js';
import {
  type DestinationConfig,
  type ServiceConfig,
  type ServiceKey,
  destinationKeyString,
  sameDestinationConfig,
  sameServiceConfig,
  serviceKeyString,
} from '../ipvs/model.js';

/** A service as the planner compares it: configuration only, no counters. */
export interface ViewService extends ServiceConfig {
  readonly destinations: readonly DestinationConfig[];
}

/** What the view knows of one service: not read yet, not in the kernel, or its contents. */
export type ViewState = 'unknown' | 'absent' | 'present';

interface Entry {
  state: ViewState;
  service: ServiceConfig | undefined;
  destinations: Map<string, DestinationConfig>;
  /** Epoch of this service's last write (sent or answered); -1 when never written. */
  writtenAt: number;
}

const configOf = (s: ServiceConfig): ServiceConfig => ({
  key: s.key,
  scheduler: s.scheduler,
  flags: s.flags,
  timeout: s.timeout,
  netmask: s.netmask,
  pe: s.pe,
});

const destinationConfigOf = (d: DestinationConfig): DestinationConfig => ({
  family: d.family,
  address: d.address,
  port: d.port,
  forward: d.forward,
  weight: d.weight,
  upperThreshold: d.upperThreshold,
  lowerThreshold: d.lowerThreshold,
  tunnelType: d.tunnelType,
  tunnelPort: d.tunnelPort,
  tunnelFlags: d.tunnelFlags,
});

export class KernelView {
  private readonly entries = new Map<string, Entry>();
  private now = 0;

  /** A new epoch for a read begun now: pass it to that read's merge. */
  epoch(): number {
    return ++this.now;
  }

  state(id: string): ViewState {
    return this.entries.get(id)?.state ?? 'unknown';
  }

  /** The service as the kernel has it, or undefined when absent or not known. */
  get(id: string): ViewService | undefined {
    const e = this.entries.get(id);
    if (!e || e.state !== 'present' || !e.service) return undefined;
    return { ...e.service, destinations: [...e.destinations.values()] };
  }

  /**
   * Forgets everything (IPVS became unreachable): every service unknown until
   * read again. Entries keep when they were last written, which the merge
   * rule still needs for reads already on their way.
   */
  clear(): void {
    this.now++;
    for (const e of this.entries.values()) unknown(e);
  }

  /** Forgets one service (an operation on it failed): unknown until read again. */
  forget(id: string): void {
    const e = this.entries.get(id);
    if (e) unknown(e);
  }

  /** Marks the services of `ops` as written now; call before sending them. */
  sending(ops: readonly IpvsOp[]): void {
    this.now++;
    for (const op of ops) {
      const id = opServiceId(op);
      if (id !== undefined) this.entry(id).writtenAt = this.now;
    }
  }

  /**
   * Applies the outcome of operations sent with `sending`: each one that
   * succeeded changes the view as it changed the kernel. Returns the ids of
   * services an operation failed on; they are forgotten (unknown), since the
   * kernel holds something other than the view assumed.
   */
  applied(results: readonly OpResult[]): string[] {
    this.now++;
    const failed: string[] = [];
    for (const r of results) {
      const id = opServiceId(r.op);
      if (id === undefined) continue;
      const e = this.entry(id);
      e.writtenAt = this.now;
      if (!r.ok) {
        failed.push(id);
        continue;
      }
      const op = r.op;
      switch (op.type) {
        case 'add-service':
        case 'edit-service':
          if (op.type === 'add-service') e.destinations.clear();
          e.state = 'present';
          e.service = configOf(op.service);
          break;
        case 'delete-service':
          e.state = 'absent';
          e.service = undefined;
          e.destinations.clear();
          break;
        case 'add-destination':
        case 'edit-destination':
          e.destinations.set(
            destinationKeyString(op.destination),
            destinationConfigOf(op.destination),
          );
          break;
        case 'delete-destination':
          e.destinations.delete(destinationKeyString(op.destination));
          break;
        default:
          break;
      }
    }
    for (const id of new Set(failed)) this.forget(id);
    return [...new Set(failed)];
  }

  /**
   * Merges a read of the kernel's service list taken at `epoch`, for the
   * services in `ours`: each becomes present (contents still to be read: it
   * stays unknown until then unless already known) or absent. Returns the
   * ids whose state this changed.
   */
  mergeList(epoch: number, present: ReadonlySet<string>, ours: Iterable<string>): string[] {
    const changed: string[] = [];
    for (const id of ours) {
      const e = this.entries.get(id);
      if (e && e.writtenAt >= epoch) continue;
      if (present.has(id)) {
        if (e?.state === 'absent') {
          // Someone added it behind our back: unknown until its contents are read.
          unknown(e);
          changed.push(id);
        }
      } else if (e?.state !== 'absent') {
        const entry = this.entry(id);
        entry.state = 'absent';
        entry.service = undefined;
        entry.destinations.clear();
        changed.push(id);
      }
    }
    return changed;
  }

  /**
   * Merges services read with their destinations at `epoch`. Returns the ids
   * whose view this changed (a resync that finds the kernel as the view has
   * it changes nothing and costs no planning); a service written since the
   * read began is left as the view has it.
   */
  mergeRead(
    epoch: number,
    services: readonly (ServiceConfig & { destinations: readonly DestinationConfig[] })[],
  ): string[] {
    const merged: string[] = [];
    for (const s of services) {
      const id = serviceKeyString(s.key);
      const old = this.entries.get(id);
      if (old && old.writtenAt >= epoch) continue;
      if (old && sameContents(old, s)) continue;
      const e = this.entry(id);
      e.state = 'present';
      e.service = configOf(s);
      e.destinations = new Map(
        s.destinations.map((d) => [destinationKeyString(d), destinationConfigOf(d)]),
      );
      merged.push(id);
    }
    return merged;
  }

  /** Merges a service that a read at `epoch` found missing (a targeted read). */
  mergeAbsent(epoch: number, id: string): boolean {
    const old = this.entries.get(id);
    if (old && old.writtenAt >= epoch) return false;
    const e = this.entry(id);
    e.state = 'absent';
    e.service = undefined;
    e.destinations.clear();
    return true;
  }

  private entry(id: string): Entry {
    let e = this.entries.get(id);
    if (!e) {
      e = { state: 'unknown', service: undefined, destinations: new Map(), writtenAt: -1 };
      this.entries.set(id, e);
    }
    return e;
  }
}

function unknown(e: Entry): void {
  e.state = 'unknown';
  e.service = undefined;
  e.destinations.clear();
}

function sameContents(
  e: Entry,
  s: ServiceConfig & { destinations: readonly DestinationConfig[] },
): boolean {
  if (e.state !== 'present' || !e.service || !sameServiceConfig(e.service, s)) return false;
  if (e.destinations.size !== s.destinations.length) return false;
  for (const d of s.destinations) {
    const have = e.destinations.get(destinationKeyString(d));
    if (!have || !sameDestinationConfig(have, d)) return false;
  }
  return true;
}

function opServiceId(op: IpvsOp): string | undefined {
  if (!('service' in op) || op.service === undefined) return undefined;
  const s: ServiceConfig | ServiceKey = op.service;
  return serviceKeyString('key' in s ? s.key : s);
}
