/**
 * The director daemon's single writer. Health changes, reloads, drains,
 * timers and reads of the kernel only mark work; one loop then does it, in
 * the order the invariants ask for: routes withdrawn first, then the IPVS
 * table, then new announcements (a VIP is announced only once its services
 * and healthy destinations exist and its address is local).
 *
 * Its cost per event follows the event: a health change re-plans only its
 * virtual service and gate, against a view of the kernel kept current from
 * each operation's outcome (kernel-view.ts). The kernel is read back in full
 * only at start, after a reload or a failure and on the periodic resync, by
 * a reader on sockets of its own (kernel-reader.ts), in slices that the loop
 * merges between its other work: no read ever holds up a drain or a
 * withdrawal. IPVS is programmed as soon as it can be, while the BGP side is
 * still starting.
 *
 * Start-up adopts what it finds: the kernel keeps its weights until checks
 * have verdicts, and no routes are set until warm-up ends (every check has a
 * verdict, or the warm-up limit passed), so a restart changes nothing that
 * was right.
 */
import type { Announcement } from '../bgp/announcement.js';
import type { DrainOptions } from '../bgp/publisher.js';
import type { FleetView } from '../bgp/fleet-view.js';
import type { BgpStatus } from '../bgp/speaker.js';
import { type Config, type VirtualService, needed } from '../config/model.js';
import type { HealthEvent } from '../health/engine.js';
import type { CheckSpec } from '../health/spec.js';
import type { OpResult } from '../ipvs/client.js';
import { type ServiceKey, serviceKeyString } from '../ipvs/model.js';
import { type IpvsOp, describeOp } from '../ipvs/ops.js';
import type { Logger } from '../log.js';
import { DEFAULT_GATE, type GateParams, type GateState, stepGate } from './announce-gate.js';
import { ConfigIndex, changedServices } from './config-index.js';
import type { DaemonStatus, RealStatus } from './daemon-status.js';
import { desiredIpvs, sorryState } from './desired-ipvs.js';
import { countsHealthy, gateInputs } from './desired-routes.js';
import {
  type Drains,
  NO_DRAINS,
  type RealHealth,
  type RealState,
  realDrained,
  realKey,
} from './health-view.js';
import { type IpvsReadPort, KernelReader, type ReadPart } from './kernel-reader.js';
import { KernelSettings, type TimeoutsPort } from './kernel-settings.js';
import { KernelView } from './kernel-view.js';
import { planIpvs } from './plan-ipvs.js';
import { RealHistory, historyOf } from './real-history.js';
import type { SysctlPort } from './sysctl-port.js';
import { type AddressPort, planAddresses } from './vip-addresses.js';

export type { DaemonStatus, RealStatus, VipStatus } from './daemon-status.js';

/** The kernel side, as the daemon uses it (IpvsClient in production). */
export interface IpvsPort extends IpvsReadPort, Partial<TimeoutsPort> {
  apply(ops: readonly IpvsOp[]): Promise<OpResult[]>;
}

/** The routing side (the BGP module in production). */
export interface RoutesPort {
  /** Loads what start needs without starting it (optional). */
  prepare?(): Promise<void>;
  start(): Promise<void>;
  /** The whole set of routes to announce (the first set after warm-up). */
  setRoutes(routes: ReadonlyMap<string, Announcement>): void;
  /** Changes to some prefixes; undefined withdraws one. */
  updateRoutes(changes: ReadonlyMap<string, Announcement | undefined>): void;
  synced(timeoutMs?: number): Promise<void>;
  status(): BgpStatus;
  stop(how: 'withdraw' | 'restart', drain?: DrainOptions): Promise<void>;
  /** What the other directors announce (the fleet guard); absent without one. */
  fleet?(): FleetView | undefined;
  onFleetChange?(listener: () => void): void;
}

/** The health side (the HealthEngine in production). */
export interface HealthPort {
  update(checks: Iterable<readonly [string, CheckSpec]>): void;
  /** The current state of one check id. */
  status?(
    id: string,
  ): { status: RealState; weight?: number | undefined; reason?: string | undefined } | undefined;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  config: Config;
  log: Logger;
  /** Opens a connection to IPVS; called for the writer and for the reader, each its own. */
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
  /** Services per slice of a full read; 256. */
  readSlice?: number | undefined;
  /** A virtual service an operation failed on is planned again after this long; 1 s. */
  failedRetryMs?: number | undefined;
  /** Longest wait at start for the table to be read and programmed before checks start; 60 s. */
  tableWaitMs?: number | undefined;
  /** Told after every pass (metrics). */
  onReconcile?: (r: { ms: number; ops: number; failed: number; ipvsOk: boolean }) => void;
  /** A VIP's route state changed (for counters). */
  onVipState?: (
    vip: string,
    route: string,
    why: { reason: string; code: string; was: string | undefined },
  ) => void;
  /** A real server's health changed (for counters). */
  onRealState?: (
    service: string,
    to: string,
    why: { address: string; port: number; from: string; reason: string },
  ) => void;
}

/** Virtual services re-planned per pass from reads and reloads; health changes always all. */
const BULK_PER_PASS = 512;
const FAILED_RETRY_MS = 1000;
const TABLE_WAIT_MS = 60_000;
/** Reasons kept in a log line and in the status; the count says how many there were. */
const REASONS_KEPT = 50;

