/**
 * parseConfig: YAML-shaped input → the typed, frozen Config, or every
 * problem with its path and value. Structure comes from ./schema.ts; this
 * file adds what spans fields: defaults merged into checks and route
 * attributes, duplicate names, VIP:port:protocol and fwmarks, real servers
 * listed twice, thresholds that can never be met, flags that do not fit the
 * scheduler. Nothing is returned unless everything is right.
 */
import {
  type Announcement,
  type AnnouncementSpec,
  compareLarge,
  parseAnnouncement,
  sameAnnouncement,
} from '../bgp/announcement.js';
import { formatLargeCommunity, parseLargeCommunity } from '../bgp/communities.js';
import { checkSettings, type PeerSettings, type SpeakerSettings } from '../bgp/settings.js';
import type { SidecarMode } from '../bgp/speaker.js';
import { parseListen } from '../input/listen.js';
import { isLoopback } from '../model/address-scope.js';
import { type CheckSpec, parseCheck } from '../health/spec.js';
import type { Family, ServiceConfig, ServiceFlag } from '../ipvs/model.js';
import { service as ipvsService } from '../ipvs/validate.js';
import { ipv4PrefixMask, parseAddress, formatAddress } from '../model/address.js';
import { type Issue, InvalidInputError, fromZod, show } from '../input/issues.js';
import {
  type AnnouncePolicy,
  type Config,
  type FleetSettings,
  type RealServer,
  type Role,
  type SorryServer,
  type Threshold,
  type VirtualService,
  needed,
} from './model.js';
import {
  type RawConfig,
  type RawService,
  type RouteAttributesInput,
  bgpSchema,
  configSchema,
  defaultsSchema,
  serviceSchema,
} from './schema.js';
import { deepFreeze } from './deep-freeze.js';

/** What services are checked against: the defaults, and the BGP section when it parsed. */
interface Context {
  defaults: RawConfig['defaults'];
  bgp: RawConfig['bgp'] | undefined;
  role: Role;
}

export type ParseResult =
  { config: Config; issues?: undefined } | { config?: undefined; issues: Issue[] };

export function parseConfig(input: unknown): ParseResult {
  const r = configSchema.safeParse(input);
  if (!r.success) return { issues: [...fromZod(r.error, input), ...partialIssues(input)] };
  const raw = r.data;
  const issues: Issue[] = [];
  const listen = parseListen(raw.api.listen);
  if (!listen)
    issues.push({
      path: 'api.listen',
      message: `${show(raw.api.listen)} is not unix:///absolute/path or host:port`,
    });
  else if (listen.kind === 'tcp' && !listenIsLocal(listen.host) && raw.api.token_file === undefined)
    issues.push({
      path: 'api.listen',
      message:
        `${show(raw.api.listen)} is not on loopback, and without api.token_file anyone who ` +
        'can reach it could drain the director or reload it: set api.token_file, or listen on ' +
        '127.0.0.1, [::1] or a unix socket',
    });
  if (raw.include !== undefined)
    issues.push({
      path: 'include',
      message: 'is resolved when a file is loaded; this configuration came without its file',
    });
  const metricsListen = readOnlyListen(raw.metrics.listen, issues);
  const bgp = parseBgp(raw.bgp, raw.director.router_id, issues);
  const services = parseServices(
    { defaults: raw.defaults, bgp: raw.bgp, role: raw.director.role },
    raw.services.map((svc, i) => [i, svc] as const),
    issues,
  );
  if (issues.length > 0 || !bgp) return { issues };
  return {
    config: deepFreeze({
      director: {
        name: raw.director.name,
        routerId: raw.director.router_id,
        vipInterface:
          raw.director.vip_interface === 'none' ? undefined : raw.director.vip_interface,
      },
      api: { listen: raw.api.listen, tokenFile: raw.api.token_file },
      metrics: { listen: metricsListen },
      resyncIntervalMs: raw.resync_interval,
      ipvsSysctls: Object.fromEntries(
        Object.entries(raw.ipvs_sysctls).filter(([, v]) => v !== undefined),
      ),
      ipvsTimeouts: Object.fromEntries(
        (
          [
            ['tcp', raw.ipvs_timeouts.tcp],
            ['tcpFin', raw.ipvs_timeouts.tcp_fin],
            ['udp', raw.ipvs_timeouts.udp],
          ] as const
        ).flatMap(([k, ms]) => (ms === undefined ? [] : [[k, ms / 1000]])),
      ),
      stateFile: raw.state_file,
      notify: raw.notify.map((h) => ({
        command: h.command,
        on: h.on,
        user: h.user,
        group: h.group,
        timeoutMs: h.timeout,
        env: h.env,
      })),
      bgp,
      services,
    }),
  };
}

