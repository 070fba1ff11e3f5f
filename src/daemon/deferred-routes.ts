/**
 * The routing side while it is still being loaded. The BGP module (gRPC, the
 * GoBGP protos, the sidecar) takes the longest of anything to load and start;
 * the daemon programs IPVS meanwhile, and its route decisions are kept here
 * and handed over, in order, once the module exists. Until then GoBGP holds
 * none of them, which the status says.
 */
import type { Announcement } from '../bgp/announcement.js';
import type { FleetView } from '../bgp/fleet-view.js';
import type { DrainOptions } from '../bgp/publisher.js';
import type { BgpStatus } from '../bgp/speaker.js';
import type { RoutesPort } from './daemon.js';

export class DeferredRoutes implements RoutesPort {
  private real: RoutesPort | undefined;
  private routes: Map<string, Announcement> | undefined;
  private fleetListener: (() => void) | undefined;
  private loaded: Promise<RoutesPort> | undefined;

  /**
   * `load` builds the real routing side; `placeholder` is the status to show
   * until it exists (mode and address are known from the configuration).
   */
  constructor(
    private readonly load: () => Promise<RoutesPort>,
    private readonly placeholder: Pick<BgpStatus, 'mode' | 'address'>,
  ) {}

  /** Loads the module now, before start (the daemon does it ahead of the checks' first storm). */
  async prepare(): Promise<void> {
    this.loaded ??= this.load();
    await this.loaded;
  }

  async start(): Promise<void> {
    this.loaded ??= this.load();
    const real = await this.loaded;
    if (this.fleetListener) real.onFleetChange?.(this.fleetListener);
    // Decisions made while loading go first, so the module starts from the current wish.
    if (this.routes) real.setRoutes(this.routes);
    this.real = real;
    this.routes = undefined;
    await real.start();
    this.fleetListener?.();
  }

  setRoutes(routes: ReadonlyMap<string, Announcement>): void {
    if (this.real) this.real.setRoutes(routes);
    else this.routes = new Map(routes);
  }

  updateRoutes(changes: ReadonlyMap<string, Announcement | undefined>): void {
    if (this.real) {
      this.real.updateRoutes(changes);
      return;
    }
    if (!this.routes) throw new Error('updateRoutes before the first whole set of routes');
    for (const [prefix, route] of changes) {
      if (route) this.routes.set(prefix, route);
      else this.routes.delete(prefix);
    }
  }

  synced(timeoutMs?: number): Promise<void> {
    return this.real ? this.real.synced(timeoutMs) : Promise.resolve();
  }

  status(): BgpStatus {
    if (this.real) return this.real.status();
    return {
      ...this.placeholder,
      sidecar: 'connecting',
      lastError: undefined,
      waitingForFirstSet: this.routes === undefined,
      connections: 0,
      errors: 0,
      desired: this.routes?.size ?? 0,
      announced: 0,
      lastSync: undefined,
      peers: [],
      sidecarStarts: 0,
    };
  }

  async stop(how: 'withdraw' | 'restart', drain?: DrainOptions): Promise<void> {
    await this.real?.stop(how, drain);
  }

  fleet(): FleetView | undefined {
    return this.real?.fleet?.();
  }

  onFleetChange(listener: () => void): void {
    this.fleetListener = listener;
    this.real?.onFleetChange?.(listener);
  }
}
