/**
 * Input checks for everything the IPVS client sends. Each check returns the
 * problems it found, each naming the field and the offending value, so a
 * caller can refuse a whole batch before the first byte goes to the kernel.
 * The `service`/`destination` builders fill in the defaults ipvsadm uses.
 */
import { canonicalAddress, parseAddress } from '../model/address.js';
import {
  type DestinationConfig,
  type DestinationKey,
  type Family,
  type ForwardMethod,
  isFwmarkKey,
  PERSISTENCE_ENGINES,
  type Protocol,
  SCHEDULERS,
  type ServiceConfig,
  type ServiceFlag,
  type ServiceKey,
  type SyncDaemon,
  type Timeouts,
  type TunnelFlag,
  type TunnelType,
} from './model.js';
import type { IpvsOp } from './ops.js';

/** Longest persistence and connection timeout ipvsadm accepts: 31 days. */
export const MAX_TIMEOUT = 86400 * 31;
/** Default persistence timeout when `persistent` is set without one (ipvsadm's). */
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;
/** The kernel keeps a weight in an int and refuses only negatives; ipvsadm takes 0..INT_MAX. */
export const MAX_WEIGHT = 2147483647;
export const MAX_THRESHOLD = 2147483647;

const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];
const FORWARDS: readonly ForwardMethod[] = ['dr', 'nat', 'tunnel', 'local'];
const TUNNEL_TYPES: readonly TunnelType[] = ['ipip', 'gue', 'gre'];
const FLAG_NAMES: readonly ServiceFlag[] = [
  'persistent',
  'hashed',
  'one-packet',
  'sh-fallback',
  'sh-port',
  'mh-fallback',
  'mh-port',
  'flag-1',
  'flag-2',
  'flag-3',
];

const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : String(v));

