/**
 * The IPVS domain as the rest of anycastd sees it: virtual services, their
 * destinations (real servers), the sync daemon, timeouts and counters. Plain
 * data, independent of the wire format; the codec converts both ways.
 */
import type { Family } from '../model/address.js';

export type { Family } from '../model/address.js';

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** A service identified by protocol, address and port. */
export interface AddressServiceKey {
  readonly family: Family;
  readonly protocol: Protocol;
  /** Canonical text form (see canonicalAddress). */
  readonly address: string;
  readonly port: number;
}

/** A service identified by a firewall mark. */
export interface FwmarkServiceKey {
  readonly family: Family;
  readonly fwmark: number;
}

export type ServiceKey = AddressServiceKey | FwmarkServiceKey;

export function isFwmarkKey(key: ServiceKey): key is FwmarkServiceKey {
  return 'fwmark' in key;
}

/** Schedulers the kernel ships (`twos` needs Linux 6.2 or newer). */
export const SCHEDULERS = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'sed',
  'nq',
  'fo',
  'ovf',
  'mh',
  'twos',
] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export const PERSISTENCE_ENGINES = ['sip'] as const;

/**
 * Service flags by name. The three scheduler flag bits are named after the
 * scheduler that reads them: `sh-fallback`/`sh-port` for sh,
 * `mh-fallback`/`mh-port` for mh, `flag-1`..`flag-3` otherwise.
 */
export type ServiceFlag =
  | 'persistent'
  | 'hashed'
  | 'one-packet'
  | 'sh-fallback'
  | 'sh-port'
  | 'mh-fallback'
  | 'mh-port'
  | 'flag-1'
  | 'flag-2'
  | 'flag-3';

/** What a service is configured with (everything but counters). */
export interface ServiceConfig {
  readonly key: ServiceKey;
  readonly scheduler: string;
  /** Set flags, in canonical order; `hashed` is the kernel's own and ignored on write. */
  readonly flags: readonly ServiceFlag[];
  /** Persistence timeout in seconds (meaningful with the `persistent` flag). */
  readonly timeout: number;
  /**
   * Persistence granularity as the kernel stores it: for IPv4 a 32-bit mask
   * (0xffffff00 for /24), for IPv6 a prefix length (1..128).
   */
  readonly netmask: number;
  /** Persistence engine, e.g. `sip`. */
  readonly pe?: string | undefined;
}

/** Forwarding methods: direct routing (`-g`), NAT (`-m`), tunnel (`-i`), local. */
export type ForwardMethod = 'dr' | 'nat' | 'tunnel' | 'local';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelFlag = 'csum' | 'remcsum';

export interface DestinationKey {
  /** May differ from the service's family for tunnelled destinations. */
  readonly family: Family;
  readonly address: string;
  readonly port: number;
}

export interface DestinationConfig extends DestinationKey {
  readonly forward: ForwardMethod;
  /** 0..65535; 0 drains: no new connections, existing ones stay. */
  readonly weight: number;
  /** Upper connection threshold, 0 = none. */
  readonly upperThreshold: number;
  /** Lower connection threshold, 0 = none. */
  readonly lowerThreshold: number;
  readonly tunnelType: TunnelType;
  /** GUE destination port; 0 when unused. */
  readonly tunnelPort: number;
  readonly tunnelFlags: readonly TunnelFlag[];
}

/** Counters the kernel keeps per service and per destination (64-bit). */
export interface Stats {
  readonly conns: bigint;
  readonly inPkts: bigint;
  readonly outPkts: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  readonly cps: bigint;
  readonly inPps: bigint;
  readonly outPps: bigint;
  readonly inBps: bigint;
  readonly outBps: bigint;
}

export interface Service extends ServiceConfig {
  readonly stats: Stats;
}

export interface Destination extends DestinationConfig {
  readonly activeConns: number;
  readonly inactiveConns: number;
  readonly persistentConns: number;
  readonly stats: Stats;
}

/** A service with its destinations, as one dump returns them. */
export interface ServiceWithDestinations extends Service {
  readonly destinations: readonly Destination[];
}

export interface IpvsInfo {
  /** e.g. `1.2.1` */
  readonly version: string;
  readonly versionCode: number;
  /** Size of the connection hash table. */
  readonly connTableSize: number;
}

/** Connection timeouts in seconds; 0 on write leaves a value unchanged. */
export interface Timeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}

export type SyncState = 'master' | 'backup';

