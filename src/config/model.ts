/**
 * anycastd's configuration in the typed, canonical form the daemon uses:
 * addresses canonical, defaults applied, checks parsed, real servers in a
 * canonical order (every director builds the same `mh` table from the same
 * list). Produced only by parseConfig; frozen.
 */
import type { IpvsSysctl } from '../ipvs/sysctls.js';
import type { Announcement } from '../bgp/announcement.js';
import type { PeerSettings, SpeakerSettings } from '../bgp/settings.js';
import type { SidecarMode } from '../bgp/speaker.js';
import type { CheckSpec } from '../health/spec.js';
import type {
  DestinationConfig,
  Family,
  ForwardMethod,
  ServiceConfig,
  TunnelFlag,
  Timeouts,
  TunnelType,
} from '../ipvs/model.js';

/** A count of healthy real servers, or a share of them. */
export type Threshold = { readonly count: number } | { readonly percent: number };

export interface RealServer {
  /** Canonical address. */
  readonly address: string;
  readonly family: Family;
  /** Port traffic goes to; 0 = the service's own port (and for fwmark services). */
  readonly port: number;
  /** Weight when healthy; 0 keeps it drained. */
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  /** The first of `checks`. */
  readonly check: CheckSpec;
  /** Every check; the real server is up while all of them pass. */
  readonly checks: readonly CheckSpec[];
}

/** primary: announced plainly; backup: with bgp.backup's attributes, so routers prefer primaries. */
export type Role = 'primary' | 'backup';

export interface AnnouncePolicy {
  readonly role: Role;
  readonly minHealthy: Threshold;
  /** To be announced again after a withdrawal; at least minHealthy. */
  readonly reannounceHealthy: Threshold;
  /** The VIP's route when announced normally, and while draining. */
  readonly route: Announcement;
  readonly drainingRoute: Announcement;
  /** Keep announcing when this director would be the last announcer (the fleet guard). */
  readonly failOpen: boolean;
  /** The route while fail-open: the normal one plus the fleet's fail-open marker. */
  readonly failOpenRoute: Announcement;
}

/** The fleet guard's sessions with the other directors (bgp.fleet). */
export interface FleetSettings {
  readonly peers: readonly PeerSettings[];
  readonly settleMs: number;
  /** Large community marking a fail-open announcement, canonical (ASN:x:y). */
  readonly marker: string;
}

export interface VirtualService {
  readonly name: string;
  readonly vip: string;
  readonly family: Family;
  /** One IPVS service per port (or the fwmark service), all sharing what follows. */
  readonly services: readonly ServiceConfig[];
  readonly forwarding: ForwardMethod;
  readonly tunnel: {
    readonly type: TunnelType;
    readonly port: number;
    readonly flags: readonly TunnelFlag[];
  };
  readonly reals: readonly RealServer[];
  /** In the table only while no real server is up (every verdict in); never checked. */
  readonly sorry?: SorryServer | undefined;
  readonly announce: AnnouncePolicy;
}

export interface NotifyHook {
  readonly command: readonly string[];
  readonly on: readonly ('vip' | 'real')[];
  readonly user: string;
  readonly group?: string | undefined;
  readonly timeoutMs: number;
  readonly env: Readonly<Record<string, string>>;
}

/** A sorry server: where clients go when every real server is down. */
export type SorryServer = Pick<
  RealServer,
  'address' | 'family' | 'port' | 'weight' | 'upperThreshold' | 'lowerThreshold'
>;

export interface Config {
  readonly director: {
    readonly name: string;
    readonly routerId: string;
    /** Where the VIPs are added; undefined when the operator manages them ("none"). */
    readonly vipInterface: string | undefined;
  };
  readonly api: { readonly listen: string; readonly tokenFile: string | undefined };
  /** The read-only listener (`host:port`), when configured. */
  readonly metrics: { readonly listen: string | undefined };
  readonly resyncIntervalMs: number;
  /** The net.ipv4.vs.* settings the file names (see src/daemon/ipvs-sysctls.ts for implied ones). */
  readonly ipvsSysctls: Readonly<Partial<Record<IpvsSysctl, number>>>;
  /** IPVS connection timeouts in seconds, the ones the file names. */
  readonly ipvsTimeouts: Readonly<Partial<Timeouts>>;
  readonly stateFile: string;
  /** Programs run on events, with the event in their environment. */
  readonly notify: readonly NotifyHook[];
  readonly bgp: {
    readonly speaker: SpeakerSettings;
    readonly peers: readonly PeerSettings[];
    readonly sidecar: SidecarMode;
    readonly drainTimeMs: number;
    readonly fleet: FleetSettings | undefined;
  };
  readonly services: readonly VirtualService[];
}

/** The IPVS destination a real server becomes in one of its service's IPVS services. */
export function destinationFor(
  vs: VirtualService,
  service: ServiceConfig,
  real: SorryServer,
  weight: number,
): DestinationConfig {
  const servicePort = 'port' in service.key ? service.key.port : 0;
  return {
    family: real.family,
    address: real.address,
    port: real.port || servicePort,
    forward: vs.forwarding,
    weight,
    upperThreshold: real.upperThreshold,
    lowerThreshold: real.lowerThreshold,
    tunnelType: vs.tunnel.type,
    tunnelPort: vs.tunnel.port,
    tunnelFlags: vs.tunnel.flags,
  };
}

/** Real servers needed for a threshold. */
export function needed(t: Threshold, total: number): number {
  return 'count' in t ? t.count : Math.ceil((t.percent / 100) * total);
}