/**
 * A file with structural problems still gets the rules that span fields
 * checked on every part that parsed, so one run of `validate` reports all
 * it can instead of one layer at a time.
 */
function partialIssues(input: unknown): Issue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const doc = input as Record<string, unknown>;
  const issues: Issue[] = [];
  const defaults = defaultsSchema.safeParse(doc.defaults ?? {});
  const bgp = bgpSchema.safeParse(doc.bgp);
  if (bgp.success) {
    const director = doc.director as { router_id?: unknown } | undefined;
    const id = director?.router_id;
    // A bad director.router_id is reported already; a stand-in keeps it from being reported twice.
    const routerId =
      typeof id === 'string' && parseAddress(id)?.family === 'ipv4' ? id : '192.0.2.1';
    parseBgp(bgp.data, routerId, issues);
  }
  const services = Array.isArray(doc.services) ? (doc.services as unknown[]) : [];
  const parsed: (readonly [number, RawService])[] = [];
  services.forEach((svc, i) => {
    const r = serviceSchema.safeParse(svc);
    if (r.success) parsed.push([i, r.data]);
  });
  parseServices(
    {
      defaults: defaults.success ? defaults.data : defaultsSchema.parse({}),
      bgp: bgp.success ? bgp.data : undefined,
      role: partialRole(doc.director),
    },
    parsed,
    issues,
  );
  return issues;
}

function partialRole(director: unknown): Role {
  const role = (director as { role?: unknown } | undefined)?.role;
  return role === 'backup' ? 'backup' : 'primary';
}

/** Like parseConfig, but throws InvalidInputError listing every problem. */
export function parseConfigOrThrow(input: unknown, what = 'configuration'): Config {
  const r = parseConfig(input);
  if (r.issues) throw new InvalidInputError(what, r.issues);
  return r.config;
}

function parseBgp(
  b: RawConfig['bgp'],
  directorRouterId: string,
  issues: Issue[],
): Config['bgp'] | undefined {
  const speaker: SpeakerSettings = {
    asn: b.asn,
    routerId: b.router_id ?? directorRouterId,
    listenPort: b.listen_port,
    listenAddresses: b.listen_addresses,
    restartTime: Math.round(b.restart_time / 1000),
  };
  const peers: PeerSettings[] = b.peers.map((p) => {
    const hold = Math.round(p.hold_time / 1000);
    const keepalive = p.keepalive === undefined ? undefined : Math.round(p.keepalive / 1000);
    return {
      address: canonical(p.address),
      asn: p.asn,
      holdTime: hold,
      connectRetry: Math.round(p.connect_retry / 1000),
      passive: p.passive,
      ...(keepalive !== undefined && { keepalive }),
      ...(p.local_address !== undefined && { localAddress: canonical(p.local_address) }),
      ...(p.port !== undefined && { port: p.port }),
      ...(p.password !== undefined && { password: p.password }),
      ...(p.multihop_ttl !== undefined && { multihopTtl: p.multihop_ttl }),
      ...(p.families !== undefined && { families: p.families }),
      ...(p.description !== undefined && { description: p.description }),
    };
  });
  try {
    checkSettings(speaker, peers);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    // Reported under the config's own field names.
    for (const i of err.issues)
      issues.push({
        path: `bgp.${i.path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`,
        message: i.message,
      });
  }
  checkRouteAttributes(b.announce, 'bgp.announce', issues);
  checkRouteAttributes(b.draining, 'bgp.draining', issues);
  checkRouteAttributes(b.backup, 'bgp.backup', issues);
  const s = b.sidecar;
  const sidecar: SidecarMode =
    s.mode === 'spawn'
      ? { mode: 'spawn', stateDir: s.state_dir, binary: s.binary }
      : { mode: 'external', address: s.address, guard: s.guard };
  return {
    speaker,
    peers,
    sidecar,
    drainTimeMs: b.shutdown.drain_time,
    fleet: parseFleet(b, peers, issues),
  };
}

