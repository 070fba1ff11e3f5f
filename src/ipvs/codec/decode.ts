/**
 * IPVS replies to model objects. The kernel reports the address family with
 * every service and destination; a service address is always 16 bytes on the
 * wire (IPv4 in the first four), and the service flags come with a mask of
 * all ones.
 */
import { formatAddress } from '../../model/address.js';
import type {
  Destination,
  Family,
  ForwardMethod,
  IpvsInfo,
  Protocol,
  Service,
  ServiceFlag,
  Stats,
  SyncDaemon,
  Timeouts,
  TunnelFlag,
  TunnelType,
} from '../model.js';
import { ZERO_STATS } from '../model.js';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_VERSION } from '../../netlink/constants.js';
import {
  AF_INET6,
  IP_VS_CONN_F,
  IP_VS_STATE,
  IP_VS_SVC_F,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_INFO_ATTR,
  IPVS_STATS_ATTR,
  IPVS_SVC_ATTR,
} from './constants.js';
import { Attrs, type MessageHeader } from '../../netlink/reader.js';

const SVC_MAX = 12;
const DEST_MAX = 15;
const STATS_MAX = 11;
const DAEMON_MAX = 8;
const CMD_MAX = 6;

/**
 * Reused attribute indexes, one per nesting level. Decoding is synchronous
 * and never re-entered, and no decoded value keeps a reference to them.
 */
const scratch = {
  top: new Attrs(CMD_MAX),
  service: new Attrs(SVC_MAX),
  dest: new Attrs(DEST_MAX),
  stats: new Attrs(STATS_MAX),
};

/** Whether to decode the 64-bit counters (callers that only need configuration skip them). */
export interface DecodeOptions {
  stats?: boolean;
}

function family(af: number): Family {
  return af === AF_INET6 ? 'ipv6' : 'ipv4';
}

function protocol(p: number): Protocol {
  if (p === IPPROTO_UDP) return 'udp';
  if (p === IPPROTO_SCTP) return 'sctp';
  if (p === IPPROTO_TCP) return 'tcp';
  throw new Error(`kernel reported IP protocol ${p}, which IPVS services do not use`);
}

const FORWARD: readonly ForwardMethod[] = ['nat', 'local', 'tunnel', 'dr'];
/** Tunnel flag lists by flag bits, shared: most destinations have none. */
const TUNNEL_FLAGS: readonly (readonly TunnelFlag[])[] = [
  Object.freeze([]),
  Object.freeze(['csum']),
  Object.freeze(['remcsum']),
  Object.freeze(['csum', 'remcsum']),
];
const TUNNEL: readonly TunnelType[] = ['ipip', 'gue', 'gre'];

/** Names the set flag bits; the scheduler decides what the three scheduler bits mean. */
export function serviceFlagNames(bits: number, scheduler: string): ServiceFlag[] {
  const out: ServiceFlag[] = [];
  if (bits & IP_VS_SVC_F.PERSISTENT) out.push('persistent');
  if (bits & IP_VS_SVC_F.HASHED) out.push('hashed');
  if (bits & IP_VS_SVC_F.ONEPACKET) out.push('one-packet');
  const [one, two]: [ServiceFlag, ServiceFlag] =
    scheduler === 'sh'
      ? ['sh-fallback', 'sh-port']
      : scheduler === 'mh'
        ? ['mh-fallback', 'mh-port']
        : ['flag-1', 'flag-2'];
  if (bits & IP_VS_SVC_F.SCHED1) out.push(one);
  if (bits & IP_VS_SVC_F.SCHED2) out.push(two);
  if (bits & IP_VS_SVC_F.SCHED3) out.push('flag-3');
  return out;
}

