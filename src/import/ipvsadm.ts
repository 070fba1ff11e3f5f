/**
 * `anycastd import ipvsadm`: ipvsadm rules (what `ipvsadm -S` writes) into
 * the importers' shape, pure. The rules are replayed in order on an empty
 * table (a later -D, -E, -d or -e changes what an earlier line made), and the
 * table at the end is what is imported.
 */
import { formatIPv4 } from '../model/address.js';
import {
  type ServiceConfig,
  type ServiceKey,
  isFwmarkKey,
  serviceKeyString,
} from '../ipvs/model.js';
import type { DestinationConfig } from '../ipvs/model.js';
import type { RuleOp } from '../ipvs/ipvsadm/rules.js';
import type { Imported, ImportedService } from './model.js';

const CARRIED_FLAGS = new Set(['one-packet', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port']);

export function importIpvsadm(ops: readonly RuleOp[]): Imported {
  const notes: string[] = [];
  const table = new Map<
    string,
    { service: ServiceConfig; line: number; dests: Map<string, DestinationConfig> }
  >();
  let timeouts: Imported['timeouts'];
  const at = (line: number) => `line ${line}`;
  for (const { op, line } of ops) {
    switch (op.type) {
      case 'add-service':
      case 'edit-service': {
        const k = serviceKeyString(op.service.key);
        const old = table.get(k);
        table.set(k, {
          service: op.service,
          line: old?.line ?? line,
          dests: old?.dests ?? new Map<string, DestinationConfig>(),
        });
        break;
      }
      case 'delete-service':
        table.delete(serviceKeyString(op.service));
        break;
      case 'add-destination':
      case 'edit-destination':
        table
          .get(serviceKeyString(op.service))
          ?.dests.set(`${op.destination.address}|${op.destination.port}`, op.destination);
        break;
      case 'delete-destination':
        table
          .get(serviceKeyString(op.service))
          ?.dests.delete(`${op.destination.address}|${op.destination.port}`);
        break;
      case 'flush':
        table.clear();
        break;
      case 'set-timeouts': {
        const t = op.timeouts;
        timeouts = {
          ...timeouts,
          ...(t.tcp && { tcp: t.tcp }),
          ...(t.tcpFin && { tcp_fin: t.tcpFin }),
          ...(t.udp && { udp: t.udp }),
        };
        break;
      }
      case 'zero':
        break;
      case 'start-daemon':
      case 'stop-daemon':
        notes.push(
          `${at(line)}: connection sync daemons are not part of an anycastd configuration (start them with ipvsadm)`,
        );
        break;
    }
  }
  const services: ImportedService[] = [];
  for (const { service, line, dests } of table.values()) {
    const key: ServiceKey = service.key;
    if (isFwmarkKey(key)) {
      notes.push(
        `${at(line)}: fwmark service ${key.fwmark} has no VIP to announce; add it by hand (services[].fwmark with a vip)`,
      );
      continue;
    }
    const flags = service.flags.filter((f) => CARRIED_FLAGS.has(f));
    if (service.pe && service.pe !== 'sip')
      notes.push(`${at(line)}: persistence engine ${service.pe} is not supported`);
    const persistent = service.flags.includes('persistent');
    if (service.pe === 'sip' && !persistent)
      notes.push(`${at(line)}: persistence engine sip without persistence does nothing; dropped`);
    services.push({
      where: at(line),
      vip: key.address,
      protocol: key.protocol,
      port: key.port,
      scheduler: service.scheduler,
      flags,
      persistence: persistent
        ? {
            timeout: service.timeout,
            netmask: netmaskOf(key.family, service.netmask),
            ...(service.pe === 'sip' && { engine: 'sip' as const }),
          }
        : undefined,
      reals: [...dests.values()].map((d) => ({
        address: d.address,
        port: d.port,
        weight: d.weight,
        upperThreshold: d.upperThreshold,
        lowerThreshold: d.lowerThreshold,
        forward: d.forward,
        ...(d.forward === 'tunnel' && {
          tunnel: {
            type: d.tunnelType,
            ...(d.tunnelPort && { port: d.tunnelPort }),
            flags: [...d.tunnelFlags],
          },
        }),
      })),
    });
  }
  notes.push(
    "ipvsadm rules hold no health checks: every real server gets anycastd's default (a TCP connect to its port every 2 s)",
  );
  return { services, timeouts, notes };
}

/** The persistence netmask as the configuration writes it; undefined for the default (/32, /128). */
function netmaskOf(family: 'ipv4' | 'ipv6', netmask: number): string | number | undefined {
  if (family === 'ipv6') return netmask && netmask !== 128 ? netmask : undefined;
  if (netmask === 0 || netmask === 0xffffffff) return undefined;
  const bytes = new Uint8Array([
    netmask >>> 24,
    (netmask >>> 16) & 255,
    (netmask >>> 8) & 255,
    netmask & 255,
  ]);
  return formatIPv4(bytes);
}