function parseFleet(
  b: RawConfig['bgp'],
  routers: readonly PeerSettings[],
  issues: Issue[],
): FleetSettings | undefined {
  const f = b.fleet;
  if (!f) return undefined;
  const marker = fleetMarker(b);
  if (!marker)
    issues.push({
      path: 'bgp.fleet.fail_open_community',
      message: `${show(f.fail_open_community)} is not a large community (ASN:number:number)`,
    });
  const seen = new Set<string>(routers.map((p) => p.address));
  const peers: PeerSettings[] = [];
  f.peers.forEach((address, i) => {
    const a = canonical(address);
    if (seen.has(a))
      issues.push({
        path: `bgp.fleet.peers[${i}]`,
        message: `${show(address)} is listed twice (as a router or another director)`,
      });
    seen.add(a);
    // Sessions among directors: quick to come up, no timers to tune.
    peers.push({ address: a, asn: f.asn ?? b.asn, holdTime: 9, connectRetry: 1, passive: false });
  });
  return marker ? { peers, settleMs: f.settle, marker } : undefined;
}

/** The fleet's fail-open large community, canonical; ASN:0:1 with this AS by default. */
function fleetMarker(b: RawConfig['bgp']): string | undefined {
  const parsed = parseLargeCommunity(b.fleet?.fail_open_community ?? `${b.asn}:0:1`);
  return parsed && formatLargeCommunity(parsed);
}

function parseServices(
  ctx: Context,
  services: readonly (readonly [number, RawService])[],
  issues: Issue[],
): VirtualService[] {
  const out: VirtualService[] = [];
  const names = new Map<string, number>();
  const endpoints = new Map<string, string>();
  /** The first service of each VIP (a lookup: a search of `out` was quadratic in services). */
  const byVip = new Map<string, VirtualService>();
  for (const [i, svc] of services) {
    const at = `services[${i}]`;
    const firstName = names.get(svc.name);
    if (firstName !== undefined)
      issues.push({
        path: `${at}.name`,
        message: `${show(svc.name)} is already the name of services[${firstName}]`,
      });
    else names.set(svc.name, i);
    checkRouteAttributes(svc.announce, `${at}.announce`, issues);
    const vs = parseService(ctx, svc, at, issues);
    if (!vs) continue;
    vs.services.forEach((s, j) => {
      const key = s.key;
      const id =
        'fwmark' in key
          ? `fwmark ${key.fwmark} (${key.family})`
          : `${key.protocol} ${vs.vip}:${key.port}`;
      const where = 'fwmark' in key ? `${at}.fwmark` : `${at}.ports[${j}]`;
      const first = endpoints.get(id);
      if (first !== undefined)
        issues.push({ path: where, message: `${id} is already used by ${first}` });
      else endpoints.set(id, where);
    });
    const sameVip = byVip.get(vs.vip);
    if (!sameVip) byVip.set(vs.vip, vs);
    else if (!sameAnnouncement(sameVip.announce.route, vs.announce.route))
      issues.push({
        path: `${at}.announce`,
        message: `route attributes differ from service ${show(sameVip.name)}, which has the same VIP ${vs.vip} (one VIP is one route)`,
      });
    out.push(vs);
  }
  return out;
}

