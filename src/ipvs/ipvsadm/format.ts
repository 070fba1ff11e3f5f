/**
 * Text output identical to ipvsadm 1.31's `-L`, `-S` and their variants,
 * byte for byte, from an IPVS dump. Pure: names are resolved beforehand and
 * passed in. The C format strings each line reproduces are noted where the
 * padding is not obvious.
 */
import { formatIPv4 } from '../../model/address.js';
import {
  type Destination,
  type Family,
  type ForwardMethod,
  type IpvsInfo,
  isFwmarkKey,
  type Protocol,
  type Service,
  type ServiceWithDestinations,
  type SyncDaemon,
  type Timeouts,
} from '../model.js';
import type { Names } from './names.js';
import { sortDestinations, sortServices } from './sort.js';

export interface ListOptions {
  numeric: boolean;
  stats: boolean;
  rate: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  tunInfo: boolean;
  exact: boolean;
  nosort: boolean;
}

export const defaultListOptions: ListOptions = {
  numeric: false,
  stats: false,
  rate: false,
  thresholds: false,
  persistentConn: false,
  tunInfo: false,
  exact: false,
  nosort: false,
};

type Mode = 'rule' | 'stats' | 'rate' | 'thresholds' | 'persistent' | 'tun' | 'plain';

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** C `%d` of a value held in an unsigned 32-bit field. */
const signed32 = (n: number) => String(n | 0);

function mode(o: ListOptions, rule: boolean): Mode {
  if (rule) return 'rule';
  if (o.stats) return 'stats';
  if (o.rate) return 'rate';
  if (o.thresholds) return 'thresholds';
  if (o.persistentConn) return 'persistent';
  if (o.tunInfo) return 'tun';
  return 'plain';
}

/** print_largenum: 9 columns, scaled with K/M/G/T unless exact. */
export function largeNumber(i: bigint, exact: boolean): string {
  if (exact) {
    const s = i.toString();
    return lpad(s, s.length <= 8 ? 9 : s.length + 1);
  }
  if (i < 100_000_000n) return lpad(i.toString(), 9);
  if (i < 1_000_000_000n) return `${lpad((i / 1000n).toString(), 8)}K`;
  if (i < 100_000_000_000n) return `${lpad((i / 1_000_000n).toString(), 8)}M`;
  if (i < 100_000_000_000_000n) return `${lpad((i / 1_000_000_000n).toString(), 8)}G`;
  return `${lpad((i / 1_000_000_000_000n).toString(), 8)}T`;
}

/** addrport_to_anyname: `addr:port` or `[addr]:port`, in a 60-byte buffer. */
export function addrPort(
  names: Names,
  numeric: boolean,
  family: Family,
  address: string,
  port: number,
  protocol: Protocol | undefined,
): string {
  if (numeric) {
    // An IPv4 address and port always fit the buffer; skip the slice.
    return family === 'ipv4' ? address + ':' + port : `[${address}]:${port}`.slice(0, 59);
  }
  const host = names.host(family, address) ?? address;
  const service = names.port(port, protocol) ?? String(port);
  const text = family === 'ipv4' ? `${host}:${service}` : `[${host}]:${service}`;
  return text.slice(0, 59);
}

const FWD_NAME: Record<ForwardMethod, string> = {
  nat: 'Masq',
  local: 'Local',
  tunnel: 'Tunnel',
  dr: 'Route',
};
const FWD_SWITCH: Record<ForwardMethod, string> = {
  nat: '-m',
  tunnel: '-i',
  local: '-g',
  dr: '-g',
};
const PROTO_NAME: Record<Protocol, string> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };
const PROTO_OPTION: Record<Protocol, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
const TUN_FLAGS_OPT = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];
const TUN_FLAGS_SHORT = ['-c', '+c', 'r+c'];

/** The kernel's tunnel flag value: ipvsadm indexes its tables with it. */
function tunFlagValue(d: Destination): number {
  return (d.tunnelFlags.includes('csum') ? 1 : 0) | (d.tunnelFlags.includes('remcsum') ? 2 : 0);
}

/** print_sched_flags: names by scheduler; sh and mh have no name for the third bit. */
function schedFlags(svc: ServiceWithDestinations): string {
  const has = (f: string) => (svc.flags as readonly string[]).includes(f);
  const out: string[] = [];
  if (svc.scheduler === 'sh') {
    if (has('sh-fallback')) out.push('sh-fallback');
    if (has('sh-port')) out.push('sh-port');
  } else if (svc.scheduler === 'mh') {
    if (has('mh-fallback')) out.push('mh-fallback');
    if (has('mh-port')) out.push('mh-port');
  } else {
    if (has('flag-1')) out.push('flag-1');
    if (has('flag-2')) out.push('flag-2');
    if (has('flag-3')) out.push('flag-3');
  }
  return out.join(',');
}

function anySchedFlag(svc: ServiceWithDestinations): boolean {
  return svc.flags.some((f) => !['persistent', 'hashed', 'one-packet'].includes(f));
}