export interface SyncDaemon {
  readonly state: SyncState;
  /** Multicast interface name. */
  readonly interface: string;
  /** 0..255 */
  readonly syncId: number;
  /** Maximum sync message length (UDP payload); 0 = kernel default. */
  readonly maxLength?: number | undefined;
  /** Multicast group; kernel default 224.0.0.81. */
  readonly group?: string | undefined;
  /** UDP port; 0 = kernel default 8848. */
  readonly port?: number | undefined;
  /** Multicast TTL; 0 = kernel default 1. */
  readonly ttl?: number | undefined;
}

export const ZERO_STATS: Stats = Object.freeze({
  conns: 0n,
  inPkts: 0n,
  outPkts: 0n,
  inBytes: 0n,
  outBytes: 0n,
  cps: 0n,
  inPps: 0n,
  outPps: 0n,
  inBps: 0n,
  outBps: 0n,
});

/** Stable identity string of a service, e.g. `tcp 192.0.2.1:80` or `fwmark 42 ipv6`. */
export function serviceKeyString(key: ServiceKey): string {
  if (isFwmarkKey(key)) return `fwmark ${key.fwmark}${key.family === 'ipv6' ? ' ipv6' : ''}`;
  return `${key.protocol} ${hostPort(key.family, key.address, key.port)}`;
}

/** Stable identity string of a destination within its service. */
export function destinationKeyString(key: DestinationKey): string {
  return hostPort(key.family, key.address, key.port);
}

export function hostPort(family: Family, address: string, port: number): string {
  return family === 'ipv6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/** How error messages name a service: `TCP 192.0.2.10:80`, `FWM 42`. */
export function describeService(key: ServiceKey): string {
  if (isFwmarkKey(key)) return `FWM ${key.fwmark}${key.family === 'ipv6' ? ' IPv6' : ''}`;
  return `${key.protocol.toUpperCase()} ${hostPort(key.family, key.address, key.port)}`;
}

export function sameServiceKey(a: ServiceKey, b: ServiceKey): boolean {
  return serviceKeyString(a) === serviceKeyString(b);
}

/** Configuration equality: counters and the kernel's `hashed` bit are not configuration. */
/** Flags as compared: `hashed` is the kernel's own, order does not matter. */
const flagSet = (flags: readonly string[]) =>
  flags
    .filter((f) => f !== 'hashed')
    .sort()
    .join(',');

/**
 * How each field of a service compares. Every field must be listed (the
 * type requires it): one left out would never be repaired when it drifts.
 */
const SERVICE_FIELDS: {
  readonly [K in keyof ServiceConfig]-?: (a: ServiceConfig, b: ServiceConfig) => boolean;
} = {
  key: (a, b) => sameServiceKey(a.key, b.key),
  scheduler: (a, b) => a.scheduler === b.scheduler,
  flags: (a, b) => flagSet(a.flags) === flagSet(b.flags),
  timeout: (a, b) => a.timeout === b.timeout,
  netmask: (a, b) => a.netmask === b.netmask,
  pe: (a, b) => (a.pe ?? '') === (b.pe ?? ''),
};

/** The same for a destination; the key fields compare as one. */
const DESTINATION_FIELDS: {
  readonly [K in keyof DestinationConfig]-?: (
    a: DestinationConfig,
    b: DestinationConfig,
  ) => boolean;
} = {
  family: (a, b) => a.family === b.family,
  address: (a, b) => destinationKeyString(a) === destinationKeyString(b),
  port: (a, b) => a.port === b.port,
  forward: (a, b) => a.forward === b.forward,
  weight: (a, b) => a.weight === b.weight,
  upperThreshold: (a, b) => a.upperThreshold === b.upperThreshold,
  lowerThreshold: (a, b) => a.lowerThreshold === b.lowerThreshold,
  tunnelType: (a, b) => a.tunnelType === b.tunnelType,
  tunnelPort: (a, b) => a.tunnelPort === b.tunnelPort,
  tunnelFlags: (a, b) => flagSet(a.tunnelFlags) === flagSet(b.tunnelFlags),
};

const SERVICE_COMPARES = Object.values(SERVICE_FIELDS);
const DESTINATION_COMPARES = Object.values(DESTINATION_FIELDS);

export function sameServiceConfig(a: ServiceConfig, b: ServiceConfig): boolean {
  for (const same of SERVICE_COMPARES) if (!same(a, b)) return false;
  return true;
}

export function sameDestinationConfig(a: DestinationConfig, b: DestinationConfig): boolean {
  for (const same of DESTINATION_COMPARES) if (!same(a, b)) return false;
  return true;
}
