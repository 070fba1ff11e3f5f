/**
 * The declarative side of the BGP module: keeps GoBGP's locally originated
 * routes and neighbours equal to what anycastd wants, whatever happens to
 * GoBGP in between. One loop owns every write; `setAnnouncements` only
 * records the wish and wakes it, so bursts of changes coalesce.
 *
 * On every (re)connection it reads GoBGP back before writing: an unstarted
 * speaker is started (a started one never is again: StartBgp wipes the RIB),
 * routes already there with the right attributes are adopted as they are,
 * then routes are fixed, and only then are neighbours added, so a restarted
 * speaker never opens a session with an empty table. The sidecar is
 * assumed to be anycastd's alone: local routes nobody asked for are withdrawn.
 */
import pRetry from 'p-retry';
import { InvalidInputError } from '../input/issues.js';
import type { Logger } from '../log.js';
import { type Announcement, type AnnouncementSpec, parseAnnouncements } from './announcement.js';
import { type GobgpClient, GobgpError } from './client.js';
import { GRACEFUL_SHUTDOWN, formatCommunity, parseCommunity } from './communities.js';
import type { PeerMessage } from './messages.js';
import { IPV4_UNICAST, IPV6_UNICAST, fromPath, toPath } from './path-codec.js';
import { type PeerStatus, peerStatus, toPeerMessage } from './peers.js';
import { type HeldRoute, type RouteOp, planRoutes } from './plan.js';
import { type PeerSettings, type SpeakerSettings, checkSettings } from './settings.js';

/** Up to this many changes go as unary calls rather than one AddPathStream. */
const UNARY_MAX = 4;

export interface PublisherOptions {
  client: GobgpClient;
  speaker: SpeakerSettings;
  peers: readonly PeerSettings[];
  log: Logger;
  /** Remove neighbours GoBGP has that are not configured (spawn mode: we own the speaker). */
  ownPeers: boolean;
  /** Re-read GoBGP and repair drift this often; 30 s. */
  resyncIntervalMs?: number | undefined;
  /** Reconnection backoff bounds; 100 ms .. 500 ms. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export type SidecarState = 'connecting' | 'up' | 'unreachable' | 'stopped';

export interface PublisherStatus {
  sidecar: SidecarState;
  /** The last error talking to GoBGP, cleared by the next success. */
  lastError: string | undefined;
  /** No set of routes given yet: GoBGP is left as found, neighbours not added. */
  waitingForFirstSet: boolean;
  /** Times a connection to GoBGP was (re-)established and resynced. */
  connections: number;
  /** Failed calls to GoBGP since start (gRPC errors, deadlines, refusals). */
  errors: number;
  desired: number;
  /** Routes GoBGP holds for us, as last written or read. */
  announced: number;
  lastSync:
    { at: string; ms: number; announced: number; withdrawn: number; replaced: number } | undefined;
  peers: PeerStatus[];
}

export interface DrainOptions {
  /** Add GRACEFUL_SHUTDOWN (65535:0, RFC 8326) to every route while draining. */
  gracefulShutdownCommunity?: boolean;
  /** Announce with this MED while draining. */
  med?: number;
  /** How long to keep the drained routes before withdrawing them. */
  durationMs: number;
}

export class BgpPublisher {
  /**
   * Undefined until the first setAnnouncements: until then GoBGP's routes
   * are left as found and no neighbour is added (a restarted daemon still
   * warming up must not withdraw what routers are forwarding on).
   */
  private desired: Map<string, Announcement> | undefined;
  /** Prefixes changed by updateRoutes since GoBGP last matched them. */
  private readonly pending = new Set<string>();
  /** Bumped whenever the whole wish must be compared with GoBGP's table (not only `pending`). */
  private fullWanted = 1;
  private peersReady = false;
  private held = new Map<string, HeldRoute>();
  private readonly peerState = new Map<string, PeerStatus>();
  private state: SidecarState = 'connecting';
  private lastError: string | undefined;
  private connections = 0;
  private errors = 0;
  private lastSync: PublisherStatus['lastSync'];
  private dirty = true;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopWatch: (() => void) | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly waiters: { resolve: () => void }[] = [];
  private readonly log: Logger;

  constructor(private readonly options: PublisherOptions) {
    checkSettings(options.speaker, options.peers);
    this.log = options.log;
  }