export class Daemon {
  private index: ConfigIndex;
  private readonly health = new Map<string, RealHealth>();
  /** Check ids that have had no verdict yet (warm-up ends when none is left). */
  private readonly unknown = new Set<string>();
  /** Each check of the real servers that have several (by check id), combined into `health`. */
  private readonly checkHealth = new Map<string, RealHealth>();
  private readonly history = new RealHistory();
  private readonly gates = new Map<string, GateState>();
  /** The route each VIP was last given to the BGP side with; absent: not announced. */
  private readonly handed = new Map<string, Announcement>();
  private routesSet = false;
  private drains: Drains = NO_DRAINS;
  /** IPVS services a reload removed, owned until deleted. */
  private readonly dropped = new Map<string, ServiceKey>();
  /** Dropped services to delete (or look at again) in the next pass. */
  private readonly droppedDue = new Set<string>();

  private readonly view = new KernelView();
  private readonly reader: KernelReader;
  private writer: IpvsPort | undefined;
  private ipvsError: string | undefined;
  private readonly inbox: { part: ReadPart; merged: () => void }[] = [];
  private lastRead: DaemonStatus['lastRead'];
  private reading = false;

  // Work to do, by virtual service name and by VIP.
  private readonly urgent = new Set<string>();
  private readonly bulk = new Set<string>();
  private readonly dirtyVips = new Set<string>();
  private allVips = true;
  private settingsDue = true;
  private addressesDue = false;
  /** A hold-down, drain, settle or the warm-up limit has come. */
  private timersDue = false;

  /** VIP addresses known to be on the VIP interface (read, or added since); undefined until read. */
  private local: Set<string> | undefined;
  /** VIP addresses this daemon put on the VIP interface, in this or an earlier configuration. */
  private readonly ownedAddresses = new Set<string>();
  private addressError: string | undefined;

