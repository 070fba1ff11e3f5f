/**
 * IPVS requests on the wire. Oddities of the kernel interface are handled
 * here, where they happen:
 * - ports and tunnel ports are big-endian (be16);
 * - service flags travel as a {flags, mask} pair; the mask says which bits
 *   the request sets, so we send all bits we own;
 * - the IPv4 persistence netmask is a big-endian mask, while an IPv6 one is a
 *   prefix length the kernel reads in host order;
 * - NEW/SET requests need every "full entry" attribute, even unused ones.
 */
import { parseAddress } from '../../model/address.js';
import {
  type DestinationConfig,
  type DestinationKey,
  type Family,
  type ForwardMethod,
  isFwmarkKey,
  type Protocol,
  type ServiceConfig,
  type ServiceFlag,
  type ServiceKey,
  type SyncDaemon,
  type SyncState,
  type TunnelFlag,
  type TunnelType,
} from '../model.js';
import type { IpvsOp } from '../ops.js';
import {
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_GETFAMILY,
  GENL_ID_CTRL,
  NLM_F_DUMP,
  NLM_F_REQUEST,
} from '../../netlink/constants.js';
import {
  AF_INET,
  AF_INET6,
  IP_VS_CONN_F,
  IP_VS_CONN_F_TUNNEL_TYPE,
  IP_VS_STATE,
  IP_VS_SVC_F,
  IP_VS_TUNNEL_ENCAP_FLAG,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_DAEMON_ATTR,
  IPVS_DEST_ATTR,
  IPVS_GENL_VERSION,
  IPVS_SVC_ATTR,
} from './constants.js';
import type { MessageWriter } from '../../netlink/writer.js';

export const familyNumber: Record<Family, number> = { ipv4: AF_INET, ipv6: AF_INET6 };
export const protocolNumber: Record<Protocol, number> = {
  tcp: IPPROTO_TCP,
  udp: IPPROTO_UDP,
  sctp: IPPROTO_SCTP,
};
export const forwardNumber: Record<ForwardMethod, number> = {
  nat: IP_VS_CONN_F.MASQ,
  local: IP_VS_CONN_F.LOCALNODE,
  tunnel: IP_VS_CONN_F.TUNNEL,
  dr: IP_VS_CONN_F.DROUTE,
};
export const tunnelTypeNumber: Record<TunnelType, number> = {
  ipip: IP_VS_CONN_F_TUNNEL_TYPE.IPIP,
  gue: IP_VS_CONN_F_TUNNEL_TYPE.GUE,
  gre: IP_VS_CONN_F_TUNNEL_TYPE.GRE,
};
const tunnelFlagBit: Record<TunnelFlag, number> = {
  csum: IP_VS_TUNNEL_ENCAP_FLAG.CSUM,
  remcsum: IP_VS_TUNNEL_ENCAP_FLAG.REMCSUM,
};
const serviceFlagBit: Record<ServiceFlag, number> = {
  persistent: IP_VS_SVC_F.PERSISTENT,
  // The kernel sets and clears `hashed` itself; a request cannot change it.
  hashed: 0,
  'one-packet': IP_VS_SVC_F.ONEPACKET,
  'sh-fallback': IP_VS_SVC_F.SCHED1,
  'mh-fallback': IP_VS_SVC_F.SCHED1,
  'flag-1': IP_VS_SVC_F.SCHED1,
  'sh-port': IP_VS_SVC_F.SCHED2,
  'mh-port': IP_VS_SVC_F.SCHED2,
  'flag-2': IP_VS_SVC_F.SCHED2,
  'flag-3': IP_VS_SVC_F.SCHED3,
};
/** The flag bits a request owns: everything a user can set. */
const SERVICE_FLAGS_MASK =
  IP_VS_SVC_F.PERSISTENT |
  IP_VS_SVC_F.ONEPACKET |
  IP_VS_SVC_F.SCHED1 |
  IP_VS_SVC_F.SCHED2 |
  IP_VS_SVC_F.SCHED3;

export function serviceFlagBits(flags: readonly ServiceFlag[]): number {
  let bits = 0;
  for (const f of flags) bits |= serviceFlagBit[f];
  return bits;
}

