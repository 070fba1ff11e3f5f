/** What the daemon reports about itself (`GET /status`, `anycastd status`, the metrics). */
import type { BgpStatus } from '../bgp/speaker.js';
import type { Role } from '../config/model.js';
import type { GateState } from './announce-gate.js';
import type { RealHealth } from './health-view.js';
import type { KernelSettingsStatus } from './kernel-settings.js';

export interface VipStatus {
  vip: string;
  route: GateState['route'] | 'warming-up';
  reason: string;
  /** The reason as a stable code (for scripts and alerts; the sentence may be reworded). */
  code: GateState['code'] | 'warming-up';
  since: string | undefined;
  services: string[];
  /** backup: announced with bgp.backup's attributes (routers prefer the primaries). */
  role: Role;
  /** Per service: real servers that count as healthy (up, not drained), and how many it needs. */
  healthy: {
    service: string;
    healthy: number;
    total: number;
    needed: number;
    /** The service's sorry server, when it has one: in the table now, out, or kept as found. */
    sorry?: { address: string; port: number; state: 'in' | 'out' | 'kept' };
  }[];
}

export interface RealStatus {
  service: string;
  address: string;
  port: number;
  state: RealHealth['state'];
  reason: string | undefined;
  since: string | undefined;
  drained: boolean;
  /** The last few changes after the first verdict, oldest first; absent when there is none. */
  history?: { at: string; from: RealHealth['state']; to: RealHealth['state']; reason: string }[];
}

/** The configuration the daemon runs on, and how the last reload went. */
export interface ConfigStatus {
  file: string;
  /**
   * SHA-256 of the file's text as loaded (compare with `sha256sum FILE`); with
   * includes, of the file and each included file's name and text in turn.
   */
  sha256: string;
  /** The files `include` added, each with the SHA-256 of its text. */
  included: { file: string; sha256: string }[];
  loadedAt: string;
  lastReload: { at: string; ok: boolean; problems: number; first: string | undefined } | undefined;
}

export interface DaemonStatus {
  director: string;
  warmingUp: boolean;
  ipvs: { ok: boolean; error: string | undefined };
  lastReconcile:
    { at: string; ms: number; ops: number; failed: number; reasons: readonly string[] } | undefined;
  /** The last full read of the kernel (the resync): when it ended, how long it took. */
  lastRead: { at: string; ms: number; services: number } | undefined;
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
  /** Filled in by the program that runs the daemon, which reads the file. */
  config?: ConfigStatus | undefined;
}