function parseService(
  raw: Context,
  svc: RawService,
  at: string,
  issues: Issue[],
): VirtualService | undefined {
  const before = issues.length;
  const vipAddr = parseAddress(svc.vip);
  if (!vipAddr) return undefined;
  const family: Family = vipAddr.family;
  const vip = formatAddress(family, vipAddr.bytes);
  const scheduler = svc.scheduler ?? raw.defaults.scheduler;
  const forwarding = svc.forwarding ?? raw.defaults.forwarding;
  const flagNames = svc.flags ?? raw.defaults.flags;

  if ((svc.ports === undefined) === (svc.fwmark === undefined))
    issues.push({
      path: `${at}.ports`,
      message: 'give either ports or fwmark (exactly one of them)',
    });
  flagNames.forEach((f, j) => {
    const wants = f.startsWith('sh-') ? 'sh' : f.startsWith('mh-') ? 'mh' : undefined;
    if (wants && scheduler !== wants)
      issues.push({
        path: `${at}.flags[${j}]`,
        message: `${f} only applies to the ${wants} scheduler, not ${scheduler}`,
      });
  });
  if (svc.tunnel && forwarding !== 'tunnel')
    issues.push({
      path: `${at}.tunnel`,
      message: `only applies with forwarding: tunnel, not ${forwarding}`,
    });
  const tunnel = {
    type: svc.tunnel?.type ?? 'ipip',
    port: svc.tunnel?.port ?? 0,
    flags: svc.tunnel?.flags ?? [],
  } as const;
  if (tunnel.type === 'gue' && !tunnel.port)
    issues.push({ path: `${at}.tunnel.port`, message: 'is required for gue tunnels' });

  const flags: ServiceFlag[] = [...flagNames];
  // Draining is weight 0. Without mh-fallback the kernel's mh scheduler gives
  // a connection that hashes to a weight-0 real server no server at all (the
  // client is refused); with it, the next server in the table takes it.
  if (scheduler === 'mh' && !flags.includes('mh-fallback')) flags.push('mh-fallback');
  let timeout = 0;
  let netmask: number | undefined;
  if (svc.persistence) {
    flags.unshift('persistent');
    timeout = Math.max(1, Math.round(svc.persistence.timeout / 1000));
    netmask = parseNetmask(svc.persistence.netmask, family, `${at}.persistence.netmask`, issues);
  }
  const services: ServiceConfig[] = [];
  const common = {
    scheduler,
    flags,
    timeout,
    ...(netmask !== undefined && { netmask }),
    pe: svc.persistence?.engine,
  };
  for (const p of svc.ports ?? [])
    services.push(
      ipvsService({ key: { family, protocol: p.protocol, address: vip, port: p.port }, ...common }),
    );
  if (svc.fwmark !== undefined)
    services.push(ipvsService({ key: { family, fwmark: svc.fwmark }, ...common }));

  const reals = parseReals(raw, svc, family, forwarding, at, issues);
  const announce = parseAnnounce(raw, svc, vip, family, svc.reals.length, at, issues);
  if (issues.length > before || !announce) return undefined;
  const sorry = parseSorry(svc, family, forwarding, reals, at, issues);
  return { name: svc.name, vip, family, services, forwarding, tunnel, reals, sorry, announce };
}

/** The sorry server: like a real server (family, port rules), and not one of them. */
function parseSorry(
  svc: RawService,
  family: Family,
  forwarding: string,
  reals: readonly RealServer[],
  at: string,
  issues: Issue[],
): SorryServer | undefined {
  const s = svc.sorry_server;
  if (!s) return undefined;
  const path = `${at}.sorry_server`;
  const addr = parseAddress(s.address);
  if (!addr) return undefined;
  const address = formatAddress(addr.family, addr.bytes);
  if (addr.family !== family && forwarding !== 'tunnel')
    issues.push({
      path: `${path}.address`,
      message: `${show(s.address)} is not of the VIP's address family (only tunnels may cross families)`,
    });
  const onlyPort = svc.ports?.length === 1 ? svc.ports[0]?.port : undefined;
  if (s.port !== undefined && forwarding !== 'nat' && s.port !== onlyPort)
    issues.push({
      path: `${path}.port`,
      message: `${s.port} differs from the service port; only NAT can change the port`,
    });
  const port = s.port ?? 0;
  if (reals.some((r) => r.address === address && r.port === port))
    issues.push({
      path: `${path}.address`,
      message: `${address} is one of the service's real servers; a sorry server stands in for them`,
    });
  return {
    address,
    family: addr.family,
    port,
    weight: s.weight,
    upperThreshold: 0,
    lowerThreshold: 0,
  };
}