export const syncStateNumber: Record<SyncState, number> = {
  master: IP_VS_STATE.MASTER,
  backup: IP_VS_STATE.BACKUP,
};

function addressBytes(address: string, what: string): Uint8Array {
  const parsed = parseAddress(address);
  if (!parsed) throw new Error(`${what}: "${address}" is not an IP address`);
  return parsed.bytes;
}

function writeServiceKey(w: MessageWriter, key: ServiceKey): void {
  w.u16(IPVS_SVC_ATTR.AF, familyNumber[key.family]);
  if (isFwmarkKey(key)) {
    w.u32(IPVS_SVC_ATTR.FWMARK, key.fwmark);
  } else {
    w.u16(IPVS_SVC_ATTR.PROTOCOL, protocolNumber[key.protocol]);
    w.bytes(IPVS_SVC_ATTR.ADDR, addressBytes(key.address, 'service address'));
    w.be16(IPVS_SVC_ATTR.PORT, key.port);
  }
}

function writeService(w: MessageWriter, service: ServiceConfig | ServiceKey, full: boolean): void {
  const nest = w.nest(IPVS_CMD_ATTR.SERVICE);
  if (full) {
    const s = service as ServiceConfig;
    writeServiceKey(w, s.key);
    w.string(IPVS_SVC_ATTR.SCHED_NAME, s.scheduler);
    if (s.pe) w.string(IPVS_SVC_ATTR.PE_NAME, s.pe);
    w.u32Pair(IPVS_SVC_ATTR.FLAGS, serviceFlagBits(s.flags), SERVICE_FLAGS_MASK);
    w.u32(IPVS_SVC_ATTR.TIMEOUT, s.timeout);
    if (s.key.family === 'ipv4') w.be32(IPVS_SVC_ATTR.NETMASK, s.netmask);
    else w.u32(IPVS_SVC_ATTR.NETMASK, s.netmask);
  } else {
    writeServiceKey(w, service as ServiceKey);
  }
  w.endNest(nest);
}

function writeDestination(
  w: MessageWriter,
  dest: DestinationConfig | DestinationKey,
  full: boolean,
): void {
  const nest = w.nest(IPVS_CMD_ATTR.DEST);
  w.bytes(IPVS_DEST_ATTR.ADDR, addressBytes(dest.address, 'destination address'));
  w.be16(IPVS_DEST_ATTR.PORT, dest.port);
  w.u16(IPVS_DEST_ATTR.ADDR_FAMILY, familyNumber[dest.family]);
  if (full) {
    const d = dest as DestinationConfig;
    w.u32(IPVS_DEST_ATTR.FWD_METHOD, forwardNumber[d.forward]);
    w.u32(IPVS_DEST_ATTR.WEIGHT, d.weight);
    w.u32(IPVS_DEST_ATTR.U_THRESH, d.upperThreshold);
    w.u32(IPVS_DEST_ATTR.L_THRESH, d.lowerThreshold);
    w.u8(IPVS_DEST_ATTR.TUN_TYPE, tunnelTypeNumber[d.tunnelType]);
    w.be16(IPVS_DEST_ATTR.TUN_PORT, d.tunnelPort);
    let tunFlags = 0;
    for (const f of d.tunnelFlags) tunFlags |= tunnelFlagBit[f];
    w.u16(IPVS_DEST_ATTR.TUN_FLAGS, tunFlags);
  }
  w.endNest(nest);
}

function writeDaemon(w: MessageWriter, daemon: SyncDaemon): void {
  const nest = w.nest(IPVS_CMD_ATTR.DAEMON);
  w.u32(IPVS_DAEMON_ATTR.STATE, syncStateNumber[daemon.state]);
  w.string(IPVS_DAEMON_ATTR.MCAST_IFN, daemon.interface);
  w.u32(IPVS_DAEMON_ATTR.SYNC_ID, daemon.syncId);
  if (daemon.maxLength) w.u16(IPVS_DAEMON_ATTR.SYNC_MAXLEN, daemon.maxLength);
  if (daemon.port) w.u16(IPVS_DAEMON_ATTR.MCAST_PORT, daemon.port);
  if (daemon.ttl) w.u8(IPVS_DAEMON_ATTR.MCAST_TTL, daemon.ttl);
  if (daemon.group) {
    const group = addressBytes(daemon.group, 'multicast group');
    if (group.length === 4) w.bytes(IPVS_DAEMON_ATTR.MCAST_GROUP, group);
    else w.bytes(IPVS_DAEMON_ATTR.MCAST_GROUP6, group);
  }
  w.endNest(nest);
}