function decodeStats(attrs: Attrs, stats64: number, stats32: number): Stats {
  const nested =
    attrs.nested(stats64, STATS_MAX, scratch.stats) ??
    attrs.nested(stats32, STATS_MAX, scratch.stats);
  if (!nested) return ZERO_STATS;
  return {
    conns: nested.counter(IPVS_STATS_ATTR.CONNS),
    inPkts: nested.counter(IPVS_STATS_ATTR.INPKTS),
    outPkts: nested.counter(IPVS_STATS_ATTR.OUTPKTS),
    inBytes: nested.counter(IPVS_STATS_ATTR.INBYTES),
    outBytes: nested.counter(IPVS_STATS_ATTR.OUTBYTES),
    cps: nested.counter(IPVS_STATS_ATTR.CPS),
    inPps: nested.counter(IPVS_STATS_ATTR.INPPS),
    outPps: nested.counter(IPVS_STATS_ATTR.OUTPPS),
    inBps: nested.counter(IPVS_STATS_ATTR.INBPS),
    outBps: nested.counter(IPVS_STATS_ATTR.OUTBPS),
  };
}

function malformed(what: string): Error {
  return new Error(`malformed IPVS reply: ${what}`);
}

/** One service from a GET_SERVICE reply or dump message. */
export function decodeService(
  buf: Buffer,
  header: MessageHeader,
  options: DecodeOptions = {},
): Service {
  const top = Attrs.ofMessage(buf, header, CMD_MAX, scratch.top);
  const a = top.nested(IPVS_CMD_ATTR.SERVICE, SVC_MAX, scratch.service);
  if (!a) throw malformed('no service attribute');
  const fam = family(a.u16(IPVS_SVC_ATTR.AF));
  const scheduler = a.string(IPVS_SVC_ATTR.SCHED_NAME) ?? '';
  const flagsOff = a.offset(IPVS_SVC_ATTR.FLAGS);
  const bits =
    flagsOff < 0 ? 0 : (buf.readUInt32LE(flagsOff) & buf.readUInt32LE(flagsOff + 4)) >>> 0;
  const pe = a.string(IPVS_SVC_ATTR.PE_NAME);
  const common = {
    scheduler,
    flags: serviceFlagNames(bits, scheduler),
    timeout: a.u32(IPVS_SVC_ATTR.TIMEOUT),
    // See encode.ts: a mask for IPv4, a host-order prefix length for IPv6.
    netmask: fam === 'ipv4' ? a.be32(IPVS_SVC_ATTR.NETMASK) : a.u32(IPVS_SVC_ATTR.NETMASK),
    ...(pe ? { pe } : {}),
    stats:
      options.stats === false
        ? ZERO_STATS
        : decodeStats(a, IPVS_SVC_ATTR.STATS64, IPVS_SVC_ATTR.STATS),
  };
  if (a.has(IPVS_SVC_ATTR.FWMARK)) {
    return { key: { family: fam, fwmark: a.u32(IPVS_SVC_ATTR.FWMARK) }, ...common };
  }
  const addrAt = a.offset(IPVS_SVC_ATTR.ADDR);
  if (addrAt < 0 || a.size(IPVS_SVC_ATTR.ADDR) < (fam === 'ipv4' ? 4 : 16)) {
    throw malformed('service address');
  }
  return {
    key: {
      family: fam,
      protocol: protocol(a.u16(IPVS_SVC_ATTR.PROTOCOL)),
      address: formatAddress(fam, buf, addrAt),
      port: a.be16(IPVS_SVC_ATTR.PORT),
    },
    ...common,
  };
}