function parseReals(
  raw: Context,
  svc: RawService,
  family: Family,
  forwarding: string,
  at: string,
  issues: Issue[],
): RealServer[] {
  const reals: RealServer[] = [];
  const seen = new Map<string, number>();
  const onlyPort = svc.ports?.length === 1 ? svc.ports[0]?.port : undefined;
  svc.reals.forEach((r, j) => {
    const rat = `${at}.reals[${j}]`;
    const addr = parseAddress(r.address);
    if (!addr) return;
    const address = formatAddress(addr.family, addr.bytes);
    if (addr.family !== family && forwarding !== 'tunnel')
      issues.push({
        path: `${rat}.address`,
        message: `${show(r.address)} is not of the VIP's address family (only tunnels may cross families)`,
      });
    if (r.port !== undefined && svc.ports && svc.ports.length > 1)
      issues.push({
        path: `${rat}.port`,
        message:
          'cannot be set when the service has several ports (each port goes to the same port)',
      });
    if (
      r.port !== undefined &&
      forwarding !== 'nat' &&
      onlyPort !== undefined &&
      r.port !== onlyPort
    )
      issues.push({
        path: `${rat}.port`,
        message: `${r.port} differs from the service port ${onlyPort}; only NAT can change the port`,
      });
    if (r.lower_threshold > 0 && r.upper_threshold > 0 && r.lower_threshold > r.upper_threshold)
      issues.push({
        path: `${rat}.lower_threshold`,
        message: `${r.lower_threshold} is above upper_threshold ${r.upper_threshold}`,
      });
    const port = r.port ?? 0;
    const id = `${address}:${port}`;
    const first = seen.get(id);
    if (first !== undefined)
      issues.push({
        path: `${rat}.address`,
        message: `${address}${port ? `:${port}` : ''} is already ${at}.reals[${first}]`,
      });
    else seen.set(id, j);

    const levels: [unknown, string][] = [
      [raw.defaults.check, 'defaults.check'],
      [svc.check, `${at}.check`],
      [r.check, `${rat}.check`],
    ];
    const merged = mergeChecks(levels);
    if ('issue' in merged) {
      if (!issues.some((i) => i.path === merged.issue.path)) issues.push(merged.issue);
      return;
    }
    // Several ports: the check (when it names none) probes the first.
    const checkPort = r.port ?? svc.ports?.[0]?.port;
    if (merged.checks.length === 0 && checkPort === undefined) {
      const issue = {
        path: `${at}.check`,
        message: 'is required: without a port (fwmark service) there is no default TCP check',
      };
      if (!issues.some((i) => i.path === issue.path)) issues.push(issue);
      return;
    }
    const given = merged.checks.length
      ? merged.checks
      : [{ input: { type: 'tcp' }, path: 'defaults.check' }];
    const checks: CheckSpec[] = [];
    for (const { input, path } of given) {
      const parsed = parseCheck(input, { address, port: checkPort }, path);
      if (parsed.issues) {
        // A check shared by every real server would report the same problem for each.
        for (const issue of parsed.issues)
          if (!issues.some((i) => i.path === issue.path && i.message === issue.message))
            issues.push(issue);
        continue;
      }
      checks.push(parsed.spec);
    }
    if (checks.length !== given.length) return;
    reals.push({
      address,
      family: addr.family,
      port,
      weight: r.weight,
      upperThreshold: r.upper_threshold,
      lowerThreshold: r.lower_threshold,
      check: checks[0] as CheckSpec,
      checks,
    });
  });
  // Canonical order: by family, address bytes, then port.
  return reals.sort(compareReals);
}