  /** A neighbour's session state as last reported by gobgpd's event stream. */
  sessionState(address: string): PeerStatus['state'] | undefined {
    return this.peerState.get(address)?.state;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Replaces the whole set of wanted routes. Throws InvalidInputError, naming
   * every bad value, without changing anything when one spec is bad.
   */
  setAnnouncements(specs: readonly AnnouncementSpec[]): void {
    this.setRoutes(parseAnnouncements(specs));
  }

  /** Replaces the whole set of wanted routes with routes already in canonical form. */
  setRoutes(routes: ReadonlyMap<string, Announcement>): void {
    this.desired = new Map(routes);
    this.fullWanted++;
    this.kick();
  }

  /**
   * Changes the wanted route of some prefixes (undefined: withdraw it),
   * leaving every other one as it is: the work is proportional to the change.
   * Before the first whole set there is nothing to change, and it throws.
   */
  updateRoutes(changes: ReadonlyMap<string, Announcement | undefined>): void {
    const desired = this.desired;
    if (!desired) throw new Error('updateRoutes before the first whole set of routes');
    for (const [prefix, route] of changes) {
      if (route) desired.set(prefix, route);
      else desired.delete(prefix);
      this.pending.add(prefix);
    }
    if (changes.size > 0) this.kick();
  }

  /** Resolves when GoBGP matches the current wish (or rejects after `timeoutMs`). */
  synced(timeoutMs = 10_000): Promise<void> {
    if (this.isSynced()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(
            `GoBGP not in sync after ${timeoutMs} ms (${this.state}: ${this.lastError ?? 'no error'})`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  status(): PublisherStatus {
    return {
      sidecar: this.state,
      lastError: this.lastError,
      connections: this.connections,
      errors: this.errors,
      desired: this.desired?.size ?? 0,
      waitingForFirstSet: this.desired === undefined,
      announced: this.held.size,
      lastSync: this.lastSync,
      peers: [...this.peerState.values()].sort((a, b) => a.address.localeCompare(b.address)),
    };
  }

  /** Current neighbour status with advertised counts, read from GoBGP now. */
  async readPeers(): Promise<PeerStatus[]> {
    const peers = (await this.options.client.listPeers()).map(peerStatus);
    for (const p of peers) this.peerState.set(p.address, p);
    return peers;
  }

  /**
   * Leaves: optionally drains (GRACEFUL_SHUTDOWN community and/or a MED for
   * a while), then withdraws every route and waits until no neighbour is
   * advertised any. With `withdraw: false` the routes stay in GoBGP (and, once
   * the speaker is gone, at routers that keep them through graceful restart).
   */
  async stop(opts: {
    withdraw: boolean;
    drain?: DrainOptions | undefined;
    timeoutMs?: number;
  }): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    if (opts.withdraw && this.state === 'up') {
      try {
        if (opts.drain && this.desired && this.desired.size > 0)
          await this.drain(opts.drain, timeoutMs);
        this.desired = new Map();
        this.fullWanted++;
        // Leaving: no neighbour is added now that was not there already.
        this.peersReady = true;
        this.kick();
        await this.synced(timeoutMs);
        await this.waitAdvertisedZero(timeoutMs);
        this.log.info({ event: 'routes_withdrawn_on_exit' }, 'withdrew every route');
      } catch (err) {
        this.log.error(
          { event: 'withdraw_on_exit_failed', err: String(err) },
          'could not withdraw every route',
        );
      }
    }
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.resyncTimer);
    this.stopWatch?.();
    this.kick();
    await this.loop;
    this.state = 'stopped';
    this.options.client.close();
  }

  private async drain(drain: DrainOptions, timeoutMs: number): Promise<void> {
    const extra = drain.gracefulShutdownCommunity ? [formatCommunity(GRACEFUL_SHUTDOWN)] : [];
    const drained = new Map<string, Announcement>();
    for (const [prefix, a] of this.desired ?? []) {
      drained.set(prefix, {
        ...a,
        med: drain.med ?? a.med,
        communities: [...new Set([...a.communities, ...extra])].sort(
          (x, y) => (parseCommunity(x) ?? 0) - (parseCommunity(y) ?? 0),
        ),
      });
    }
    this.desired = drained;
    this.fullWanted++;
    this.kick();
    await this.synced(timeoutMs);
    this.log.info(
      { event: 'drain_started', routes: drained.size, ms: drain.durationMs },
      'draining before withdrawal',
    );
    await new Promise((r) => setTimeout(r, drain.durationMs));
  }

  /** Waits until no established neighbour has any of our routes in its Adj-RIB-Out. */
  private async waitAdvertisedZero(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    const client = this.options.client;
    for (;;) {
      let left = 0;
      for (const p of await this.readPeers()) {
        if (p.state !== 'ESTABLISHED') continue;
        for (const family of [IPV4_UNICAST, IPV6_UNICAST])
          left += (await client.listAdjOut(p.address, family)).length;
      }
      if (left === 0 || Date.now() > until) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private isSynced(): boolean {
    return (
      this.state === 'up' &&
      !this.dirty &&
      this.desired !== undefined &&
      this.peersReady &&
      this.fullWanted === 0 &&
      this.pending.size === 0
    );
  }

  private kick(): void {
    this.dirty = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.state !== 'up') {
          await pRetry(() => this.connect(), {
            retries: Number.POSITIVE_INFINITY,
            minTimeout: this.options.retryMinMs ?? 100,
            maxTimeout: this.options.retryMaxMs ?? 500,
            factor: 1.5,
            randomize: false,
            signal: this.abort.signal,
            shouldRetry: () => !this.stopped,
            onFailedAttempt: ({ error, attemptNumber }) => this.noteFailure(error, attemptNumber),
          });
          continue;
        }
        if (this.dirty) {
          this.dirty = false;
          await this.sync();
          if (!this.peersReady && this.desired) {
            await this.syncPeers();
            this.peersReady = true;
          }
          this.notifyIfSynced();
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      } catch (err) {
        if (this.stopped) break;
        this.noteFailure(err instanceof Error ? err : new Error(String(err)), 0);
        if (!(err instanceof GobgpError) || err.unreachable) this.disconnected();
        else {
          // GoBGP refused something: try again later rather than spinning.
          this.dirty = true;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    }
  }

  /** One connection attempt: start if needed, read back, sync routes, then neighbours. */
  private async connect(): Promise<void> {
    const started = performance.now();
    const client = this.options.client;
    const { asn, routerId } = this.options.speaker;
    const global = await client.getBgp();
    if (!global || global.asn === 0) {
      await client.startBgp({
        asn,
        router_id: routerId,
        listen_port: this.options.speaker.listenPort ?? 179,
        listen_addresses: [...(this.options.speaker.listenAddresses ?? [])],
      });
      this.log.info({ event: 'speaker_started', asn, routerId }, 'started BGP in the sidecar');
    } else if (global.asn !== asn) {
      throw new InvalidInputError('GoBGP sidecar', [
        {
          path: 'asn',
          message: `the sidecar runs AS ${global.asn}, anycastd is configured for AS ${asn}`,
        },
      ]);
    }
    this.held = await this.readRib();
    this.fullWanted++;
    const adopted = this.held.size;
    this.state = 'up';
    this.dirty = false;
    this.peersReady = false;
    if (this.desired) {
      await this.sync();
      await this.syncPeers();
      this.peersReady = true;
    }
    this.watch();
    this.connections++;
    this.lastError = undefined;
    this.scheduleResync();
    this.log.info(
      { event: 'sidecar_connected', adopted, ms: Math.round(performance.now() - started) },
      `in sync with GoBGP (${adopted} routes found in its table)`,
    );
    this.notifyIfSynced();
  }

  /** Our routes in GoBGP's table: locally originated paths of both families. */
  private async readRib(): Promise<Map<string, HeldRoute>> {
    const held = new Map<string, HeldRoute>();
    for (const family of [IPV4_UNICAST, IPV6_UNICAST]) {
      for (const dest of await this.options.client.listPaths(family)) {
        for (const path of dest.paths) {
          if (path.neighbor_ip && path.neighbor_ip !== '<nil>') continue;
          const decoded = fromPath(path);
          if (!decoded.ok) {
            this.log.warn(
              { event: 'route_unreadable', prefix: dest.prefix, reason: decoded.reason },
              'ignoring a route anycastd cannot read',
            );
            continue;
          }
          held.set(decoded.announcement.prefix, {
            route: decoded.announcement,
            unknownAttributes: decoded.unknownAttributes,
          });
        }
      }
    }
    return held;
  }

  private async sync(): Promise<void> {
    if (!this.desired) return;
    const full = this.fullWanted;
    const changed = [...this.pending];
    const ops = full > 0 ? planRoutes(this.desired, this.held) : this.planChanged(changed);
    const done = () => {
      // Changes that came in while this sync ran stay pending for the next one.
      if (this.fullWanted === full) this.fullWanted = 0;
      for (const p of changed) this.pending.delete(p);
    };
    if (ops.length === 0) {
      done();
      return;
    }
    const started = performance.now();
    const client = this.options.client;
    if (ops.length <= UNARY_MAX) {
      // A stream costs a call set-up and a close; one or two changes (a
      // health flip) reach the router sooner as plain calls.
      await Promise.all(
        ops.map((op) =>
          op.op === 'withdraw'
            ? client.deletePath(toPath(op.route, true))
            : client.addPath(toPath(op.route)),
        ),
      );
    } else {
      await client.addPathStream(
        ops.map((op) => (op.op === 'withdraw' ? toPath(op.route, true) : toPath(op.route))),
      );
    }
    const counts = applyToHeld(this.held, ops);
    done();
    const ms = Math.round(performance.now() - started);
    this.lastSync = { at: new Date().toISOString(), ms, ...counts };
    this.log.info({ event: 'routes_synced', ...counts, ms }, 'routes updated in GoBGP');
  }

  /** The plan for some prefixes only: their wanted routes against what GoBGP holds for them. */
  private planChanged(prefixes: readonly string[]): RouteOp[] {
    const desired = new Map<string, Announcement>();
    const held = new Map<string, HeldRoute>();
    for (const p of prefixes) {
      const want = this.desired?.get(p);
      const have = this.held.get(p);
      if (want) desired.set(p, want);
      if (have) held.set(p, have);
    }
    return planRoutes(desired, held);
  }

  private async syncPeers(): Promise<void> {
    const client = this.options.client;
    const have = new Map<string, PeerMessage>();
    for (const p of await client.listPeers()) {
      const address = p.conf?.neighbor_address ?? p.state?.neighbor_address;
      if (address) have.set(address, p);
    }
    for (const peer of this.options.peers) {
      const current = have.get(peer.address);
      have.delete(peer.address);
      if (current && current.conf?.peer_asn === peer.asn) continue;
      if (current) {
        this.log.warn(
          { event: 'peer_replaced', peer: peer.address },
          'neighbour settings changed; re-adding it',
        );
        await client.deletePeer(peer.address);
      }
      await client.addPeer(toPeerMessage(peer, this.options.speaker));
      this.log.info({ event: 'peer_added', peer: peer.address, asn: peer.asn }, 'neighbour added');
    }
    for (const address of have.keys()) {
      if (this.options.ownPeers) {
        await client.deletePeer(address);
        this.log.info(
          { event: 'peer_removed', peer: address },
          'neighbour not configured; removed',
        );
      } else {
        this.log.warn(
          { event: 'peer_unmanaged', peer: address },
          'the sidecar has a neighbour anycastd does not manage',
        );
      }
    }
    await this.readPeers();
  }

  private watch(): void {
    this.stopWatch?.();
    this.stopWatch = this.options.client.watchPeers(
      (msg) => {
        const status = peerStatus(msg);
        const before = this.peerState.get(status.address);
        if (!status.address) return;
        this.peerState.set(status.address, { ...status, advertised: before?.advertised ?? {} });
        if (before?.state !== status.state)
          this.log.info(
            { event: 'peer_state', peer: status.address, state: status.state, was: before?.state },
            `neighbour ${status.address} ${status.state}`,
          );
      },
      (err) => {
        if (this.stopped) return;
        if (err) this.noteFailure(err, 0);
        this.disconnected();
      },
    );
  }

  private disconnected(): void {
    if (this.state !== 'up') return;
    this.state = 'unreachable';
    this.stopWatch?.();
    this.stopWatch = undefined;
    clearTimeout(this.resyncTimer);
    for (const p of this.peerState.values()) p.state = 'UNKNOWN';
    this.log.error({ event: 'sidecar_lost', error: this.lastError }, 'lost GoBGP; reconnecting');
    this.kick();
  }

  private scheduleResync(): void {
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => {
      void this.resync();
    }, this.options.resyncIntervalMs ?? 30_000);
    this.resyncTimer.unref();
  }

  /** Drift repair: someone (or something) changed GoBGP's table behind our back. */
  private async resync(): Promise<void> {
    if (this.state !== 'up' || this.stopped) return;
    try {
      const actual = await this.readRib();
      const drift =
        this.desired === undefined
          ? 0
          : planRoutes(this.desired, actual).length - planRoutes(this.desired, this.held).length;
      if (drift !== 0) {
        this.log.warn(
          { event: 'route_drift', changes: drift },
          'GoBGP table differs from what anycastd wrote; repairing',
        );
        this.held = actual;
        this.fullWanted++;
        this.kick();
      }
    } catch (err) {
      this.noteFailure(err instanceof Error ? err : new Error(String(err)), 0);
    }
    this.scheduleResync();
  }

  private noteFailure(error: Error, attempt: number): void {
    this.errors++;
    const message = error.message;
    if (this.state === 'connecting' || this.state === 'unreachable') this.state = 'unreachable';
    const first = this.lastError !== message;
    this.lastError = message;
    // A sidecar that stays away would fill the log: say it once per distinct error.
    if (first)
      this.log.warn(
        { event: 'sidecar_unreachable', attempt, error: message },
        'GoBGP not reachable; retrying',
      );
  }

  private notifyIfSynced(): void {
    if (!this.isSynced()) return;
    for (const w of this.waiters.splice(0)) w.resolve();
  }
}

function applyToHeld(held: Map<string, HeldRoute>, ops: readonly RouteOp[]) {
  let announced = 0;
  let withdrawn = 0;
  let replaced = 0;
  for (const op of ops) {
    if (op.op === 'withdraw') {
      held.delete(op.route.prefix);
      withdrawn++;
    } else {
      held.set(op.route.prefix, { route: op.route, unknownAttributes: 0 });
      if (op.replaces) replaced++;
      else announced++;
    }
  }
  return { announced, withdrawn, replaced };
}
