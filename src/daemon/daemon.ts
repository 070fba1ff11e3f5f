/**
 * The director daemon's single writer. Health changes, reloads, drains,
 * timers and the periodic resync only mark it dirty; one loop then reads the
 * kernel back, plans, and applies, in the order the invariants ask for:
 * withdrawn routes first, then the IPVS table, then new announcements (a VIP
 * is only announced once its service and healthy destinations exist).
 *
 * Start-up adopts what it finds: the kernel keeps its weights until checks
 * have verdicts, and no routes are set until warm-up ends (every check has a
 * verdict, or the warm-up limit passed), so a restart changes nothing that
 * was right.
 */
import type { AnnouncementSpec } from '../bgp/announcement.js';
import type { DrainOptions } from '../bgp/publisher.js';
import type { FleetView } from '../bgp/fleet-view.js';
import type { BgpStatus } from '../bgp/speaker.js';
import type { Config, Role, VirtualService } from '../config/model.js';
import type { HealthEvent } from '../health/engine.js';
import type { CheckSpec } from '../health/spec.js';
import type { ServiceKey, ServiceWithDestinations } from '../ipvs/model.js';
import { serviceKeyString } from '../ipvs/model.js';
import type { OpResult } from '../ipvs/client.js';
import type { IpvsOp } from '../ipvs/ops.js';
import { describeOp } from '../ipvs/ops.js';
import type { Logger } from '../log.js';
import { DEFAULT_GATE, type GateParams, type GateState, stepGate } from './announce-gate.js';
import { desiredIpvs } from './desired-ipvs.js';
import { desiredRoutes, gateInputs, vipGroups } from './desired-routes.js';
import { type Drains, NO_DRAINS, type RealHealth, realDrained, realKey } from './health-view.js';
import { planIpvs } from './plan-ipvs.js';
import { type AddressPort, planAddresses } from './vip-addresses.js';
import { KernelSettings, type KernelSettingsStatus, type TimeoutsPort } from './kernel-settings.js';
import type { SysctlPort } from './sysctl-port.js';

/** The kernel side, as the daemon uses it (IpvsClient in production). */
export interface IpvsPort extends Partial<TimeoutsPort> {
  dump(): Promise<ServiceWithDestinations[]>;
  apply(ops: readonly IpvsOp[]): Promise<OpResult[]>;
  close(): void;
}

/** The routing side (the BGP module in production). */
export interface RoutesPort {
  start(): Promise<void>;
  setAnnouncements(specs: readonly AnnouncementSpec[]): void;
  synced(timeoutMs?: number): Promise<void>;
  status(): BgpStatus;
  stop(how: 'withdraw' | 'restart', drain?: DrainOptions): Promise<void>;
  /** What the other directors announce (the fleet guard); absent without one. */
  fleet?(): FleetView;
  onFleetChange?(listener: () => void): void;
}

/** The health side (the HealthEngine in production). */
export interface HealthPort {
  update(checks: Iterable<readonly [string, CheckSpec]>): void;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  config: Config;
  log: Logger;
  openIpvs: () => Promise<IpvsPort>;
  routes: RoutesPort;
  /** Builds the health engine, wired to the daemon's event handler. */
  health: (onEvent: (e: HealthEvent) => void) => HealthPort;
  gate?: Partial<GateParams>;
  /** Longest warm-up before routes are set even with checks still unknown; 30 s. */
  warmupMaxMs?: number;
  now?: () => number;
  /** Adds and removes the VIP addresses; none: VIP addresses are left alone. */
  addresses?: AddressPort | undefined;
  /** Holds the net.ipv4.vs.* settings; none: they are left alone. */
  sysctls?: SysctlPort | undefined;
  /** Told after every pass (metrics). */
  onReconcile?: (r: { ms: number; ops: number; failed: number; ipvsOk: boolean }) => void;
}

export interface VipStatus {
  vip: string;
  route: GateState['route'] | 'warming-up';
  reason: string;
  since: string | undefined;
  services: string[];
  /** backup: announced with bgp.backup's attributes (routers prefer the primaries). */
  role: Role;
}

export interface RealStatus {
  service: string;
  address: string;
  port: number;
  state: RealHealth['state'];
  reason: string | undefined;
  since: string | undefined;
  drained: boolean;
}