/** One destination from a GET_DEST dump message; `serviceFamily` fills in an absent family. */
export function decodeDestination(
  buf: Buffer,
  header: MessageHeader,
  serviceFamily: Family,
  options: DecodeOptions = {},
): Destination {
  const top = Attrs.ofMessage(buf, header, CMD_MAX, scratch.top);
  const a = top.nested(IPVS_CMD_ATTR.DEST, DEST_MAX, scratch.dest);
  if (!a) throw malformed('no destination attribute');
  const fam = a.has(IPVS_DEST_ATTR.ADDR_FAMILY)
    ? family(a.u16(IPVS_DEST_ATTR.ADDR_FAMILY))
    : serviceFamily;
  const addrAt = a.offset(IPVS_DEST_ATTR.ADDR);
  if (addrAt < 0 || a.size(IPVS_DEST_ATTR.ADDR) < (fam === 'ipv4' ? 4 : 16)) {
    throw malformed('destination address');
  }
  const tunBits = a.u16(IPVS_DEST_ATTR.TUN_FLAGS);
  const tunnelFlags = TUNNEL_FLAGS[tunBits & 3] as readonly TunnelFlag[];
  return {
    family: fam,
    address: formatAddress(fam, buf, addrAt),
    port: a.be16(IPVS_DEST_ATTR.PORT),
    forward: FORWARD[a.u32(IPVS_DEST_ATTR.FWD_METHOD) & IP_VS_CONN_F.FWD_MASK] ?? 'dr',
    weight: a.u32(IPVS_DEST_ATTR.WEIGHT),
    upperThreshold: a.u32(IPVS_DEST_ATTR.U_THRESH),
    lowerThreshold: a.u32(IPVS_DEST_ATTR.L_THRESH),
    tunnelType: TUNNEL[a.u8(IPVS_DEST_ATTR.TUN_TYPE)] ?? 'ipip',
    tunnelPort: a.be16(IPVS_DEST_ATTR.TUN_PORT),
    tunnelFlags,
    activeConns: a.u32(IPVS_DEST_ATTR.ACTIVE_CONNS),
    inactiveConns: a.u32(IPVS_DEST_ATTR.INACT_CONNS),
    persistentConns: a.u32(IPVS_DEST_ATTR.PERSIST_CONNS),
    stats:
      options.stats === false
        ? ZERO_STATS
        : decodeStats(a, IPVS_DEST_ATTR.STATS64, IPVS_DEST_ATTR.STATS),
  };
}

export function decodeInfo(buf: Buffer, header: MessageHeader): IpvsInfo {
  const a = Attrs.ofMessage(buf, header, 2);
  const code = a.u32(IPVS_INFO_ATTR.VERSION);
  return {
    versionCode: code,
    version: `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`,
    connTableSize: a.u32(IPVS_INFO_ATTR.CONN_TAB_SIZE),
  };
}

export function decodeTimeouts(buf: Buffer, header: MessageHeader): Timeouts {
  const a = Attrs.ofMessage(buf, header, CMD_MAX);
  return {
    tcp: a.u32(IPVS_CMD_ATTR.TIMEOUT_TCP),
    tcpFin: a.u32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN),
    udp: a.u32(IPVS_CMD_ATTR.TIMEOUT_UDP),
  };
}

export function decodeDaemon(buf: Buffer, header: MessageHeader): SyncDaemon | undefined {
  const top = Attrs.ofMessage(buf, header, CMD_MAX);
  const a = top.nested(IPVS_CMD_ATTR.DAEMON, DAEMON_MAX);
  if (!a) return undefined;
  const state = a.u32(IPVS_DAEMON_ATTR.STATE);
  if (state !== IP_VS_STATE.MASTER && state !== IP_VS_STATE.BACKUP) return undefined;
  const group4 = a.bytes(IPVS_DAEMON_ATTR.MCAST_GROUP);
  const group6 = a.bytes(IPVS_DAEMON_ATTR.MCAST_GROUP6);
  const group =
    group4 && group4.length >= 4
      ? formatAddress('ipv4', group4)
      : group6 && group6.length >= 16
        ? formatAddress('ipv6', group6)
        : undefined;
  return {
    state: state === IP_VS_STATE.MASTER ? 'master' : 'backup',
    interface: a.string(IPVS_DAEMON_ATTR.MCAST_IFN) ?? '',
    syncId: a.u32(IPVS_DAEMON_ATTR.SYNC_ID),
    maxLength: a.u16(IPVS_DAEMON_ATTR.SYNC_MAXLEN),
    group,
    port: a.u16(IPVS_DAEMON_ATTR.MCAST_PORT),
    ttl: a.u8(IPVS_DAEMON_ATTR.MCAST_TTL),
  };
}

/** Generic netlink controller reply: the family id and version. */
export function decodeFamily(buf: Buffer, header: MessageHeader): { id: number; version: number } {
  const a = Attrs.ofMessage(buf, header, 10);
  if (!a.has(CTRL_ATTR_FAMILY_ID)) throw malformed('no family id');
  return { id: a.u16(CTRL_ATTR_FAMILY_ID), version: a.u32(CTRL_ATTR_VERSION) };
}
