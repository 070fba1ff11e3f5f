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
  /** With forward tunnel: the encapsulation (anycastd has one per service). */
  tunnel?: ImportedTunnel | undefined;
  /** anycastd check fields (the YAML mapping), or several; none: anycastd's default check. */
  check?: Record<string, unknown> | Record<string, unknown>[] | undefined;
}

export interface ImportedTunnel {
  type: string;
  port?: number | undefined;
  flags: string[];
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
  /** The sorry server (address, port), when there is one. */
  sorry?: { address: string; port: number } | undefined;
  /** Announce thresholds (keepalived's quorum), when not the defaults. */
  announce?: { min_healthy: number; reannounce_healthy?: number } | undefined;
  persistence?:
    | { timeout: number; netmask?: string | number | undefined; engine?: 'sip' | undefined }
    | undefined;
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

/** Check types that probe no port: the service's ports do not change what they see. */
const PORTLESS_CHECKS = new Set(['exec', 'icmp', 'file']);

/** The YAML document (as plain data) for `imported`, and the notes it adds. */
export function toConfigDoc(
  imported: Imported,
  id: Identity,
): { doc: { services: object[] }; notes: string[] } {
  const notes = [...imported.notes];
  const groups = new Map<
    string,
    {
      svc: ImportedService;
      ports: { port: number; protocol: Protocol }[];
      forward: ForwardMethod;
      tunnel: Record<string, unknown> | undefined;
      reals: Record<string, unknown>[];
      unchecked: boolean;
    }
  >();
  const names = new Set<string>();
  const keys = new Map<string, string>();
  for (const svc of imported.services) {
    const key = `${svc.vip}|${svc.port}|${svc.protocol}`;
    const earlier = keys.get(key);
    if (earlier !== undefined) {
      notes.push(
        `${svc.where}: ${svc.vip}:${svc.port}/${svc.protocol} is already ${earlier}; only the first is carried over`,
      );
      continue;
    }
    keys.set(key, svc.where);
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
    const tunnel = forward === 'tunnel' ? tunnelOf(svc, notes) : undefined;
    if (svc.sorry && svc.sorry.port !== svc.port && forward !== 'nat')
      notes.push(
        `${svc.where}: sorry server ${svc.sorry.address} port ${svc.sorry.port} differs from the service's ${svc.port}; only NAT changes ports, so it is dropped`,
      );
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
    // A check that probes the real server's port judges one port: services
    // on other ports keep their own checks (keepalived checks each), so they
    // stay apart. Real servers keep ports relative to the service, so
    // services differing only in port group.
    const portBound = svc.reals.some((r) =>
      [r.check ?? []]
        .flat()
        .some((c) => c.port === undefined && !PORTLESS_CHECKS.has(String(c.type))),
    );
    const shape = JSON.stringify({
      vip: svc.vip,
      ...(portBound && { port: svc.port, protocol: svc.protocol }),
      scheduler: svc.scheduler,
      flags: [...svc.flags].sort(),
      persistence: svc.persistence,
      announce: svc.announce,
      sorry: svc.sorry,
      tunnel,
      forward,
      reals: reals.map((r) => ({
        ...r,
        port: r.port === undefined ? undefined : Number(r.port) - svc.port,
      })),
    });
    const g = groups.get(shape);
    if (g) {
      g.ports.push({ port: svc.port, protocol: svc.protocol });
      continue;
    }
    groups.set(shape, {
      svc,
      ports: [{ port: svc.port, protocol: svc.protocol }],
      forward,
      tunnel,
      reals,
      unchecked: svc.reals.some((r) => r.check === undefined),
    });
  }
  const services: object[] = [];
  for (const { svc, ports, forward, tunnel, reals, unchecked } of groups.values()) {
    const base = `${svc.vip.replace(/[:.]/g, '-')}-${ports[0]?.port ?? 0}`;
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
    names.add(name);
    if (ports.length > 1 && unchecked)
      notes.push(
        `${svc.where}: ports ${ports.map((p) => p.port).join(', ')} of ${svc.vip} are one service; its real servers without a check get anycastd's default, a TCP connect to port ${ports[0]?.port} only`,
      );
    services.push({
      name,
      vip: svc.vip,
      ports: ports.map((p) => (p.protocol === 'tcp' ? { port: p.port } : p)),
      scheduler: svc.scheduler,
      ...(forward !== 'dr' && { forwarding: forward }),
      ...(tunnel && { tunnel }),
      ...(svc.flags.length > 0 && { flags: svc.flags }),
      ...(svc.persistence && {
        persistence: {
          timeout: svc.persistence.timeout,
          ...(svc.persistence.netmask !== undefined && { netmask: svc.persistence.netmask }),
          ...(svc.persistence.engine && { engine: svc.persistence.engine }),
        },
      }),
      reals,
      ...(svc.sorry && {
        sorry_server: {
          address: svc.sorry.address,
          ...(svc.sorry.port !== svc.port && forward === 'nat' && { port: svc.sorry.port }),
        },
      }),
      ...(svc.announce && { announce: svc.announce }),
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

/**
 * The service's tunnel from its tunnelled real servers: the most common
 * setting, named when they differ; nothing for plain ipip, the default.
 */
function tunnelOf(svc: ImportedService, notes: string[]): Record<string, unknown> | undefined {
  const tunnelled = svc.reals.filter((r) => r.forward === 'tunnel');
  const text = (t: ImportedTunnel | undefined) =>
    t ? [t.type, t.port ? `port ${t.port}` : '', ...t.flags].filter(Boolean).join(' ') : 'ipip';
  const settings = tunnelled.map((r) => text(r.tunnel));
  const chosen = mostCommon(settings);
  if (new Set(settings).size > 1)
    notes.push(
      `${svc.where}: real servers use different tunnels (${[...new Set(settings)].join('; ')}); all use ${chosen} (anycastd has one per service)`,
    );
  const t = tunnelled.find((r) => text(r.tunnel) === chosen)?.tunnel;
  if (!t || (t.type === 'ipip' && t.flags.length === 0)) return undefined;
  return {
    type: t.type,
    ...(t.port && { port: t.port }),
    ...(t.flags.length > 0 && { flags: [...t.flags] }),
  };
}

function mostCommon<T>(values: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as T;
}
