/**
 * What the importers (ipvsadm rules, keepalived.conf) read, in one shape, and
 * how it becomes an anycastd configuration document, pure. IPVS services that
 * share a VIP and everything else (scheduler, flags, persistence, forwarding,
 * real servers, checks) become one anycastd service with several ports;
 * whatever cannot be carried over is listed as a note, never dropped silently.
 */
import type { ForwardMethod, Protocol } from '../ipvs/model.js';

export interface ImportedReal {
  address: string;
  port: number;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  forward: ForwardMethod;
  /** anycastd check fields (the YAML mapping); none: anycastd's default check. */
  check?: Record<string, unknown> | undefined;
}

export interface ImportedService {
  /** Where it came from, for notes: `line 12`, `virtual_server 192.0.2.10 80`. */
  where: string;
  vip: string;
  protocol: Protocol;
  port: number;
  scheduler: string;
  /** anycastd service flags (one-packet, sh-*, mh-*). */
  flags: string[];
  persistence?: { timeout: number; netmask?: string | number | undefined } | undefined;
  tunnel?: { type: string; port?: number | undefined; flags: string[] } | undefined;
  reals: ImportedReal[];
}

export interface Imported {
  services: ImportedService[];
  timeouts?: { tcp?: number; tcp_fin?: number; udp?: number } | undefined;
  /** What could not be carried over, one line each. */
  notes: string[];
}

export interface Identity {
  name: string;
  routerId: string;
  asn: number;
  peers: { address: string; asn: number }[];
}

const FORWARDING: Record<ForwardMethod, string | undefined> = {
  dr: 'dr',
  nat: 'nat',
  tunnel: 'tunnel',
  local: undefined,
};

/** The YAML document (as plain data) for `imported`, and the notes it adds. */
export function toConfigDoc(imported: Imported, id: Identity): { doc: object; notes: string[] } {
  const notes = [...imported.notes];
  const groups = new Map<
    string,
    {
      svc: ImportedService;
      ports: { port: number; protocol: Protocol }[];
      forward: ForwardMethod;
      reals: Record<string, unknown>[];
    }
  >();
  const names = new Set<string>();
  for (const svc of imported.services) {
    if (svc.reals.length === 0) {
      notes.push(`${svc.where}: ${svc.vip}:${svc.port} has no real servers; not carried over`);
      continue;
    }
    const methods = [...new Set(svc.reals.map((r) => r.forward))];
    const forward = mostCommon(svc.reals.map((r) => r.forward));
    if (methods.length > 1)
      notes.push(
        `${svc.where}: real servers mix forwarding methods (${methods.join(', ')}); all use ${forward} (anycastd has one per service)`,
      );
    if (!FORWARDING[forward]) {
      notes.push(
        `${svc.where}: forwarding ${forward} has no anycastd equivalent; not carried over`,
      );
      continue;
    }
    const reals = svc.reals.map((r) => {
      const real: Record<string, unknown> = { address: r.address };
      if (r.port !== svc.port) {
        if (forward === 'nat') real.port = r.port;
        else
          notes.push(
            `${svc.where}: real server ${r.address} port ${r.port} differs from the service's ${svc.port}; only NAT changes ports, so it is dropped`,
          );
      }
      if (r.weight !== 1) real.weight = r.weight;
      if (r.upperThreshold) real.upper_threshold = r.upperThreshold;
      if (r.lowerThreshold) real.lower_threshold = r.lowerThreshold;
      if (r.check) real.check = r.check;
      return real;
    });
    // Real servers keep ports relative to the service, so services differing only in port group.
    const shape = JSON.stringify({
      vip: svc.vip,
      scheduler: svc.scheduler,
      flags: [...svc.flags].sort(),
      persistence: svc.persistence,
      tunnel: svc.tunnel,
      forward,
      reals: reals.map((r) => ({
        ...r,
        port: r.port === undefined ? undefined : Number(r.port) - svc.port,
      })),
    });
    const g = groups.get(shape);
    if (g && !g.ports.some((p) => p.port === svc.port && p.protocol === svc.protocol)) {
      g.ports.push({ port: svc.port, protocol: svc.protocol });
      continue;
    }
    if (!g)
      groups.set(shape, {
        svc,
        ports: [{ port: svc.port, protocol: svc.protocol }],
        forward,
        reals,
      });
  }
  const services: object[] = [];
  for (const { svc, ports, forward, reals } of groups.values()) {
    const base = `${svc.vip.replace(/[:.]/g, '-')}-${ports[0]?.port ?? 0}`;
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
    names.add(name);
    services.push({
      name,
      vip: svc.vip,
      ports: ports.map((p) => (p.protocol === 'tcp' ? { port: p.port } : p)),
      scheduler: svc.scheduler,
      ...(forward !== 'dr' && { forwarding: forward }),
      ...(svc.tunnel && forward === 'tunnel' && { tunnel: svc.tunnel }),
      ...(svc.flags.length > 0 && { flags: svc.flags }),
      ...(svc.persistence && {
        persistence: {
          timeout: svc.persistence.timeout,
          ...(svc.persistence.netmask !== undefined && { netmask: svc.persistence.netmask }),
        },
      }),
      reals,
    });
  }
  const doc = {
    director: { name: id.name, router_id: id.routerId },
    ...(imported.timeouts &&
      Object.keys(imported.timeouts).length > 0 && { ipvs_timeouts: imported.timeouts }),
    bgp: { asn: id.asn, peers: id.peers },
    services,
  };
  return { doc, notes };
}

function mostCommon<T>(values: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as T;
}
