/**
 * The IPVS table as JSON for scripts (`anycastd ipvs list --json`), pure:
 * one object per service with its real servers, names as the configuration
 * writes them (forwarding, flags, netmask as text), counters only when asked
 * for. 64-bit counters are numbers; past 2^53 they lose their last digits.
 */
import { formatIPv4 } from '../model/address.js';
import { type ServiceWithDestinations, type Stats, isFwmarkKey } from './model.js';

export interface TableJson {
  services: object[];
}

export function tableJson(
  table: readonly ServiceWithDestinations[],
  withStats: boolean,
): TableJson {
  return { services: table.map((svc) => serviceJson(svc, withStats)) };
}

function serviceJson(svc: ServiceWithDestinations, withStats: boolean): object {
  const k = svc.key;
  const persistent = svc.flags.includes('persistent');
  return {
    family: k.family,
    ...(isFwmarkKey(k)
      ? { fwmark: k.fwmark }
      : { protocol: k.protocol, address: k.address, port: k.port }),
    scheduler: svc.scheduler,
    flags: svc.flags.filter((f) => f !== 'hashed'),
    ...(persistent && {
      persistence: {
        timeout: svc.timeout,
        netmask: netmask(svc),
        ...(svc.pe && { engine: svc.pe }),
      },
    }),
    ...(withStats && { stats: statsJson(svc.stats) }),
    reals: svc.destinations.map((d) => ({
      address: d.address,
      port: d.port,
      forwarding: d.forward,
      weight: d.weight,
      upper_threshold: d.upperThreshold,
      lower_threshold: d.lowerThreshold,
      ...(d.forward === 'tunnel' && {
        tunnel: {
          type: d.tunnelType,
          ...(d.tunnelPort && { port: d.tunnelPort }),
          flags: [...d.tunnelFlags],
        },
      }),
      active_conns: d.activeConns,
      inactive_conns: d.inactiveConns,
      persistent_conns: d.persistentConns,
      ...(withStats && { stats: statsJson(d.stats) }),
    })),
  };
}

/** IPv4: the mask as an address; IPv6: the prefix length. */
function netmask(svc: ServiceWithDestinations): string | number {
  if (svc.key.family === 'ipv6') return svc.netmask;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, svc.netmask >>> 0);
  return formatIPv4(b);
}

function statsJson(s: Stats): Record<string, number> {
  return {
    conns: Number(s.conns),
    in_packets: Number(s.inPkts),
    out_packets: Number(s.outPkts),
    in_bytes: Number(s.inBytes),
    out_bytes: Number(s.outBytes),
    cps: Number(s.cps),
    in_pps: Number(s.inPps),
    out_pps: Number(s.outPps),
    in_bps: Number(s.inBps),
    out_bps: Number(s.outBps),
  };
}