function netmaskText(svc: ServiceWithDestinations): string | undefined {
  if (svc.key.family === 'ipv4') {
    if (svc.netmask === 0xffffffff) return undefined;
    const b = Buffer.alloc(4);
    b.writeUInt32BE(svc.netmask >>> 0);
    return formatIPv4(b);
  }
  return svc.netmask === 128 ? undefined : String(svc.netmask | 0);
}

function title(m: Mode): string {
  const head = pad('Prot LocalAddress:Port', 33);
  switch (m) {
    case 'stats':
      return `${head} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((s) => lpad(s, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
    case 'rate':
      return `${head} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map((s) => lpad(s, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
    case 'thresholds':
      return `${head} ${['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'].map((s) => pad(s, 10)).join(' ')}\n  -> RemoteAddress:Port\n`;
    case 'persistent':
      return `${head} ${pad('Weight', 9)} ${pad('PersistConn', 11)} ${pad('ActiveConn', 10)} ${pad('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
    case 'tun':
      return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
    case 'plain':
      return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
    case 'rule':
      return '';
  }
}

function serviceEntry(
  svc: ServiceWithDestinations,
  m: Mode,
  o: ListOptions,
  names: Names,
  out: string[],
): void {
  const key = svc.key;
  const protocol = isFwmarkKey(key) ? undefined : key.protocol;
  let name: string;
  if (isFwmarkKey(key)) {
    const ipv6 = key.family === 'ipv6';
    name =
      m === 'rule'
        ? `-f ${signed32(key.fwmark)}${ipv6 ? ' -6' : ''}`
        : `FWM  ${signed32(key.fwmark)}${ipv6 ? ' IPv6' : ''}`;
  } else {
    const vname = addrPort(names, o.numeric, key.family, key.address, key.port, key.protocol);
    if (m === 'rule') name = `${PROTO_OPTION[key.protocol]} ${vname}`;
    else {
      name = `${pad(PROTO_NAME[key.protocol], 4)} ${vname}`;
      if (key.family !== 'ipv6') name = name.slice(0, 33);
    }
  }
  const persistent = svc.flags.includes('persistent');
  const onePacket = svc.flags.includes('one-packet');
  const mask = netmaskText(svc);
  let line: string;
  switch (m) {
    case 'rule':
      line = `-A ${name} -s ${svc.scheduler}`;
      if (persistent) line += ` -p ${svc.timeout}${mask !== undefined ? ` -M ${mask}` : ''}`;
      if (svc.pe) line += ` --pe ${svc.pe}`;
      if (onePacket) line += ' -o';
      if (anySchedFlag(svc)) line += ` -b ${schedFlags(svc)}`;
      break;
    case 'stats': {
      const s = svc.stats;
      line =
        pad(name, 33) +
        [s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes]
          .map((v) => largeNumber(v, o.exact))
          .join('');
      break;
    }
    case 'rate': {
      const s = svc.stats;
      line =
        pad(name, 33) +
        [s.cps, s.inPps, s.outPps, s.inBps, s.outBps].map((v) => largeNumber(v, o.exact)).join('');
      break;
    }
    default:
      line = `${name} ${svc.scheduler}`;
      if (anySchedFlag(svc)) line += ` (${schedFlags(svc)})`;
      if (persistent) {
        line += ` persistent ${svc.timeout}`;
        if (mask !== undefined) line += ` mask ${mask}`;
        if (svc.pe) line += ` pe ${svc.pe}`;
      }
      if (onePacket) line += ' ops';
  }
  out.push(line + '\n');

  const dests = o.nosort ? svc.destinations : sortDestinations(svc.destinations);
  for (const d of dests) {
    let dname = addrPort(names, o.numeric, d.family, d.address, d.port, protocol);
    if (m !== 'rule' && d.family !== 'ipv6') dname = dname.slice(0, 28);
    out.push(destinationLine(name, dname, d, m, o) + '\n');
  }
}

function destinationLine(
  svcName: string,
  dname: string,
  d: Destination,
  m: Mode,
  o: ListOptions,
): string {
  const u = (n: number) => String(n >>> 0);
  switch (m) {
    case 'rule': {
      const head = `-a ${svcName} -r ${dname} ${FWD_SWITCH[d.forward]} -w ${signed32(d.weight)}`;
      if (d.forward !== 'tunnel') return head;
      switch (d.tunnelType) {
        case 'gue':
          return `${head} --tun-type gue --tun-port ${d.tunnelPort} ${TUN_FLAGS_OPT[tunFlagValue(d)] ?? ''}`;
        case 'gre':
          return `${head} --tun-type gre ${TUN_FLAGS_OPT[tunFlagValue(d)] ?? ''}`;
        default:
          return `${head} --tun-type ipip`;
      }
    }
    case 'stats': {
      const s = d.stats;
      return `  -> ${pad(dname, 28)}${[s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes].map((v) => largeNumber(v, o.exact)).join('')}`;
    }
    case 'rate': {
      const s = d.stats;
      // `%8llu` for the three rates, print_largenum for the byte rates.
      return `  -> ${pad(dname, 28)} ${lpad(s.cps.toString(), 8)} ${lpad(s.inPps.toString(), 8)} ${lpad(s.outPps.toString(), 8)}${largeNumber(s.inBps, o.exact)}${largeNumber(s.outBps, o.exact)}`;
    }
    case 'thresholds':
      return `  -> ${pad(dname, 28)} ${pad(u(d.upperThreshold), 10)} ${pad(u(d.lowerThreshold), 10)} ${pad(u(d.activeConns), 10)} ${pad(u(d.inactiveConns), 10)}`;
    case 'persistent':
      return `  -> ${pad(dname, 28)} ${pad(u(d.weight), 9)} ${pad(u(d.persistentConns), 11)} ${pad(u(d.activeConns), 10)} ${pad(u(d.inactiveConns), 10)}`;
    case 'tun':
      return `  -> ${pad(dname, 28)} ${pad(FWD_NAME[d.forward], 7)} ${pad(tunnelInfo(d), 13)} ${pad(signed32(d.weight), 6)} ${pad(u(d.activeConns), 10)} ${pad(u(d.inactiveConns), 10)}`;
    case 'plain':
      return `  -> ${pad(dname, 28)} ${pad(FWD_NAME[d.forward], 7)} ${pad(signed32(d.weight), 6)} ${pad(u(d.activeConns), 10)} ${pad(u(d.inactiveConns), 10)}`;
  }
}

/** fwd_tun_info: `ipip`, `gue:6080:+c`, `gre:-c`, or n/a. */
function tunnelInfo(d: Destination): string {
  if (d.forward !== 'tunnel') return 'n/a';
  const flags = TUN_FLAGS_SHORT[tunFlagValue(d)] ?? '';
  switch (d.tunnelType) {
    case 'ipip':
      return 'ipip';
    case 'gue':
      return `gue:${d.tunnelPort}:${flags}`.slice(0, 15);
    case 'gre':
      return `gre:${flags}`.slice(0, 15);
  }
}

/** Services in ipvsadm's order (or the kernel's with --nosort); works on services without destinations too. */
export function orderServices<T extends Service>(
  services: readonly T[],
  o: Pick<ListOptions, 'nosort'>,
): readonly T[] {
  return o.nosort ? services : sortServices(services);
}

/** What `ipvsadm -L` prints before the services. */
export function listHead(info: IpvsInfo, o: ListOptions): string {
  return `IP Virtual Server version ${info.version} (size=${info.connTableSize})\n${title(mode(o, false))}`;
}

/** One service and its destinations as `ipvsadm -L` (or `-S`, when `rule`) prints them. */
export function serviceBlock(
  svc: ServiceWithDestinations,
  o: ListOptions,
  names: Names,
  rule = false,
): string {
  const out: string[] = [];
  serviceEntry(svc, mode(o, rule), o, names, out);
  return out.join('');
}

/** `ipvsadm -L` (and its --stats, --rate, ... variants) of the whole table. */
export function formatList(
  info: IpvsInfo,
  services: readonly ServiceWithDestinations[],
  o: ListOptions,
  names: Names,
): string {
  const out: string[] = [listHead(info, o)];
  for (const svc of orderServices(services, o)) out.push(serviceBlock(svc, o, names));
  return out.join('');
}

/** `ipvsadm -L -t|-u|-f SERVICE`: one service, without the version line. */
export function formatListOne(svc: ServiceWithDestinations, o: ListOptions, names: Names): string {
  return title(mode(o, false)) + serviceBlock(svc, o, names);
}

/** `ipvsadm -S`: the table as rules that `ipvsadm -R` reads back. */
export function formatSave(
  services: readonly ServiceWithDestinations[],
  o: Pick<ListOptions, 'numeric' | 'nosort'>,
  names: Names,
): string {
  const full: ListOptions = { ...defaultListOptions, ...o };
  const out: string[] = [];
  for (const svc of orderServices(services, full)) out.push(serviceBlock(svc, full, names, true));
  return out.join('');
}

/** `ipvsadm -L --timeout` */
export function formatTimeouts(t: Timeouts): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp | 0} ${t.tcpFin | 0} ${t.udp | 0}\n`;
}

/** `ipvsadm -L --daemon` */
export function formatDaemons(daemons: readonly SyncDaemon[]): string {
  const order = [...daemons].sort((a, b) =>
    a.state === b.state ? 0 : a.state === 'master' ? -1 : 1,
  );
  return order
    .map((d) => {
      let line = `${d.state} sync daemon (mcast=${d.interface}, syncid=${d.syncId | 0}`;
      if (d.maxLength) line += `, maxlen=${d.maxLength}`;
      if (d.group) line += `, group=${d.group}`;
      if (d.port) line += `, port=${d.port}`;
      if (d.ttl) line += `, ttl=${d.ttl}`;
      return `${line})\n`;
    })
    .join('');
}

/** Every address a listing would try to name, for resolving beforehand. */
export function addressesOf(services: readonly ServiceWithDestinations[]): [Family, string][] {
  const out: [Family, string][] = [];
  for (const s of services) {
    if (!isFwmarkKey(s.key)) out.push([s.key.family, s.key.address]);
    for (const d of s.destinations) out.push([d.family, d.address]);
  }
  return out;
}