function parseAnnounce(
  raw: Context,
  svc: RawService,
  vip: string,
  family: Family,
  realCount: number,
  at: string,
  issues: Issue[],
): AnnouncePolicy | undefined {
  const a = svc.announce ?? {};
  const minPath =
    svc.announce?.min_healthy !== undefined
      ? `${at}.announce.min_healthy`
      : 'defaults.announce.min_healthy';
  const minHealthy = threshold(a.min_healthy ?? raw.defaults.announce.min_healthy);
  const reannounceHealthy = threshold(
    a.reannounce_healthy ??
      raw.defaults.announce.reannounce_healthy ??
      a.min_healthy ??
      raw.defaults.announce.min_healthy,
  );
  if ('count' in minHealthy && minHealthy.count > realCount)
    issues.push({
      path: minPath,
      message: `${minHealthy.count} healthy real servers can never be met: ${at} has ${realCount}`,
    });
  const reannounceSet =
    a.reannounce_healthy !== undefined || raw.defaults.announce.reannounce_healthy !== undefined;
  if (reannounceSet && 'count' in reannounceHealthy && reannounceHealthy.count > realCount)
    issues.push({
      path: `${at}.announce.reannounce_healthy`,
      message: `${reannounceHealthy.count} healthy real servers can never be met: ${at} has ${realCount}`,
    });
  if (needed(reannounceHealthy, realCount) < needed(minHealthy, realCount))
    issues.push({
      path: `${at}.announce.reannounce_healthy`,
      message: `must not be below min_healthy (${show(a.min_healthy ?? raw.defaults.announce.min_healthy)})`,
    });
  // Without a usable bgp section (partial check of a broken file) routes cannot be judged.
  const bgp = raw.bgp;
  if (!bgp) return undefined;
  const own = pickRoute(a);
  const role = a.role ?? raw.role;
  // The backup attributes win over the VIP's own: a backup must stay the worse route.
  const backup = role === 'backup' ? bgp.backup : {};
  const base = {
    ...bgp.announce,
    ...own,
    ...backup,
    communities: [
      ...(own.communities ?? bgp.announce.communities ?? []),
      ...(backup.communities ?? []),
    ],
  };
  const draining = {
    ...base,
    ...bgp.draining,
    communities: [...(base.communities ?? []), ...(bgp.draining.communities ?? [])],
  };
  // Attribute syntax is checked where it is written (see checkRouteAttributes);
  // what is left here is a next hop of the wrong family for this VIP.
  const found: Issue[] = [];
  const parsedRoute = parseAnnouncement(routeSpec(vip, family, bgp.asn, base), '', found);
  const parsedDraining = parseAnnouncement(routeSpec(vip, family, bgp.asn, draining), '', found);
  for (const f of found) {
    if (!f.path.startsWith('.nextHop')) continue;
    const from =
      own.next_hop !== undefined
        ? `${at}.announce`
        : bgp.draining.next_hop !== undefined && !parsedDraining
          ? 'bgp.draining'
          : 'bgp.announce';
    const issue = { path: `${from}.next_hop`, message: `${f.message} (the VIP ${vip} is)` };
    if (!issues.some((i) => i.path === issue.path && i.message === issue.message))
      issues.push(issue);
  }
  if (!parsedRoute || !parsedDraining) return undefined;
  const marker = bgp.fleet ? fleetMarker(bgp) : undefined;
  const failOpenRoute: Announcement = marker
    ? {
        ...parsedRoute,
        largeCommunities: [...new Set([...parsedRoute.largeCommunities, marker])].sort(
          compareLarge,
        ),
      }
    : parsedRoute;
  return {
    minHealthy,
    reannounceHealthy,
    role,
    route: parsedRoute,
    drainingRoute: parsedDraining,
    failOpen: a.fail_open ?? raw.defaults.announce.fail_open,
    failOpenRoute,
  };
}

/** Communities, large communities and the next hop's form, where they are written. */
function checkRouteAttributes(
  a: RouteAttributesInput | undefined,
  at: string,
  issues: Issue[],
): void {
  if (!a) return;
  const found: Issue[] = [];
  parseAnnouncement(
    {
      prefix:
        a.next_hop !== undefined && parseAddress(a.next_hop)?.family === 'ipv6' ? '::1' : '0.0.0.1',
      communities: a.communities ?? [],
      largeCommunities: a.large_communities ?? [],
      ...(a.next_hop !== undefined && { nextHop: a.next_hop }),
    },
    '',
    found,
  );
  const names: Record<string, string> = {
    largeCommunities: 'large_communities',
    nextHop: 'next_hop',
  };
  for (const f of found)
    issues.push({
      path: at + f.path.replace(/^\.(\w+)/, (_m, k: string) => `.${names[k] ?? k}`),
      message: f.message,
    });
}

function threshold(v: number | string): Threshold {
  return typeof v === 'number' ? { count: v } : { percent: Number(v.slice(0, -1)) };
}

function pickRoute(a: RouteAttributesInput): RouteAttributesInput {
  const out: RouteAttributesInput = {};
  for (const k of [
    'next_hop',
    'origin',
    'med',
    'local_pref',
    'communities',
    'large_communities',
    'prepend',
  ] as const) {
    if (a[k] !== undefined) (out as Record<string, unknown>)[k] = a[k];
  }
  return out;
}

function routeSpec(
  vip: string,
  family: Family,
  asn: number,
  a: RouteAttributesInput,
): AnnouncementSpec {
  return {
    prefix: `${vip}/${family === 'ipv4' ? 32 : 128}`,
    ...(a.next_hop !== undefined && { nextHop: a.next_hop }),
    ...(a.origin !== undefined && { origin: a.origin }),
    ...(a.med !== undefined && { med: a.med }),
    ...(a.local_pref !== undefined && { localPref: a.local_pref }),
    communities: a.communities ?? [],
    largeCommunities: a.large_communities ?? [],
    asPath: Array.from({ length: a.prepend ?? 0 }, () => asn),
  };
}