function intIn(
  problems: string[],
  path: string,
  value: unknown,
  min: number,
  max: number,
): boolean {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${path}: ${show(value)} is not an integer in ${min}..${max}`);
    return false;
  }
  return true;
}

function checkAddress(problems: string[], path: string, address: unknown, family: Family): void {
  const parsed = typeof address === 'string' ? parseAddress(address) : undefined;
  if (!parsed) {
    problems.push(`${path}: ${show(address)} is not an IP address`);
    return;
  }
  if (parsed.family !== family) {
    problems.push(
      `${path}: ${show(address)} is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`,
    );
  }
}

export function checkServiceKey(key: ServiceKey, path = 'service'): string[] {
  const problems: string[] = [];
  if (key.family !== 'ipv4' && key.family !== 'ipv6') {
    problems.push(`${path}.family: ${show(key.family)} is not ipv4 or ipv6`);
    return problems;
  }
  if (isFwmarkKey(key)) {
    intIn(problems, `${path}.fwmark`, key.fwmark, 1, 0xffffffff);
    return problems;
  }
  if (!PROTOCOLS.includes(key.protocol)) {
    problems.push(`${path}.protocol: ${show(key.protocol)} is not one of ${PROTOCOLS.join(', ')}`);
  }
  checkAddress(problems, `${path}.address`, key.address, key.family);
  intIn(problems, `${path}.port`, key.port, 0, 65535);
  return problems;
}

export function checkServiceConfig(s: ServiceConfig, path = 'service'): string[] {
  const problems = checkServiceKey(s.key, path);
  if (!(SCHEDULERS as readonly string[]).includes(s.scheduler)) {
    problems.push(`${path}.scheduler: ${show(s.scheduler)} is not one of ${SCHEDULERS.join(' ')}`);
  }
  for (const flag of s.flags) {
    if (!FLAG_NAMES.includes(flag)) {
      problems.push(`${path}.flags: ${show(flag)} is not one of ${FLAG_NAMES.join(', ')}`);
    } else if (flag.startsWith('sh-') && s.scheduler !== 'sh') {
      problems.push(`${path}.flags: ${show(flag)} needs scheduler sh, not ${show(s.scheduler)}`);
    } else if (flag.startsWith('mh-') && s.scheduler !== 'mh') {
      problems.push(`${path}.flags: ${show(flag)} needs scheduler mh, not ${show(s.scheduler)}`);
    }
  }
  const persistent = s.flags.includes('persistent');
  intIn(problems, `${path}.timeout`, s.timeout, persistent ? 1 : 0, MAX_TIMEOUT);
  if (s.key.family === 'ipv6') intIn(problems, `${path}.netmask`, s.netmask, 1, 128);
  else intIn(problems, `${path}.netmask`, s.netmask, 0, 0xffffffff);
  if (s.pe !== undefined && !(PERSISTENCE_ENGINES as readonly string[]).includes(s.pe)) {
    problems.push(`${path}.pe: ${show(s.pe)} is not one of ${PERSISTENCE_ENGINES.join(', ')}`);
  }
  if (!isFwmarkKey(s.key) && s.key.port === 0 && !persistent) {
    problems.push(`${path}.port: 0 (all ports) needs the persistent flag`);
  }
  return problems;
}

export function checkDestinationKey(d: DestinationKey, path = 'destination'): string[] {
  const problems: string[] = [];
  if (d.family !== 'ipv4' && d.family !== 'ipv6') {
    problems.push(`${path}.family: ${show(d.family)} is not ipv4 or ipv6`);
  } else {
    checkAddress(problems, `${path}.address`, d.address, d.family);
  }
  intIn(problems, `${path}.port`, d.port, 0, 65535);
  return problems;
}

export function checkDestinationConfig(
  d: DestinationConfig,
  serviceFamily: Family,
  path = 'destination',
): string[] {
  const problems = checkDestinationKey(d, path);
  if (!FORWARDS.includes(d.forward)) {
    problems.push(`${path}.forward: ${show(d.forward)} is not one of ${FORWARDS.join(', ')}`);
  }
  intIn(problems, `${path}.weight`, d.weight, 0, MAX_WEIGHT);
  const upperOk = intIn(problems, `${path}.upperThreshold`, d.upperThreshold, 0, MAX_THRESHOLD);
  const lowerOk = intIn(problems, `${path}.lowerThreshold`, d.lowerThreshold, 0, MAX_THRESHOLD);
  if (upperOk && lowerOk && d.lowerThreshold > d.upperThreshold) {
    problems.push(
      `${path}.lowerThreshold: ${d.lowerThreshold} is above upperThreshold ${d.upperThreshold} (the kernel refuses it)`,
    );
  }
  if (d.family !== serviceFamily && d.forward !== 'tunnel') {
    problems.push(
      `${path}.family: an ${d.family} destination in an ${serviceFamily} service needs forward: tunnel`,
    );
  }
  if (!TUNNEL_TYPES.includes(d.tunnelType)) {
    problems.push(
      `${path}.tunnelType: ${show(d.tunnelType)} is not one of ${TUNNEL_TYPES.join(', ')}`,
    );
    return problems;
  }
  const tunnelOptions = d.tunnelType !== 'ipip' || d.tunnelPort !== 0 || d.tunnelFlags.length > 0;
  if (d.forward !== 'tunnel') {
    if (tunnelOptions)
      problems.push(`${path}: tunnel options need forward: tunnel, not ${show(d.forward)}`);
    return problems;
  }
  // Inputs may come from untyped sources (YAML, restore files): check the strings.
  const flagNames: readonly string[] = d.tunnelFlags;
  if (!flagNames.every((f) => f === 'csum' || f === 'remcsum')) {
    problems.push(`${path}.tunnelFlags: ${show(flagNames.join(','))} may hold only csum, remcsum`);
  }
  if (d.tunnelFlags.length > 1) {
    problems.push(
      `${path}.tunnelFlags: ${show(d.tunnelFlags.join(','))}: choose one of csum, remcsum`,
    );
  }
  switch (d.tunnelType) {
    case 'gue':
      intIn(problems, `${path}.tunnelPort`, d.tunnelPort, 1, 65535);
      break;
    case 'gre':
      if (d.tunnelPort !== 0)
        problems.push(`${path}.tunnelPort: ${show(d.tunnelPort)}: gre tunnels have no port`);
      if (d.tunnelFlags.includes('remcsum')) {
        problems.push(`${path}.tunnelFlags: "remcsum" is not available with gre`);
      }
      break;
    case 'ipip':
      if (d.tunnelPort !== 0)
        problems.push(`${path}.tunnelPort: ${show(d.tunnelPort)}: ipip tunnels have no port`);
      if (d.tunnelFlags.length) problems.push(`${path}.tunnelFlags: ipip tunnels take no flags`);
      break;
  }
  return problems;
}

export function checkTimeouts(t: Timeouts, path = 'timeouts'): string[] {
  const problems: string[] = [];
  intIn(problems, `${path}.tcp`, t.tcp, 0, MAX_TIMEOUT);
  intIn(problems, `${path}.tcpFin`, t.tcpFin, 0, MAX_TIMEOUT);
  intIn(problems, `${path}.udp`, t.udp, 0, MAX_TIMEOUT);
  return problems;
}

export function checkDaemon(d: SyncDaemon, path = 'daemon'): string[] {
  const problems: string[] = [];
  if (d.state !== 'master' && d.state !== 'backup') {
    problems.push(`${path}.state: ${show(d.state)} is not master or backup`);
  }
  if (typeof d.interface !== 'string' || !/^[^\s/:]{1,15}$/.test(d.interface)) {
    problems.push(
      `${path}.interface: ${show(d.interface)} is not an interface name (1-15 characters)`,
    );
  }
  intIn(problems, `${path}.syncId`, d.syncId, 0, 255);
  if (d.maxLength !== undefined)
    intIn(problems, `${path}.maxLength`, d.maxLength, 0, 65535 - 20 - 8);
  if (d.port !== undefined) intIn(problems, `${path}.port`, d.port, 0, 65535);
  if (d.ttl !== undefined) intIn(problems, `${path}.ttl`, d.ttl, 0, 255);
  if (d.group !== undefined) {
    const g = parseAddress(d.group);
    const multicast =
      g && (g.family === 'ipv4' ? (g.bytes[0] as number) >> 4 === 14 : g.bytes[0] === 0xff);
    if (!multicast) problems.push(`${path}.group: ${show(d.group)} is not a multicast address`);
  }
  return problems;
}

/** Every problem of an operation, or none. */
export function checkOp(op: IpvsOp, path = 'op'): string[] {
  switch (op.type) {
    case 'add-service':
    case 'edit-service':
      return checkServiceConfig(op.service, `${path}.service`);
    case 'delete-service':
      return checkServiceKey(op.service, `${path}.service`);
    case 'add-destination':
    case 'edit-destination':
      return [
        ...checkServiceKey(op.service, `${path}.service`),
        ...checkDestinationConfig(op.destination, op.service.family, `${path}.destination`),
      ];
    case 'delete-destination':
      return [
        ...checkServiceKey(op.service, `${path}.service`),
        ...checkDestinationKey(op.destination, `${path}.destination`),
      ];
    case 'zero':
      return op.service ? checkServiceKey(op.service, `${path}.service`) : [];
    case 'set-timeouts':
      return checkTimeouts(op.timeouts, `${path}.timeouts`);
    case 'start-daemon':
      return checkDaemon(op.daemon, `${path}.daemon`);
    case 'stop-daemon':
      return op.state === 'master' || op.state === 'backup'
        ? []
        : [`${path}.state: ${show(op.state)} is not master or backup`];
    case 'flush':
      return [];
  }
}

export interface ServiceInput {
  key: ServiceKey;
  scheduler?: string;
  flags?: readonly ServiceFlag[];
  timeout?: number;
  netmask?: number;
  pe?: string | undefined;
}

/**
 * A full service configuration with ipvsadm's defaults: scheduler wlc,
 * persistence timeout 360 s when persistent, netmask /32 or /128. The key's
 * address is put in canonical form.
 */
export function service(input: ServiceInput): ServiceConfig {
  const key = canonicalKey(input.key);
  const flags = input.flags ?? [];
  return {
    key,
    scheduler: input.scheduler ?? 'wlc',
    flags,
    timeout: input.timeout ?? (flags.includes('persistent') ? DEFAULT_PERSISTENCE_TIMEOUT : 0),
    netmask: input.netmask ?? (key.family === 'ipv6' ? 128 : 0xffffffff),
    pe: input.pe,
  };
}

export interface DestinationInput {
  address: string;
  port: number;
  family?: Family;
  forward?: ForwardMethod;
  weight?: number;
  upperThreshold?: number;
  lowerThreshold?: number;
  tunnelType?: TunnelType;
  tunnelPort?: number;
  tunnelFlags?: readonly TunnelFlag[];
}

/** A full destination with ipvsadm's defaults: direct routing, weight 1, no thresholds. */
export function destination(input: DestinationInput): DestinationConfig {
  const canonical = canonicalAddress(input.address);
  return {
    family: input.family ?? canonical?.family ?? 'ipv4',
    address: canonical?.address ?? input.address,
    port: input.port,
    forward: input.forward ?? 'dr',
    weight: input.weight ?? 1,
    upperThreshold: input.upperThreshold ?? 0,
    lowerThreshold: input.lowerThreshold ?? 0,
    tunnelType: input.tunnelType ?? 'ipip',
    tunnelPort: input.tunnelPort ?? 0,
    tunnelFlags: input.tunnelFlags ?? [],
  };
}

/** The key with its address in canonical text form (unchanged when malformed; checks report it). */
export function canonicalKey<K extends ServiceKey>(key: K): K {
  if (isFwmarkKey(key)) return key;
  const c = canonicalAddress(key.address);
  return c ? { ...key, address: c.address } : key;
}