  private engine: HealthPort | undefined;
  private readonly kernelSettings: KernelSettings;
  private stopped = false;
  private passing = false;
  private passes = 0;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** VIPs whose gate needs a look at a later time (hold-down, drain, settle). */
  private readonly wakeAt = new Map<string, number>();
  /**
   * Virtual services an operation failed on, and when they may be planned
   * again: a kernel that keeps refusing must not turn the loop into a spin.
   */
  private readonly retryAt = new Map<string, number>();
  private startedAt = 0;
  private warm = false;
  private last: DaemonStatus['lastReconcile'];
  private readonly gateParams: GateParams;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: DaemonOptions) {
    this.index = new ConfigIndex(options.config);
    this.now = options.now ?? Date.now;
    this.log = options.log;
    this.kernelSettings = new KernelSettings(options.log, options.sysctls);
    this.gateParams = {
      ...DEFAULT_GATE,
      drainTimeMs: options.config.bgp.drainTimeMs,
      ...(options.config.bgp.fleet && { settleMs: options.config.bgp.fleet.settleMs }),
      ...options.gate,
    };
    for (const id of this.index.byReal.keys()) this.unknown.add(id);
    this.reader = new KernelReader({
      open: () => this.options.openIpvs(),
      view: this.view,
      owned: () => this.ownedIds(),
      addresses: this.addressReader(),
      deliver: (part) =>
        new Promise<void>((merged) => {
          this.inbox.push({ part, merged });
          this.kick();
        }),
      sliceSize: options.readSlice,
    });
    options.routes.onFleetChange?.(() => {
      this.allVips = true;
      this.kick();
    });
  }

  private get config(): Config {
    return this.index.config;
  }

  /**
   * Starts the loop, which reads and programs IPVS at once, then the checks
   * and the BGP side. If the BGP side cannot start, everything is stopped
   * again before the error is passed on: a daemon that failed to start holds
   * nothing that keeps the process alive.
   */
  async start(): Promise<void> {
    this.startedAt = this.now();
    this.reading = true;
    this.reader.full();
    this.loop = this.run();
    // The table before the checks and the BGP side: thousands of first probes at once,
    // and loading gRPC and GoBGP's protos, would take the CPU from reading and
    // programming it. Warm-up counts from the first probe; no route is set before it
    // ends, so BGP starting meanwhile delays nothing.
    const tableFrom = performance.now();
    await this.tableProgrammed(this.options.tableWaitMs ?? TABLE_WAIT_MS);
    this.log.info(
      {
        event: 'table_programmed',
        ms: Math.round(performance.now() - tableFrom),
        ok: this.ipvsError === undefined,
      },
      this.ipvsError === undefined
        ? 'IPVS table read and programmed; starting the checks'
        : 'IPVS not available; starting the checks anyway',
    );
    // Loaded before the first probes too, for the same reason; started after them.
    await this.options.routes.prepare?.().catch(() => undefined);
    this.startedAt = this.now();
    this.engine = this.options.health((e) => this.onHealth(e));
    this.engine.update(this.checks());
    this.kick();
    const routesFrom = performance.now();
    const failed = await this.options.routes.start().then(
      () => undefined,
      (err: unknown) =>
        err instanceof Error ? err : new Error(`the BGP side failed to start: ${String(err)}`),
    );
    if (failed !== undefined) {
      this.stopped = true;
      this.kick();
      await this.loop;
      await this.reader.stop();
      await this.engine.stop();
      this.writer?.close();
      throw failed;
    }
    this.log.info(
      { event: 'routes_started', ms: Math.round(performance.now() - routesFrom) },
      'BGP side started',
    );
    this.log.info(
      {
        event: 'daemon_started',
        services: this.config.services.length,
        vips: this.index.groups.size,
      },
      'anycastd running',
    );
  }

  /** Until the first full read is merged and planned (or failed), `limitMs` at most. */
  private async tableProgrammed(limitMs: number): Promise<void> {
    const until = performance.now() + limitMs;
    while (!this.stopped && performance.now() < until) {
      const failed = this.ipvsError !== undefined && this.passes > 0;
      if (
        failed ||
        (!this.reading && this.bulk.size === 0 && this.inbox.length === 0 && !this.passing)
      )
        return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Applies a new configuration as a diff; unchanged checks, services and routes are not touched. */
  reload(config: Config, timing: { parseMs?: number } = {}): void {
    const started = performance.now();
    const before = this.index;
    const next = new ConfigIndex(config);
    if (JSON.stringify(config.bgp) !== JSON.stringify(before.config.bgp))
      this.log.warn(
        { event: 'bgp_settings_changed' },
        'BGP speaker or neighbour settings changed: they apply at the next start of anycastd',
      );
    for (const [id, { key }] of before.byService)
      if (!next.byService.has(id)) {
        this.dropped.set(id, key);
        this.droppedDue.add(id);
      }
    for (const id of next.byService.keys()) {
      this.dropped.delete(id);
      this.droppedDue.delete(id);
    }
    const { changed, removed } = changedServices(before, next);
    this.index = next;
    for (const vip of [...this.gates.keys()]) if (!next.groups.has(vip)) this.gates.delete(vip);
    for (const id of [...this.health.keys()]) if (!next.byReal.has(id)) this.health.delete(id);
    this.history.keepOnly(next.byReal);
    for (const id of [...this.checkHealth.keys()]) {
      const [real = '', n = '1'] = id.split('#');
      if ((next.checkCount.get(real) ?? 0) < Number(n)) this.checkHealth.delete(id);
    }
    for (const id of [...this.unknown]) if (!next.byReal.has(id)) this.unknown.delete(id);
    for (const id of next.byReal.keys()) if (!this.health.has(id)) this.unknown.add(id);
    for (const vs of changed) {
      this.urgent.add(vs.name);
      this.dirtyVips.add(vs.vip);
    }
    for (const vs of removed) this.dirtyVips.add(vs.vip);
    // Services new to the view are read by name at once, ahead of the full read.
    const unread = [...next.byService]
      .filter(([id]) => this.view.state(id) === 'unknown')
      .map(([, s]) => s.key);
    this.reader.read(unread);
    this.engine?.update(this.checks());
    // A real server whose number of checks changed is judged again from every check's state.
    for (const real of next.byReal.keys())
      if ((before.checkCount.get(real) ?? 1) !== (next.checkCount.get(real) ?? 1))
        this.rejudge(real);
    this.settingsDue = true;
    this.addressesDue = true;
    this.requestRead();
    this.log.info(
      {
        event: 'config_reloaded',
        services: config.services.length,
        changed: changed.length,
        parse_ms: timing.parseMs,
        apply_ms: Math.round(performance.now() - started),
      },
      'configuration reloaded',
    );
    this.kick();
  }

  setDrains(drains: Drains): void {
    const old = this.drains;
    this.drains = drains;
    if (old.director !== drains.director) this.allVips = true;
    for (const vip of symmetricDifference(old.vips, drains.vips)) this.dirtyVips.add(vip);
    for (const name of symmetricDifference(old.services, drains.services)) {
      const vs = this.index.byName.get(name);
      if (vs) this.markService(vs, this.urgent);
    }
    for (const address of symmetricDifference(old.reals, drains.reals))
      for (const vs of this.index.byAddress.get(address) ?? []) this.markService(vs, this.urgent);
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
   * with the current health, drains and hold-downs. Services the view has
   * not read yet are read for it.
   */
  async plan(config: Config): Promise<{ ipvs: readonly string[]; routes: string[] }> {
    const next = new ConfigIndex(config);
    const actual = await this.actualFor([...next.byService.values()].map((s) => s.key));
    const dropped = [...this.dropped.values()];
    for (const [id, { key }] of this.index.byService)
      if (!next.byService.has(id)) dropped.push(key);
    const droppedActual = await this.actualFor(dropped);
    const ipvs = planIpvs(
      desiredIpvs(config.services, this.health, this.drains),
      [...actual, ...droppedActual],
      dropped,
    ).reasons;
    const now = this.now();
    const states = new Map<string, GateState>();
    for (const [vip, group] of next.groups)
      states.set(
        vip,
        stepGate(
          this.gates.get(vip),
          gateInputs(group, this.health, this.drains, true, this.options.routes.fleet?.()),
          now,
          this.gateParams,
        ),
      );
    const after = new Map<string, Announcement>();
    for (const [vip, group] of next.groups) {
      const r = routeOf(group, states.get(vip));
      if (r) after.set(r.prefix, r);
    }
    const before = new Map([...this.handed.values()].map((r) => [r.prefix, r]));
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
          `withdraw ${prefix} (${next.groups.has(vip) ? (states.get(vip)?.reason ?? '') : 'no longer configured'})`,
        );
      }
    return { ipvs, routes };
  }

  /** Resolves once the loop has done everything asked of it so far and has nothing left to do. */
  async settled(): Promise<void> {
    do await new Promise((r) => setTimeout(r, 5));
    while (!this.stopped && !this.idle());
  }

  status(): DaemonStatus {
    const reals: RealStatus[] = [];
    // Healthy counts per service, from the same pass over the real servers.
    const healthyBy = new Map<string, number>();
    for (const vs of this.config.services)
      for (const r of vs.reals) {
        const key = realKey(vs, r);
        const h = this.health.get(key);
        if (countsHealthy(h, this.drains, vs, r))
          healthyBy.set(vs.name, (healthyBy.get(vs.name) ?? 0) + 1);
        reals.push({
          service: vs.name,
          address: r.address,
          port: r.port,
          state: h?.state ?? 'unknown',
          reason: h?.reason,
          since: h?.since,
          drained: realDrained(this.drains, vs, r),
          ...historyOf(this.history.get(key)),
        });
      }
    const error = this.ipvsError ?? this.addressError;
    return {
      director: this.config.director.name,
      warmingUp: !this.warm,
      ipvs: { ok: error === undefined, error },
      lastReconcile: this.last,
      lastRead: this.lastRead,
      vips: [...this.index.groups].map(([vip, group]) => {
        const g = this.gates.get(vip);
        return {
          vip,
          route: this.warm && g ? g.route : 'warming-up',
          reason: this.warm && g ? g.reason : 'waiting for every check to have a verdict',
          code: this.warm && g ? g.code : 'warming-up',
          since: g ? new Date(g.since).toISOString() : undefined,
          services: group.map((vs) => vs.name),
          role: group[0]?.announce.role ?? 'primary',
          healthy: group.map((vs) => ({
            service: vs.name,
            healthy: healthyBy.get(vs.name) ?? 0,
            total: vs.reals.length,
            needed: needed(vs.announce.minHealthy, vs.reals.length),
            ...(vs.sorry && {
              sorry: {
                address: vs.sorry.address,
                port: vs.sorry.port,
                state: sorryState(vs, this.health, this.drains) ?? 'out',
              },
            }),
          })),
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

  /**
   * Stops. `withdraw`: routes carry the draining attributes for the drain
   * time, then are withdrawn; `restart`: routes stay (graceful restart keeps
   * them at the routers until the next anycastd). IPVS is left as it is.
   */
  async stop(how: 'withdraw' | 'restart' = 'withdraw'): Promise<void> {
    this.stopped = true;
    clearTimeout(this.resyncTimer);
    clearTimeout(this.wakeTimer);
    this.kick();
    await this.loop;
    for (const { merged } of this.inbox.splice(0)) merged();
    await this.reader.stop();
    const drain: DrainOptions | undefined =
      this.config.bgp.drainTimeMs > 0
        ? { gracefulShutdownCommunity: true, durationMs: this.config.bgp.drainTimeMs }
        : undefined;
    await this.options.routes.stop(how, drain);
    await this.engine?.stop();
    this.writer?.close();
    this.options.addresses?.close?.();
    this.log.info({ event: 'daemon_stopped', how }, 'anycastd stopped');
  }

  // --- events -------------------------------------------------------------

  /** One check id per check: the realKey for the first, `<realKey>#N` for the N-th after it. */
  private checks(): [string, CheckSpec][] {
    return this.config.services.flatMap((vs) =>
      vs.reals.flatMap((r) => {
        const key = realKey(vs, r);
        return r.checks.map(
          (c, i) => [i === 0 ? key : `${key}#${i + 1}`, c] as [string, CheckSpec],
        );
      }),
    );
  }

  private onHealth(event: HealthEvent): void {
    const e = this.combined(event);
    if (!e) return;
    const prev = this.health.get(e.id);
    this.health.set(e.id, {
      state: e.to,
      weight: e.weight,
      reason: e.reason,
      since:
        e !== event && prev?.state === e.to && prev.since
          ? prev.since
          : new Date(this.now()).toISOString(),
    });
    if (e.to !== 'unknown') this.unknown.delete(e.id);
    // A change after the first verdict (several checks pass through unknown to reach theirs).
    if (prev && prev.state !== e.to && (prev.state !== 'unknown' || this.history.get(e.id)))
      this.history.record(e.id, { at: this.now(), from: prev.state, to: e.to, reason: e.reason });
    if (prev?.state !== e.to) {
      // Every first verdict at start would be one line per real server: warm-up sums them up.
      const level = this.warm || prev !== undefined ? 'info' : 'debug';
      this.log[level](
        { event: 'real_state', real: e.id, from: e.from, to: e.to, reason: e.reason },
        `${e.id} ${e.to}`,
      );
    }
    const vs = this.index.byReal.get(e.id);
    if (vs && prev?.state !== e.to) {
      const real = vs.reals.find((r) => realKey(vs, r) === e.id);
      this.options.onRealState?.(vs.name, e.to, {
        address: real?.address ?? '',
        port:
          real?.port ||
          (vs.services[0] && 'port' in vs.services[0].key ? vs.services[0].key.port : 0),
        from: prev?.state ?? 'unknown',
        reason: e.reason,
      });
    }
    if (vs) this.markService(vs, this.urgent);
    this.kick();
  }

  /**
   * A real server with several checks is up while every one passes, down when
   * one fails, unknown while one has no verdict; its weight is the lowest any
   * check set. Single checks pass through. Undefined when nothing changed.
   */
  private combined(e: HealthEvent): HealthEvent | undefined {
    const hash = e.id.indexOf('#');
    const real = hash < 0 ? e.id : e.id.slice(0, hash);
    const count = this.index.checkCount.get(real);
    if (count === undefined) return hash < 0 ? e : undefined;
    this.checkHealth.set(e.id, { state: e.to, weight: e.weight, reason: e.reason });
    const parts = Array.from({ length: count }, (_, i) =>
      this.checkHealth.get(i === 0 ? real : `${real}#${i + 1}`),
    );
    const down = parts.flatMap((p, i) =>
      p?.state === 'down' ? [`check ${i + 1}: ${p.reason ?? 'down'}`] : [],
    );
    const state = down.length ? 'down' : parts.some((p) => p?.state !== 'up') ? 'unknown' : 'up';
    const weights = parts.flatMap((p) => (p?.weight === undefined ? [] : [p.weight]));
    const reason = down.length
      ? down.join('; ')
      : parts.map((p, i) => `check ${i + 1}: ${p?.reason ?? 'no verdict yet'}`).join('; ');
    const prev = this.health.get(real);
    return {
      ...e,
      id: real,
      from: prev?.state ?? 'unknown',
      to: state,
      reason,
      weight: weights.length ? Math.min(...weights) : undefined,
    };
  }

  /** Takes a real server's state afresh from the engine's view of each of its checks. */
  private rejudge(real: string): void {
    const count = this.index.checkCount.get(real) ?? 1;
    for (let i = 0; i < count; i++) {
      const id = i === 0 ? real : `${real}#${i + 1}`;
      const s = this.engine?.status?.(id);
      if (count > 1 && s)
        this.checkHealth.set(id, { state: s.status, weight: s.weight, reason: s.reason });
      if (i === count - 1 && s)
        this.onHealth({
          id,
          from: s.status,
          to: s.status,
          reason: s.reason ?? '',
          weight: s.weight,
          result: undefined,
        });
    }
  }

  private markService(vs: VirtualService, set: Set<string>): void {
    set.add(vs.name);
    this.dirtyVips.add(vs.vip);
  }

  private kick(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private requestRead(): void {
    this.reading = true;
    this.reader.full();
  }

  private scheduleResync(): void {
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => {
      this.settingsDue = true;
      this.requestRead();
      this.kick();
    }, this.config.resyncIntervalMs);
    this.resyncTimer.unref();
  }

  private idle(): boolean {
    return (
      !this.passing &&
      this.inbox.length === 0 &&
      this.urgent.size === 0 &&
      this.bulk.size === 0 &&
      this.droppedDue.size === 0 &&
      this.dirtyVips.size === 0 &&
      !this.allVips &&
      !this.timersDue &&
      !this.addressesDue &&
      this.retryAt.size === 0 &&
      this.reader.idle
    );
  }

  private hasWork(): boolean {
    return (
      this.inbox.length > 0 ||
      this.urgent.size > 0 ||
      this.bulk.size > 0 ||
      this.droppedDue.size > 0 ||
      this.dirtyVips.size > 0 ||
      this.allVips ||
      this.timersDue ||
      this.addressesDue ||
      (this.settingsDue && this.writer !== undefined)
    );
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.hasWork()) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.passing = true;
      try {
        await this.pass();
      } catch (err) {
        this.log.error(
          { event: 'reconcile_failed', error: String(err) },
          'reconcile failed; retrying',
        );
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        this.passing = false;
        this.passes++;
      }
    }
  }

  // --- one pass -----------------------------------------------------------

  private async pass(): Promise<void> {
    const started = performance.now();
    const now = this.now();
    const reasons: string[] = [];
    let opCount = 0;
    let failed = 0;

    const parts = this.mergeReads();
    await this.openWriter();
    if (this.settingsDue && this.writer && !this.ipvsError) {
      // Before the table changes: a service that needs sloppy_tcp must not run without it.
      this.settingsDue = false;
      await this.kernelSettings.sync(this.config, this.timeoutsPort());
    }

    const warm = this.warmedUp(now);
    // Gates first, and withdrawals before anything behind them changes.
    const vips = this.takeDirtyVips(now);
    if (warm) this.stepGates(vips, now);
    await this.withdraw(vips);

    // IPVS: every health-driven change, then a bounded share of the rest.
    const work = [...this.urgent];
    const repaired = work.length === 0;
    this.urgent.clear();
    for (const name of this.bulk) {
      if (work.length >= BULK_PER_PASS) break;
      work.push(name);
    }
    for (const name of work) this.bulk.delete(name);
    const droppedWork = [...this.droppedDue];
    this.droppedDue.clear();
    const { ops, why } = this.planServices(work, droppedWork);
    if (ops.length > 0) {
      const r = await this.applyOps(ops);
      opCount = ops.length;
      failed = r.failed;
      reasons.push(...why);
      this.log.info(
        {
          event: repaired ? 'ipvs_repaired' : 'ipvs_changed',
          ops: ops.length,
          failed,
          reasons: why.slice(0, REASONS_KEPT),
          ...(why.length > REASONS_KEPT && { more: why.length - REASONS_KEPT }),
        },
        `IPVS: ${ops.length} change${ops.length === 1 ? '' : 's'}`,
      );
    }
    for (const name of work) {
      const vs = this.index.byName.get(name);
      if (vs) vips.add(vs.vip);
    }

    // VIP addresses: added before any announcement, removed after the withdrawals.
    if (this.addressesDue) {
      this.addressesDue = false;
      await this.syncAddresses();
      for (const vip of this.index.groups.keys()) vips.add(vip);
    }
    if (warm) this.announce(vips);
    this.scheduleWake(now);
    this.last = {
      at: new Date(now).toISOString(),
      ms: Math.round(performance.now() - started),
      ops: opCount,
      failed,
      reasons: reasons.slice(0, REASONS_KEPT),
    };
    this.log.debug(
      {
        event: 'pass',
        ms: this.last.ms,
        merged: parts,
        vips: vips.size,
        services: work.length,
        ops: opCount,
        bulkLeft: this.bulk.size,
      },
      'pass',
    );
    this.options.onReconcile?.({
      ms: performance.now() - started,
      ops: opCount,
      failed,
      ipvsOk: this.ipvsError === undefined,
    });
    // Bulk work left: let events in before the next share of it.
    if (this.bulk.size > 0) await new Promise((r) => setImmediate(r));
  }

  /** Merges what the reader delivered; returns how many parts it merged. */
  private mergeReads(): number {
    const parts = this.inbox.splice(0);
    const changed: string[] = [];
    for (const { part, merged } of parts) {
      switch (part.kind) {
        case 'list': {
          if (this.ipvsError !== undefined) {
            this.log.info({ event: 'ipvs_recovered' }, 'IPVS can be programmed again');
            this.ipvsError = undefined;
            this.allVips = true;
          }
          changed.push(...this.view.mergeList(part.epoch, part.present, this.ownedIds()));
          break;
        }
        case 'services':
          changed.push(...this.view.mergeRead(part.epoch, part.services));
          for (const id of part.absent) if (this.view.mergeAbsent(part.epoch, id)) changed.push(id);
          break;
        case 'addresses':
          this.local = new Set(part.addresses);
          this.addressesDue = true;
          break;
        case 'done':
          this.lastRead = {
            at: new Date(this.now()).toISOString(),
            ms: part.ms,
            services: part.services,
          };
          this.reading = false;
          this.scheduleResync();
          break;
        case 'failed':
          if (this.ipvsError !== part.error)
            this.log.error(
              { event: 'ipvs_unavailable', error: part.error },
              'cannot program IPVS; withdrawing every route',
            );
          this.ipvsError = part.error;
          this.view.clear();
          this.allVips = true;
          break;
      }
      merged();
    }
    for (const id of changed) {
      const owner = this.index.byService.get(id)?.owner;
      if (owner) this.markService(owner, this.bulk);
      else if (this.dropped.has(id)) this.droppedDue.add(id);
    }
    return parts.length;
  }

  private async openWriter(): Promise<void> {
    if (this.writer) return;
    try {
      this.writer = await this.options.openIpvs();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.ipvsError !== message)
        this.log.error(
          { event: 'ipvs_unavailable', error: message },
          'cannot program IPVS; withdrawing every route',
        );
      this.ipvsError = message;
      this.allVips = true;
    }
  }

  private takeDirtyVips(now: number): Set<string> {
    let vips: Set<string>;
    if (this.allVips) vips = new Set(this.index.groups.keys());
    else vips = new Set(this.dirtyVips);
    this.allVips = false;
    this.timersDue = false;
    this.dirtyVips.clear();
    for (const [vip, at] of this.wakeAt)
      if (at <= now) {
        vips.add(vip);
        this.wakeAt.delete(vip);
      }
    for (const [name, at] of this.retryAt)
      if (at <= now) {
        this.retryAt.delete(name);
        const vs = this.index.byName.get(name);
        if (vs) this.markService(vs, this.bulk);
      }
    return vips;
  }

  private stepGates(vips: ReadonlySet<string>, now: number): void {
    const fleet = this.options.routes.fleet?.();
    const ipvsOk = this.ipvsError === undefined;
    for (const vip of vips) {
      const group = this.index.groups.get(vip);
      if (!group) continue;
      const prev = this.gates.get(vip);
      const next = stepGate(
        prev,
        gateInputs(group, this.health, this.drains, ipvsOk, fleet),
        now,
        this.gateParams,
      );
      if (prev?.route !== next.route)
        this.options.onVipState?.(vip, next.route, {
          reason: next.reason,
          code: next.code,
          was: prev?.route,
        });
      if (prev?.route !== next.route || prev.reason !== next.reason)
        this.log.info(
          { event: 'vip_state', vip, route: next.route, was: prev?.route, reason: next.reason },
          `${vip}: ${next.route} (${next.reason})`,
        );
      this.gates.set(vip, next);
      const at = wakeTime(next, now, this.gateParams);
      if (at === undefined) this.wakeAt.delete(vip);
      else this.wakeAt.set(vip, at);
    }
  }

  /** Withdraws the routes of `vips` whose gate says withdraw, or that are no longer configured. */
  private async withdraw(vips: ReadonlySet<string>): Promise<void> {
    if (!this.routesSet) return;
    const changes = new Map<string, Announcement | undefined>();
    for (const vip of vips) {
      const had = this.handed.get(vip);
      if (!had) continue;
      const g = this.gates.get(vip);
      if (!this.index.groups.has(vip) || !g || g.route === 'withdraw') {
        changes.set(had.prefix, undefined);
        this.handed.delete(vip);
      }
    }
    if (changes.size === 0) return;
    this.options.routes.updateRoutes(changes);
    if (this.options.routes.status().sidecar !== 'up') return;
    await this.options.routes
      .synced(2000)
      .catch((err: unknown) =>
        this.log.warn(
          { event: 'routes_not_synced', error: String(err) },
          'withdrawal not confirmed by GoBGP yet; going on',
        ),
      );
  }

  /** The operations for these virtual services and dropped services, against the view. */
  private planServices(
    names: readonly string[],
    droppedIds: readonly string[],
  ): { ops: IpvsOp[]; why: string[] } {
    const ops: IpvsOp[] = [];
    const why: string[] = [];
    if (this.ipvsError !== undefined || !this.writer) return { ops, why };
    const waiting: ServiceKey[] = [];
    for (const name of names) {
      const vs = this.index.byName.get(name);
      if (!vs || this.retryAt.has(name)) continue;
      const desired = desiredIpvs([vs], this.health, this.drains).filter((d) => {
        const state = this.view.state(serviceKeyString(d.service.key));
        if (state === 'unknown') waiting.push(d.service.key);
        return state !== 'unknown';
      });
      const actual = desired.flatMap((d) => {
        const s = this.view.get(serviceKeyString(d.service.key));
        return s ? [s] : [];
      });
      const plan = planIpvs(desired, actual);
      ops.push(...plan.ops);
      why.push(...plan.reasons);
    }
    for (const id of droppedIds) {
      const key = this.dropped.get(id);
      if (!key) continue;
      const state = this.view.state(id);
      const present = this.view.get(id);
      if (state === 'absent') this.dropped.delete(id);
      else if (present) {
        const plan = planIpvs([], [present], [key]);
        ops.push(...plan.ops);
        why.push(...plan.reasons);
      } else waiting.push(key);
    }
    // Not read yet, and no full read coming that covers them: read them by name.
    if (waiting.length > 0 && !this.reading) this.reader.read(waiting);
    return { ops, why };
  }

  private async applyOps(ops: readonly IpvsOp[]): Promise<{ failed: number }> {
    const writer = this.writer;
    if (!writer) return { failed: ops.length };
    this.view.sending(ops);
    let results: OpResult[];
    try {
      results = await writer.apply(ops);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(
        { event: 'ipvs_unavailable', error: message },
        'cannot program IPVS; withdrawing every route',
      );
      this.ipvsError = message;
      this.view.clear();
      writer.close();
      this.writer = undefined;
      this.allVips = true;
      this.requestRead();
      return { failed: ops.length };
    }
    const failedIds = this.view.applied(results);
    let failed = 0;
    for (const r of results) {
      if (r.ok) continue;
      failed++;
      this.log.error(
        { event: 'ipvs_op_failed', op: describeOp(r.op), error: r.error.message },
        `${describeOp(r.op)}: ${r.error.message}`,
      );
    }
    if (failedIds.length > 0) {
      // The kernel holds something else than the view thought: read those again.
      this.reader.read(
        failedIds.flatMap((id) => {
          const key = this.index.byService.get(id)?.key ?? this.dropped.get(id);
          return key ? [key] : [];
        }),
      );
      const retry = this.now() + (this.options.failedRetryMs ?? FAILED_RETRY_MS);
      for (const id of failedIds) {
        const owner = this.index.byService.get(id)?.owner;
        if (!owner) continue;
        this.dirtyVips.add(owner.vip);
        this.retryAt.set(owner.name, retry);
      }
    }
    return { failed };
  }

  /** Puts the VIPs on the VIP interface and takes away the ones no longer configured. */
  private async syncAddresses(): Promise<void> {
    const ifname = this.config.director.vipInterface;
    const port = this.options.addresses;
    if (!ifname || !port || !this.local) return;
    const wanted = new Set(
      [...this.index.groups.values()].map((g) => {
        const vs = g[0];
        return vs ? `${vs.vip}/${vs.family === 'ipv4' ? 32 : 128}` : '';
      }),
    );
    // Withdrawn first: a VIP no longer configured keeps its address until its route is gone.
    const keep = new Set([...this.handed.values()].map((r) => r.prefix));
    const plan = planAddresses(wanted, [...this.local], this.ownedAddresses);
    const remove = plan.remove.filter((a) => !keep.has(a));
    let failures: { cidr: string; message: string }[];
    try {
      failures = await port.change(ifname, plan.add, remove);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures = [...plan.add, ...remove].map((cidr) => ({ cidr, message }));
    }
    const failedSet = new Set(failures.map((f) => f.cidr));
    for (const cidr of plan.add) if (!failedSet.has(cidr)) this.local.add(cidr);
    for (const cidr of remove)
      if (!failedSet.has(cidr)) {
        this.local.delete(cidr);
        this.ownedAddresses.delete(cidr);
      }
    for (const cidr of wanted) this.ownedAddresses.add(cidr);
    const logOne = plan.add.length + remove.length <= 20;
    for (const [list, verb] of [
      [plan.add, 'added'],
      [remove, 'removed'],
    ] as const) {
      const done = list.filter((c) => !failedSet.has(c));
      if (done.length === 0) continue;
      if (logOne)
        for (const cidr of done)
          this.log.info(
            { event: `vip_address_${verb}`, address: cidr, interface: ifname },
            `${cidr} ${verb} ${verb === 'added' ? 'to' : 'from'} ${ifname}`,
          );
      else
        this.log.info(
          { event: `vip_addresses_${verb}`, count: done.length, interface: ifname },
          `${done.length} VIP addresses ${verb} ${verb === 'added' ? 'to' : 'from'} ${ifname}`,
        );
    }
    if (failures.length > 0) {
      const messages = [...new Set(failures.map((f) => f.message))];
      const message = `cannot put the VIPs on ${ifname}: ${messages.slice(0, 5).join('; ')}${messages.length > 5 ? ` (and ${messages.length - 5} more)` : ''}`;
      if (this.addressError !== message)
        this.log.error({ event: 'vip_address_failed', error: message }, message);
      this.addressError = message;
    } else this.addressError = undefined;
  }

  /** Hands the BGP side the routes of `vips` that changed (the whole set the first time). */
  private announce(vips: ReadonlySet<string>): void {
    if (!this.routesSet) {
      for (const [vip, group] of this.index.groups) {
        const r = this.wantedRoute(vip, group);
        if (r) this.handed.set(vip, r);
      }
      this.options.routes.setRoutes(new Map([...this.handed.values()].map((r) => [r.prefix, r])));
      this.routesSet = true;
      return;
    }
    const changes = new Map<string, Announcement | undefined>();
    for (const vip of vips) {
      const group = this.index.groups.get(vip);
      const had = this.handed.get(vip);
      const want = group ? this.wantedRoute(vip, group) : undefined;
      if (want === had) continue;
      if (want) {
        this.handed.set(vip, want);
        changes.set(want.prefix, want);
      } else if (had) {
        this.handed.delete(vip);
        changes.set(had.prefix, undefined);
      }
    }
    if (changes.size > 0) this.options.routes.updateRoutes(changes);
  }

  /** The route of a VIP if its gate allows it and its services and address are in place. */
  private wantedRoute(vip: string, group: readonly VirtualService[]): Announcement | undefined {
    if (this.ipvsError !== undefined) return undefined;
    const route = routeOf(group, this.gates.get(vip));
    if (!route) return undefined;
    for (const vs of group)
      for (const s of vs.services)
        if (this.view.state(serviceKeyString(s.key)) !== 'present') return undefined;
    if (
      this.config.director.vipInterface &&
      this.options.addresses &&
      !this.local?.has(route.prefix)
    )
      return undefined;
    return route;
  }

  // --- helpers ------------------------------------------------------------

  private warmedUp(now: number): boolean {
    if (this.warm) return true;
    const complete = this.unknown.size === 0;
    if (complete || now - this.startedAt >= (this.options.warmupMaxMs ?? 30_000)) {
      this.warm = true;
      this.allVips = true;
      this.log.info({ event: 'warmup_done', ms: now - this.startedAt, complete }, 'warm-up over');
    }
    return this.warm;
  }

  private ownedIds(): Set<string> {
    return new Set([...this.index.byService.keys(), ...this.dropped.keys()]);
  }

  /** The kernel's current contents of these services: from the view, else read now. */
  private async actualFor(
    keys: readonly ServiceKey[],
  ): Promise<NonNullable<ReturnType<KernelView['get']>>[]> {
    const out: NonNullable<ReturnType<KernelView['get']>>[] = [];
    const unread: ServiceKey[] = [];
    for (const key of keys) {
      const id = serviceKeyString(key);
      const state = this.view.state(id);
      if (state === 'unknown') unread.push(key);
      const s = this.view.get(id);
      if (s) out.push(s);
    }
    if (unread.length > 0) {
      const port = await this.options.openIpvs();
      try {
        const found = [];
        for (const key of unread) {
          const s = await port.service(key);
          if (s) found.push(s);
        }
        await port.eachWithDestinations(found, (s) => out.push(s));
      } finally {
        port.close();
      }
    }
    return out;
  }

  private addressReader(): (() => Promise<string[]>) | undefined {
    const ifname = this.options.config.director.vipInterface;
    const port = this.options.addresses;
    if (!port) return undefined;
    return async () => {
      const name = this.config.director.vipInterface ?? ifname;
      return name ? port.list(name) : [];
    };
  }

  /** The IPVS client itself when it can read and set the timeouts (test doubles may not). */
  private timeoutsPort(): TimeoutsPort | undefined {
    const ipvs = this.writer;
    return ipvs && hasTimeouts(ipvs) ? ipvs : undefined;
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

  /** A hold-down, drain or settle that ends later needs a look then, health or not. */
  private scheduleWake(now: number): void {
    clearTimeout(this.wakeTimer);
    let next = Number.POSITIVE_INFINITY;
    for (const at of this.wakeAt.values()) next = Math.min(next, at);
    for (const at of this.retryAt.values()) next = Math.min(next, at);
    if (!this.warm) next = Math.min(next, this.startedAt + (this.options.warmupMaxMs ?? 30_000));
    if (Number.isFinite(next)) {
      this.wakeTimer = setTimeout(
        () => {
          this.timersDue = true;
          this.kick();
        },
        Math.max(0, next - now) + 5,
      );
      this.wakeTimer.unref();
    }
  }
}

/** The route a gate decision calls for (the first service of a VIP carries its route). */
function routeOf(
  group: readonly VirtualService[],
  state: GateState | undefined,
): Announcement | undefined {
  const first = group[0];
  if (!state || !first || state.route === 'withdraw') return undefined;
  const a = first.announce;
  return state.route === 'drain'
    ? a.drainingRoute
    : state.route === 'fail-open'
      ? a.failOpenRoute
      : a.route;
}

/** When a gate in this state needs another look, even without an event. */
function wakeTime(g: GateState, now: number, params: GateParams): number | undefined {
  let next = Number.POSITIVE_INFINITY;
  if (g.holdUntil > now) next = Math.min(next, g.holdUntil);
  if (g.drainingSince !== undefined) next = Math.min(next, g.drainingSince + params.drainTimeMs);
  if (g.failOpenSince !== undefined && now < g.failOpenSince + params.settleMs)
    next = Math.min(next, g.failOpenSince + params.settleMs);
  return Number.isFinite(next) ? next : undefined;
}

function symmetricDifference<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] {
  return [...[...a].filter((x) => !b.has(x)), ...[...b].filter((x) => !a.has(x))];
}

function hasTimeouts(ipvs: IpvsPort): ipvs is IpvsPort & TimeoutsPort {
  return typeof ipvs.timeouts === 'function' && typeof ipvs.setTimeouts === 'function';
}