/**
 * Checks inherit field by field: defaults.check, then the service's, then the
 * real server's. A level that names a different type starts afresh. A level
 * may give a list of checks instead (all must pass, as keepalived's several
 * checkers of one real server): the list replaces what is above it, and a
 * single check below a list is refused (which of them would it refine?).
 */
function mergeChecks(
  levels: readonly [unknown, string][],
): { checks: { input: unknown; path: string }[] } | { issue: Issue } {
  let merged: Record<string, unknown> | undefined;
  let at = '';
  let list: { input: unknown; path: string }[] | undefined;
  for (const [level, path] of levels) {
    if (level === undefined) continue;
    if (Array.isArray(level)) {
      if (level.length === 0) return { issue: { path, message: 'must list at least 1 check' } };
      list = level.map((input: unknown, i) => ({ input, path: `${path}[${i}]` }));
      merged = undefined;
      continue;
    }
    if (list)
      return {
        issue: {
          path,
          message: `cannot refine the list of checks at ${list[0]?.path.replace(/\[0\]$/, '')}: give a list here too`,
        },
      };
    if (typeof level !== 'object' || level === null) return { checks: [{ input: level, path }] };
    const l = level as Record<string, unknown>;
    merged =
      merged && (l.type === undefined || l.type === merged.type) ? { ...merged, ...l } : { ...l };
    at = path;
  }
  if (list) return { checks: list };
  // None when no level has one: the caller defaults to a TCP connect.
  return { checks: merged ? [{ input: merged, path: at }] : [] };
}

function parseNetmask(
  v: number | string | undefined,
  family: Family,
  path: string,
  issues: Issue[],
): number | undefined {
  if (v === undefined) return undefined;
  if (family === 'ipv6') {
    if (typeof v === 'number' && v >= 1 && v <= 128) return v;
    issues.push({ path, message: `${show(v)} is not an IPv6 prefix length (1..128)` });
    return undefined;
  }
  // 0 (every client one, as the kernel, ipvsadm and keepalived allow) up to /32.
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 32) return ipv4PrefixMask(v);
    issues.push({ path, message: `${show(v)} is not an IPv4 prefix length (0..32)` });
    return undefined;
  }
  const addr = parseAddress(v);
  const mask = addr?.family === 'ipv4' ? Buffer.from(addr.bytes).readUInt32BE(0) : undefined;
  // Contiguous ones, then zeros: ~mask + 1 is a power of two (or zero, for 0.0.0.0).
  if (mask === undefined || ((~mask >>> 0) & ((~mask >>> 0) + 1)) !== 0) {
    issues.push({
      path,
      message: `${show(v)} is not an IPv4 netmask (e.g. "255.255.255.0" or 24)`,
    });
    return undefined;
  }
  return mask;
}

function canonical(text: string): string {
  const a = parseAddress(text);
  return a ? formatAddress(a.family, a.bytes) : text;
}

function compareReals(a: RealServer, b: RealServer): number {
  if (a.family !== b.family) return a.family === 'ipv4' ? -1 : 1;
  const x = parseAddress(a.address)?.bytes ?? new Uint8Array();
  const y = parseAddress(b.address)?.bytes ?? new Uint8Array();
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.port - b.port;
}

/** Loopback by address, or the name `localhost`, which resolves to nothing else. */
/** metrics.listen as `host:port`: a bare port is on 127.0.0.1; TCP only. */
function readOnlyListen(given: string | number | undefined, issues: Issue[]): string | undefined {
  if (given === undefined) return undefined;
  const text = typeof given === 'number' || /^\d+$/.test(given) ? `127.0.0.1:${given}` : given;
  const listen = parseListen(text);
  if (!listen || listen.kind !== 'tcp') {
    issues.push({
      path: 'metrics.listen',
      message: `${show(given)} is not host:port, [v6]:port or a port (on 127.0.0.1)`,
    });
    return undefined;
  }
  return text;
}

function listenIsLocal(host: string): boolean {
  if (host === 'localhost') return true;
  const a = parseAddress(host);
  return a !== undefined && isLoopback(a);
}