/** Appends one request message for `op`; returns its start offset. */
export function encodeOp(w: MessageWriter, familyId: number, op: IpvsOp, flags: number): number {
  const msg = (cmd: number) => w.begin(familyId, NLM_F_REQUEST | flags, cmd, IPVS_GENL_VERSION);
  let start: number;
  switch (op.type) {
    case 'add-service':
      start = msg(IPVS_CMD.NEW_SERVICE);
      writeService(w, op.service, true);
      break;
    case 'edit-service':
      start = msg(IPVS_CMD.SET_SERVICE);
      writeService(w, op.service, true);
      break;
    case 'delete-service':
      start = msg(IPVS_CMD.DEL_SERVICE);
      writeService(w, op.service, false);
      break;
    case 'add-destination':
      start = msg(IPVS_CMD.NEW_DEST);
      writeService(w, op.service, false);
      writeDestination(w, op.destination, true);
      break;
    case 'edit-destination':
      start = msg(IPVS_CMD.SET_DEST);
      writeService(w, op.service, false);
      writeDestination(w, op.destination, true);
      break;
    case 'delete-destination':
      start = msg(IPVS_CMD.DEL_DEST);
      writeService(w, op.service, false);
      writeDestination(w, op.destination, false);
      break;
    case 'flush':
      start = msg(IPVS_CMD.FLUSH);
      break;
    case 'zero':
      start = msg(IPVS_CMD.ZERO);
      if (op.service) writeService(w, op.service, false);
      break;
    case 'set-timeouts':
      start = msg(IPVS_CMD.SET_CONFIG);
      w.u32(IPVS_CMD_ATTR.TIMEOUT_TCP, op.timeouts.tcp);
      w.u32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN, op.timeouts.tcpFin);
      w.u32(IPVS_CMD_ATTR.TIMEOUT_UDP, op.timeouts.udp);
      break;
    case 'start-daemon':
      start = msg(IPVS_CMD.NEW_DAEMON);
      writeDaemon(w, op.daemon);
      break;
    case 'stop-daemon': {
      start = msg(IPVS_CMD.DEL_DAEMON);
      const nest = w.nest(IPVS_CMD_ATTR.DAEMON);
      w.u32(IPVS_DAEMON_ATTR.STATE, syncStateNumber[op.state]);
      w.endNest(nest);
      break;
    }
  }
  w.end(start);
  return start;
}

/** A request without attributes: GET_INFO, GET_CONFIG, or a dump of services/daemons. */
export function encodeGet(w: MessageWriter, familyId: number, cmd: number, dump: boolean): number {
  const start = w.begin(familyId, NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0), cmd, IPVS_GENL_VERSION);
  w.end(start);
  return start;
}

/** GET_SERVICE for one service (not a dump). */
export function encodeGetService(w: MessageWriter, familyId: number, key: ServiceKey): number {
  const start = w.begin(familyId, NLM_F_REQUEST, IPVS_CMD.GET_SERVICE, IPVS_GENL_VERSION);
  writeService(w, key, false);
  w.end(start);
  return start;
}

/** Dump of one service's destinations. */
export function encodeGetDestinations(w: MessageWriter, familyId: number, key: ServiceKey): number {
  const start = w.begin(familyId, NLM_F_REQUEST | NLM_F_DUMP, IPVS_CMD.GET_DEST, IPVS_GENL_VERSION);
  writeService(w, key, false);
  w.end(start);
  return start;
}

/** Generic netlink controller: resolve a family name to its id. */
export function encodeGetFamily(w: MessageWriter, name: string): number {
  const start = w.begin(GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1);
  w.string(CTRL_ATTR_FAMILY_NAME, name);
  w.end(start);
  return start;
}