export interface DaemonStatus {
  director: string;
  warmingUp: boolean;
  ipvs: { ok: boolean; error: string | undefined };
  lastReconcile:
    { at: string; ms: number; ops: number; failed: number; reasons: readonly string[] } | undefined;
  vips: VipStatus[];
  reals: RealStatus[];
  bgp: BgpStatus;
  drains: { director: boolean; vips: string[]; services: string[]; reals: string[] };
  /** The fleet guard: sessions with other directors, and who of them announces what. */
  fleet:
    | {
        peers: number;
        established: number;
        announcers: Record<string, { healthy: readonly string[]; degraded: readonly string[] }>;
      }
    | undefined;
  /** The net.ipv4.vs.* settings held, the value last seen and why each is held. */
  sysctls: KernelSettingsStatus['sysctls'];
  timeouts: KernelSettingsStatus['timeouts'];
}

export class Daemon {
  private config: Config;
  private groups: Map<string, VirtualService[]>;
  private readonly health = new Map<string, RealHealth>();
  private readonly gates = new Map<string, GateState>();
  /** VIPs whose routes were last handed to GoBGP. */
  private announced = new Set<string>();
  /** VIP addresses this daemon put on the VIP interface, in this or an earlier configuration. */
  private readonly ownedAddresses = new Set<string>();
  private drains: Drains = NO_DRAINS;
  private previouslyOwned: ServiceKey[] = [];
  private ipvs: IpvsPort | undefined;
  private ipvsError: string | undefined;
  private engine: HealthPort | undefined;
  private dirty = true;
  private fullResync = true;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly kernelSettings: KernelSettings;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private warm = false;
  private last: DaemonStatus['lastReconcile'];
  private readonly gateParams: GateParams;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: DaemonOptions) {
    this.config = options.config;
    this.groups = vipGroups(this.config.services);
    this.now = options.now ?? Date.now;
    this.log = options.log;
    this.kernelSettings = new KernelSettings(options.log, options.sysctls);
    this.gateParams = {
      ...DEFAULT_GATE,
      drainTimeMs: this.config.bgp.drainTimeMs,
      ...(this.config.bgp.fleet && { settleMs: this.config.bgp.fleet.settleMs }),
      ...options.gate,
    };
    options.routes.onFleetChange?.(() => this.kick());
  }

  /**
   * Starts the checks, then the BGP side. If the BGP side cannot start, the
   * checks are stopped again before the error is passed on: a daemon that
   * failed to start holds nothing that keeps the process alive.
   */
  async start(): Promise<void> {
    this.startedAt = this.now();
    this.engine = this.options.health((e) => this.onHealth(e));
    this.engine.update(this.checks());
    const routesFrom = performance.now();
    try {
      await this.options.routes.start();
    } catch (err) {
      this.stopped = true;
      await this.engine.stop();
      throw err;
    }
    this.log.info(
      { event: 'routes_started', ms: Math.round(performance.now() - routesFrom) },
      'BGP side started',
    );
    this.scheduleResync();
    this.loop = this.run();
    this.log.info(
      { event: 'daemon_started', services: this.config.services.length, vips: this.groups.size },
      'anycastd running',
    );
  }

  /** Applies a new configuration as a diff; unchanged checks and routes are not touched. */
  reload(config: Config): void {
    // Added to, not replaced: two reloads before the next pass must both be honoured.
    this.previouslyOwned = [...this.previouslyOwned, ...droppedServiceKeys(this.config, config)];
    if (JSON.stringify(config.bgp) !== JSON.stringify(this.config.bgp))
      this.log.warn(
        { event: 'bgp_settings_changed' },
        'BGP speaker or neighbour settings changed: they apply at the next start of anycastd',
      );
    this.config = config;
    this.groups = vipGroups(config.services);
    for (const vip of [...this.gates.keys()]) if (!this.groups.has(vip)) this.gates.delete(vip);
    const ids = new Set(config.services.flatMap((vs) => vs.reals.map((r) => realKey(vs, r))));
    for (const id of [...this.health.keys()]) if (!ids.has(id)) this.health.delete(id);
    this.engine?.update(this.checks());
    this.log.info(
      { event: 'config_reloaded', services: config.services.length },
      'configuration reloaded',
    );
    this.kick(true);
  }

  setDrains(drains: Drains): void {
    this.drains = drains;
    this.kick();
  }

  get currentConfig(): Config {
    return this.config;
  }

  get drainState(): Drains {
    return this.drains;
  }

  /**
   * What applying `config` would change now, without changing anything: the
   * IPVS operations (each with its reason) and the route changes, judged
   * with the current health, drains and hold-downs.
   */
  async plan(config: Config): Promise<{ ipvs: readonly string[]; routes: string[] }> {
    this.ipvs ??= await this.options.openIpvs();
    const actual = await this.ipvs.dump();
    const dropped = [...this.previouslyOwned, ...droppedServiceKeys(this.config, config)];
    const ipvs = planIpvs(
      desiredIpvs(config.services, this.health, this.drains),
      actual,
      dropped,
    ).reasons;
    const now = this.now();
    const groups = vipGroups(config.services);
    const states = new Map<string, GateState>();
    for (const [vip, group] of groups)
      states.set(
        vip,
        stepGate(
          this.gates.get(vip),
          gateInputs(group, this.health, this.drains, true, this.options.routes.fleet?.()),
          now,
          this.gateParams,
        ),
      );
    const before = new Map(desiredRoutes(this.groups, this.gates).map((r) => [r.prefix, r]));
    const after = new Map(desiredRoutes(groups, states).map((r) => [r.prefix, r]));
    const routes: string[] = [];
    for (const [prefix, r] of after) {
      const was = before.get(prefix);
      if (!was)
        routes.push(
          `announce ${prefix} (${states.get(prefix.replace(/\/\d+$/, ''))?.reason ?? ''})`,
        );
      else if (JSON.stringify(was) !== JSON.stringify(r))
        routes.push(`re-announce ${prefix} with new attributes`);
    }
    for (const prefix of before.keys())
      if (!after.has(prefix)) {
        const vip = prefix.replace(/\/\d+$/, '');
        routes.push(
          `withdraw ${prefix} (${groups.has(vip) ? (states.get(vip)?.reason ?? '') : 'no longer configured'})`,
        );
      }
    return { ipvs, routes };
  }

  /** Resolves once the loop has gone through a reconcile that started after this call. */
  async settled(): Promise<void> {
    const mark = this.last?.at;
    while (!this.stopped && this.last?.at === mark) await new Promise((r) => setTimeout(r, 10));
  }

  status(): DaemonStatus {
    const reals: RealStatus[] = [];
    for (const vs of this.config.services)
      for (const r of vs.reals) {
        const h = this.health.get(realKey(vs, r));
        reals.push({
          service: vs.name,
          address: r.address,
          port: r.port,
          state: h?.state ?? 'unknown',
          reason: h?.reason,
          since: h?.since,
          drained: realDrained(this.drains, vs, r),
        });
      }
    return {
      director: this.config.director.name,
      warmingUp: !this.warm,
      ipvs: { ok: this.ipvsError === undefined, error: this.ipvsError },
      lastReconcile: this.last,
      vips: [...this.groups].map(([vip, group]) => {
        const g = this.gates.get(vip);
        return {
          vip,
          route: this.warm && g ? g.route : 'warming-up',
          reason: this.warm && g ? g.reason : 'waiting for every check to have a verdict',
          since: g ? new Date(g.since).toISOString() : undefined,
          services: group.map((vs) => vs.name),
          role: group[0]?.announce.role ?? 'primary',
        };
      }),
      reals,
      bgp: this.options.routes.status(),
      drains: {
        director: this.drains.director,
        vips: [...this.drains.vips],
        services: [...this.drains.services],
        reals: [...this.drains.reals],
      },
      fleet: this.fleetStatus(),
      ...this.kernelSettings.status(this.config),
    };
  }

  private fleetStatus(): DaemonStatus['fleet'] {
    const view = this.options.routes.fleet?.();
    if (!view || !this.config.bgp.fleet) return undefined;
    return {
      peers: this.config.bgp.fleet.peers.length,
      established: view.established,
      announcers: Object.fromEntries(view.announcers),
    };
  }

  /**
   * Stops. `withdraw`: routes carry the draining attributes for the drain
   * time, then are withdrawn; `restart`: routes stay (graceful restart keeps
   * them at the routers until the next anycastd). IPVS is left as it is.
   */
  async stop(how: 'withdraw' | 'restart' = 'withdraw'): Promise<void> {
    this.stopped = true;
    clearTimeout(this.resyncTimer);
    clearTimeout(this.wakeTimer);
    this.wake?.();
    await this.loop;
    const drain: DrainOptions | undefined =
      this.config.bgp.drainTimeMs > 0
        ? { gracefulShutdownCommunity: true, durationMs: this.config.bgp.drainTimeMs }
        : undefined;
    await this.options.routes.stop(how, drain);
    await this.engine?.stop();
    this.ipvs?.close();
    this.log.info({ event: 'daemon_stopped', how }, 'anycastd stopped');
  }

  private checks(): [string, CheckSpec][] {
    return this.config.services.flatMap((vs) =>
      vs.reals.map((r) => [realKey(vs, r), r.check] as [string, CheckSpec]),
    );
  }

  private onHealth(e: HealthEvent): void {
    const prev = this.health.get(e.id);
    this.health.set(e.id, {
      state: e.to,
      weight: e.weight,
      reason: e.reason,
      since: new Date(this.now()).toISOString(),
    });
    if (prev?.state !== e.to)
      this.log.info(
        { event: 'real_state', real: e.id, from: e.from, to: e.to, reason: e.reason },
        `${e.id} ${e.to}`,
      );
    this.kick();
  }

  private kick(full = false): void {
    this.dirty = true;
    if (full) this.fullResync = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private scheduleResync(): void {
    this.resyncTimer = setTimeout(() => {
      this.kick(true);
      this.scheduleResync();
    }, this.config.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.dirty) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.dirty = false;
      const full = this.fullResync;
      this.fullResync = false;
      try {
        await this.reconcile(full);
      } catch (err) {
        this.log.error(
          { event: 'reconcile_failed', error: String(err) },
          'reconcile failed; retrying',
        );
        await new Promise((r) => setTimeout(r, 1000));
        this.dirty = true;
      }
    }
  }

  private warmedUp(now: number): boolean {
    if (this.warm) return true;
    const unknown = this.checks().some(
      ([id]) => (this.health.get(id)?.state ?? 'unknown') === 'unknown',
    );
    if (!unknown || now - this.startedAt >= (this.options.warmupMaxMs ?? 30_000)) {
      this.warm = true;
      this.log.info(
        { event: 'warmup_done', ms: now - this.startedAt, complete: !unknown },
        'warm-up over',
      );
    }
    return this.warm;
  }

  private async reconcile(full: boolean): Promise<void> {
    const started = performance.now();
    const now = this.now();
    let actual: ServiceWithDestinations[] | undefined;
    try {
      this.ipvs ??= await this.options.openIpvs();
      actual = await this.ipvs.dump();
      if (this.ipvsError)
        this.log.info({ event: 'ipvs_recovered' }, 'IPVS can be programmed again');
      this.ipvsError = undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.ipvsError !== message)
        this.log.error(
          { event: 'ipvs_unavailable', error: message },
          'cannot program IPVS; withdrawing every route',
        );
      this.ipvsError = message;
      this.ipvs?.close();
      this.ipvs = undefined;
    }
    // Before the table changes: a service that needs sloppy_tcp must not run without it.
    if (actual !== undefined && full)
      await this.kernelSettings.sync(this.config, this.timeoutsPort());
    const ipvsOk = actual !== undefined;
    const plan = ipvsOk
      ? planIpvs(
          desiredIpvs(this.config.services, this.health, this.drains),
          actual ?? [],
          this.previouslyOwned,
        )
      : { ops: [], reasons: [] };

    const warm = this.warmedUp(now);
    // The VIPs whose routes were last set: a VIP removed by a reload is among
    // them even though it has no gate any more, and is withdrawn first too.
    const announcedBefore = this.announced;
    if (warm) {
      const fleet = this.options.routes.fleet?.();
      for (const [vip, group] of this.groups) {
        const prev = this.gates.get(vip);
        const next = stepGate(
          prev,
          gateInputs(group, this.health, this.drains, ipvsOk, fleet),
          now,
          this.gateParams,
        );
        if (prev?.route !== next.route || prev.reason !== next.reason)
          this.log.info(
            { event: 'vip_state', vip, route: next.route, was: prev?.route, reason: next.reason },
            `${vip}: ${next.route} (${next.reason})`,
          );
        this.gates.set(vip, next);
      }
      // Withdrawals first: the route leaves before anything behind it changes.
      const keep = new Map(
        [...this.gates].filter(([v, g]) => g.route !== 'withdraw' && announcedBefore.has(v)),
      );
      if (keep.size < announcedBefore.size) {
        this.options.routes.setAnnouncements(desiredRoutes(this.groups, keep));
        this.announced = new Set(keep.keys());
        await this.options.routes
          .synced(2000)
          .catch((err: unknown) =>
            this.log.warn(
              { event: 'routes_not_synced', error: String(err) },
              'withdrawal not confirmed by GoBGP yet; going on',
            ),
          );
      }
    }

    let failed = 0;
    if (ipvsOk && plan.ops.length > 0 && this.ipvs) {
      const results = await this.ipvs.apply(plan.ops);
      results.forEach((r) => {
        if (r.ok) return;
        failed++;
        this.log.error(
          { event: 'ipvs_op_failed', op: describeOp(r.op), error: r.error.message },
          `${describeOp(r.op)}: ${r.error.message}`,
        );
      });
      this.log.info(
        {
          event: full ? 'ipvs_repaired' : 'ipvs_changed',
          ops: plan.ops.length,
          failed,
          reasons: plan.reasons,
        },
        `IPVS: ${plan.ops.length} change${plan.ops.length === 1 ? '' : 's'}`,
      );
      this.previouslyOwned = [];
    }

    // VIP addresses: added before any announcement, removed after the withdrawals.
    let addressesOk = true;
    if (ipvsOk) addressesOk = await this.syncAddresses();
    if (warm && addressesOk) {
      this.options.routes.setAnnouncements(desiredRoutes(this.groups, this.gates));
      this.announced = new Set(
        [...this.gates].filter(([, g]) => g.route !== 'withdraw').map(([v]) => v),
      );
    } else if (warm) {
      // Packets for a VIP that is not a local address would be lost: attract none.
      this.options.routes.setAnnouncements([]);
      this.announced = new Set();
    }
    this.scheduleWake(now);
    this.last = {
      at: new Date(now).toISOString(),
      ms: Math.round(performance.now() - started),
      ops: plan.ops.length,
      failed,
      reasons: plan.reasons,
    };
    this.options.onReconcile?.({
      ms: performance.now() - started,
      ops: plan.ops.length,
      failed,
      ipvsOk,
    });
  }

  /** The IPVS client's timeout calls, when it has them (test doubles may not). */
  /** The IPVS client itself when it can read and set the timeouts (test doubles may not). */
  private timeoutsPort(): TimeoutsPort | undefined {
    const ipvs = this.ipvs;
    return ipvs && hasTimeouts(ipvs) ? ipvs : undefined;
  }

  /** Puts the VIPs on the VIP interface and takes away the ones no longer configured. */
  private async syncAddresses(): Promise<boolean> {
    const ifname = this.config.director.vipInterface;
    const port = this.options.addresses;
    if (!ifname || !port) return true;
    const wanted = new Set(
      [...this.groups.values()].map((g) => {
        const vs = g[0];
        return vs ? `${vs.vip}/${vs.family === 'ipv4' ? 32 : 128}` : '';
      }),
    );
    try {
      const plan = planAddresses(wanted, await port.list(ifname), this.ownedAddresses);
      for (const cidr of plan.add) {
        await port.add(ifname, cidr);
        this.log.info(
          { event: 'vip_address_added', address: cidr, interface: ifname },
          `${cidr} added to ${ifname}`,
        );
      }
      for (const cidr of plan.remove) {
        await port.remove(ifname, cidr);
        this.ownedAddresses.delete(cidr);
        this.log.info(
          { event: 'vip_address_removed', address: cidr, interface: ifname },
          `${cidr} removed from ${ifname}`,
        );
      }
      for (const cidr of wanted) this.ownedAddresses.add(cidr);
      return true;
    } catch (err) {
      const message = `cannot put the VIPs on ${ifname}: ${err instanceof Error ? err.message : String(err)}`;
      this.log.error({ event: 'vip_address_failed', error: message }, message);
      // Shown as the kernel side failing; the caller withdraws every route.
      this.ipvsError = message;
      return false;
    }
  }

  /** A hold-down or drain that ends later needs a reconcile then, health or not. */
  private scheduleWake(now: number): void {
    clearTimeout(this.wakeTimer);
    let next = Number.POSITIVE_INFINITY;
    for (const g of this.gates.values()) {
      if (g.holdUntil > now) next = Math.min(next, g.holdUntil);
      if (g.drainingSince !== undefined)
        next = Math.min(next, g.drainingSince + this.gateParams.drainTimeMs);
      if (g.failOpenSince !== undefined && now < g.failOpenSince + this.gateParams.settleMs)
        next = Math.min(next, g.failOpenSince + this.gateParams.settleMs);
    }
    if (!this.warm) next = Math.min(next, this.startedAt + (this.options.warmupMaxMs ?? 30_000));
    if (Number.isFinite(next)) {
      this.wakeTimer = setTimeout(() => this.kick(), Math.max(0, next - now) + 5);
      this.wakeTimer.unref();
    }
  }
}

/** IPVS services `from` declares that `to` no longer does. */
function droppedServiceKeys(from: Config, to: Config): ServiceKey[] {
  const kept = new Set(
    to.services.flatMap((vs) => vs.services.map((s) => serviceKeyString(s.key))),
  );
  return from.services
    .flatMap((vs) => vs.services.map((s) => s.key))
    .filter((k) => !kept.has(serviceKeyString(k)));
}

function hasTimeouts(ipvs: IpvsPort): ipvs is IpvsPort & TimeoutsPort {
  return typeof ipvs.timeouts === 'function' && typeof ipvs.setTimeouts === 'function';
}
