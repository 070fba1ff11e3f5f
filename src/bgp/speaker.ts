/**
 * The BGP module's entry point: the GoBGP sidecar in one of two modes and
 * the publisher that drives it.
 *
 * - spawn (default): anycastd runs gobgpd (see sidecar.ts) and owns it whole.
 * - external: a gobgpd someone else runs (compose.yaml) at `address`.
 *
 * Exits: `stop('withdraw')` withdraws every route (after an optional drain)
 * and stops a spawned gobgpd; `stop('restart')` leaves the routes where they
 * are and kills a spawned gobgpd abruptly, so routers that act as graceful
 * restart helpers keep forwarding until the next anycastd re-announces.
 */
import type { Logger } from '../log.js';
import type { Announcement, AnnouncementSpec } from './announcement.js';
import { GobgpClient } from './client.js';
import { FleetWatch } from './fleet-watch.js';
import { type FleetView, NO_FLEET } from './fleet-view.js';
import { GuardLink } from './guard.js';
import { BgpPublisher, type DrainOptions, type PublisherStatus } from './publisher.js';
import type { PeerSettings, SpeakerSettings } from './settings.js';
import { GobgpSidecar } from './sidecar.js';

export type SidecarMode =
  | { mode: 'spawn'; stateDir: string; binary?: string }
  | {
      mode: 'external';
      address: string;
      /** The sidecar guard's socket (`anycastd sidecar-guard`), kept connected while anycastd lives. */
      guard?: string | undefined;
    };

export interface BgpOptions {
  speaker: SpeakerSettings;
  peers: readonly PeerSettings[];
  sidecar: SidecarMode;
  /** The fleet guard's sessions with the other directors (bgp.fleet). */
  fleet?: { peers: readonly PeerSettings[]; marker: string } | undefined;
  log: Logger;
  /** Deadline of each GoBGP RPC; 5 s. */
  deadlineMs?: number | undefined;
  resyncIntervalMs?: number | undefined;
}

export interface BgpStatus extends PublisherStatus {
  mode: 'spawn' | 'external';
  address: string;
  /** Times the spawned gobgpd was started (spawn mode). */
  sidecarStarts: number | undefined;
}

export class Bgp {
  private readonly publisher: BgpPublisher;
  private readonly sidecar: GobgpSidecar | undefined;
  private readonly address: string;
  private readonly guard: GuardLink | undefined;
  private readonly fleetWatch: FleetWatch | undefined;
  private fleetListener: (() => void) | undefined;

  constructor(private readonly options: BgpOptions) {
    const log = options.log;
    if (options.sidecar.mode === 'spawn') {
      this.sidecar = new GobgpSidecar({
        speaker: options.speaker,
        stateDir: options.sidecar.stateDir,
        binary: options.sidecar.binary,
        fleetPeers: options.fleet?.peers.map((p) => p.address),
        log: log.child({ process: 'gobgpd' }),
      });
      this.address = this.sidecar.address;
    } else {
      this.address = options.sidecar.address;
      if (options.sidecar.guard) this.guard = new GuardLink(options.sidecar.guard, log);
    }
    const client = new GobgpClient({ address: this.address, deadlineMs: options.deadlineMs });
    this.publisher = new BgpPublisher({
      client,
      speaker: options.speaker,
      peers: [...options.peers, ...(options.fleet?.peers ?? [])],
      log,
      ownPeers: options.sidecar.mode === 'spawn',
      resyncIntervalMs: options.resyncIntervalMs,
    });
    if (options.fleet && options.fleet.peers.length > 0)
      this.fleetWatch = new FleetWatch({
        client,
        peers: options.fleet.peers.map((p) => p.address),
        marker: options.fleet.marker,
        sessionState: (address) => this.publisher.sessionState(address),
        log: log.child({ component: 'fleet' }),
        onChange: () => this.fleetListener?.(),
      });
  }

  /** Who else announces each VIP, as last read (empty without bgp.fleet). */
  fleet(): FleetView {
    return this.fleetWatch?.current() ?? NO_FLEET;
  }

  /** Called whenever the fleet view changes. */
  onFleetChange(listener: () => void): void {
    this.fleetListener = listener;
  }

  /** Starts the sidecar (spawn mode) and the publisher, which connects to gobgpd as soon as it can. */
  async start(): Promise<void> {
    await this.sidecar?.start();
    this.guard?.start();
    this.publisher.start();
    this.fleetWatch?.start();
  }

  /** See BgpPublisher.setAnnouncements: validated whole before anything is sent. */
  setAnnouncements(specs: readonly AnnouncementSpec[]): void {
    this.publisher.setAnnouncements(specs);
  }

  /** See BgpPublisher.setRoutes. */
  setRoutes(routes: ReadonlyMap<string, Announcement>): void {
    this.publisher.setRoutes(routes);
  }

  /** See BgpPublisher.updateRoutes. */
  updateRoutes(changes: ReadonlyMap<string, Announcement | undefined>): void {
    this.publisher.updateRoutes(changes);
  }

  synced(timeoutMs?: number): Promise<void> {
    return this.publisher.synced(timeoutMs);
  }

  status(): BgpStatus {
    return {
      ...this.publisher.status(),
      mode: this.options.sidecar.mode,
      address: this.address,
      sidecarStarts: this.sidecar?.starts,
    };
  }

  readPeers(): ReturnType<BgpPublisher['readPeers']> {
    return this.publisher.readPeers();
  }

  /** The spawned gobgpd's pid (spawn mode, while it runs). */
  get sidecarPid(): number | undefined {
    return this.sidecar?.pid;
  }

  async stop(how: 'withdraw' | 'restart', drain?: DrainOptions): Promise<void> {
    this.fleetWatch?.stop();
    await this.publisher.stop({ withdraw: how === 'withdraw', drain });
    this.guard?.stop();
    await this.sidecar?.stop(how === 'restart' ? 'SIGKILL' : 'SIGTERM');
  }
}
