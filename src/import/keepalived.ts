/**
 * `anycastd import keepalived`: keepalived.conf's virtual servers, real
 * servers and checkers (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, DNS_CHECK,
 * UDP_CHECK) into the importers' shape, pure. keepalived's timers map as
 * keepalived applies them: a checker runs every delay_loop, each attempt may
 * take connect_timeout, a failure is retried `retry` times delay_before_retry
 * apart before the server is down (fall = retry + 1), and one success brings
 * it back (rise = 1). Each timer is taken from the checker, else the real
 * server, else the virtual server, else keepalived's default for that kind of
 * checker (keepalived 2.2.7: retry 1, MISC_CHECK 0, DNS_CHECK 3;
 * delay_before_retry 1 s, HTTP_GET and SSL_GET 3 s, DNS_CHECK delay_loop;
 * connect_timeout 5 s; misc_timeout delay_loop; delay_loop 60 s; HTTP
 * status 200-299).
 */
import { canonicalAddress } from '../model/address.js';
import { type ForwardMethod, type Protocol, SCHEDULERS } from '../ipvs/model.js';
import type { Statement } from './keepalived-conf.js';
import type { Imported, ImportedReal, ImportedService, ImportedTunnel } from './model.js';

const KNOWN_SCHEDULERS = new Set<string>(SCHEDULERS);
const KINDS: Record<string, ForwardMethod> = { NAT: 'nat', DR: 'dr', TUN: 'tunnel' };
const FLAG_KEYS: Record<string, string> = {
  ops: 'one-packet',
  'sh-port': 'sh-port',
  'sh-fallback': 'sh-fallback',
  'mh-port': 'mh-port',
  'mh-fallback': 'mh-fallback',
};
const CHECKERS = new Set([
  'PING_CHECK',
  'TCP_CHECK',
  'HTTP_GET',
  'SSL_GET',
  'MISC_CHECK',
  'DNS_CHECK',
  'UDP_CHECK',
  'FILE_CHECK',
]);
/** Known and deliberately left behind, with why. */
const NOT_CARRIED: Record<string, string> = {
  quorum_up:
    'not run: anycastd announces the VIP while the quorum (announce.min_healthy) holds and withdraws it when it is lost',
  quorum_down:
    'not run: anycastd announces the VIP while the quorum (announce.min_healthy) holds and withdraws it when it is lost',
  alpha:
    'nothing to carry: anycastd keeps a new real server at weight 0 until its check passes (check.initial: unknown)',
  omega:
    'nothing to carry: on a clean stop anycastd runs its notify hooks for the VIPs it withdraws',
  ha_suspend: 'nothing to carry: there is no VRRP',
  smtp_alert:
    'not carried: anycastd sends no e-mail; its notify hooks and alert rules (examples/monitoring) can',
  notify_up:
    "not carried: anycastd's notify hooks are set once for the director (notify:), with the real server and its state in the environment",
  notify_down:
    "not carried: anycastd's notify hooks are set once for the director (notify:), with the real server and its state in the environment",
  SMTP_CHECK: 'no SMTP check in anycastd; a tcp check with expect "220" comes close',
  BFD_CHECK: 'no BFD check in anycastd',
};

const num = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};
/** A port 0..65535 as keepalived writes one; undefined for anything else. */
const portNumber = (s: string | undefined): number | undefined => {
  const n = num(s);
  return n !== undefined && Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
};

export function importKeepalived(
  statements: readonly Statement[],
): Imported & { routerId?: string } {
  const notes: string[] = [];
  const services: ImportedService[] = [];
  let routerId: string | undefined;
  const note = (s: Statement, text: string) => notes.push(`line ${s.line}: ${s.key}: ${text}`);
  const tracked = trackFiles(statements, note);
  for (const s of statements) {
    switch (s.key) {
      case 'track_file':
      case 'vrrp_track_file':
        break;
      case 'global_defs':
        routerId = s.block?.find((g) => g.key === 'router_id')?.args[0];
        if (s.block?.some((g) => g.key !== 'router_id'))
          note(s, "only router_id is used (as director.name); the rest is keepalived's own");
        break;
      case 'virtual_server': {
        const vs = virtualServer(s, tracked, note);
        if (vs) services.push(vs);
        break;
      }
      case 'vrrp_instance':
      case 'vrrp_sync_group':
      case 'vrrp_script':
        note(
          s,
          'VRRP is not carried over: anycastd announces VIPs through BGP; for a stand-by director use director.role: backup',
        );
        break;
      case 'include':
        note(s, `${s.args.join(' ')} is not read: import the included file on its own`);
        break;
      default:
        note(s, 'not carried over');
    }
  }
  return { services, notes, ...(routerId && { routerId }) };
}

function virtualServer(
  s: Statement,
  tracked: ReadonlyMap<string, TrackFile>,
  note: (s: Statement, text: string) => void,
): ImportedService | undefined {
  const [first, second] = s.args;
  if (first === 'fwmark' || first === 'group') {
    note(
      s,
      `${first} ${second ?? ''}: ${first === 'fwmark' ? 'a fwmark service has no VIP to announce; add it by hand (services[].fwmark with a vip)' : 'virtual_server_group is not carried over; list its VIPs as services'}`,
    );
    return undefined;
  }
  const vip = canonicalAddress(first ?? '');
  const port = portNumber(second ?? '0');
  if (vip && port === 0) {
    note(
      s,
      `${first} port 0 (every port of the VIP, made persistent by keepalived) has no anycastd equivalent; use a fwmark service (services[].fwmark with a vip); not carried over`,
    );
    return undefined;
  }
  if (!vip || port === undefined) {
    note(s, `"${s.args.join(' ')}" is not an address and port; not carried over`);
    return undefined;
  }
  const where = `line ${s.line}: virtual_server ${first} ${second}`;
  const body = s.block ?? [];
  const get = (k: string) => body.find((b) => b.key === k)?.args[0];
  let scheduler = (get('lb_algo') ?? get('lvs_sched') ?? 'wlc').toLowerCase();
  if (!KNOWN_SCHEDULERS.has(scheduler)) {
    note(s, `scheduler ${scheduler} is unknown; wlc used`);
    scheduler = 'wlc';
  }
  // keepalived's default when no lvs_method is read: NAT.
  let vsForwarding: Forwarding = { forward: 'nat', tunnel: undefined };
  for (const b of body.filter((b) => b.key === 'lb_kind' || b.key === 'lvs_method'))
    vsForwarding = forwardingOf(b, vsForwarding, note) ?? vsForwarding;
  const protocol = protocolOf(s, body, note);
  const { persistence, granularity } = persistenceOf(body, vip.family, note);
  const flags: string[] = [];
  for (const b of body.filter((b) => FLAG_KEYS[b.key])) {
    // keepalived resets one-packet scheduling on anything but UDP.
    if (b.key === 'ops' && protocol !== 'udp')
      note(
        b,
        `one-packet scheduling requires UDP; keepalived resets it on ${protocol}, and so does this`,
      );
    else flags.push(FLAG_KEYS[b.key] as string);
  }
  const defaults = {
    tracked,
    delayLoop: num(get('delay_loop')) ?? 60,
    virtualhost: get('virtualhost'),
    retry: num(get('retry')),
    delayBeforeRetry: num(get('delay_before_retry')),
    connectTimeout: num(get('connect_timeout')),
  };
  const reals: ImportedReal[] = [];
  for (const b of body) {
    if (b.key === 'real_server') {
      const r = realServer(b, port, vsForwarding, protocol, defaults, note);
      if (!r) continue;
      // keepalived keeps the first of two real servers with one address and port.
      if (reals.some((x) => x.address === r.address && x.port === r.port))
        note(
          b,
          `${r.address} port ${r.port} is already a real server here; keepalived removes the second, and so does this`,
        );
      else reals.push(r);
    } else if (NOT_CARRIED[b.key]) note(b, NOT_CARRIED[b.key] as string);
    else if (
      ![
        'delay_loop',
        'lb_algo',
        'lvs_sched',
        'lb_kind',
        'lvs_method',
        'protocol',
        'persistence_timeout',
        'persistence_granularity',
        'virtualhost',
        'retry',
        'delay_before_retry',
        'connect_timeout',
        'quorum',
        'hysteresis',
        'sorry_server',
        'sorry_server_inhibit',
        'sorry_server_lvs_method',
        ...Object.keys(FLAG_KEYS),
      ].includes(b.key)
    )
      note(b, 'not carried over');
  }
  const sorry = sorryOf(body, vsForwarding.forward, port, note);
  const announce = sorry ? sorryAnnounce(body, note) : quorumOf(body, reals, note);
  return {
    where,
    vip: vip.address,
    protocol,
    port,
    scheduler,
    flags,
    ...(announce && { announce }),
    ...(sorry && { sorry }),
    persistence:
      persistence !== undefined
        ? { timeout: persistence, ...(granularity !== undefined && { netmask: granularity }) }
        : undefined,
    reals,
  };
}

/**
 * keepalived's quorum (default 1) and hysteresis (default 0) as announce
 * thresholds: keepalived holds the quorum while the weights of live real
 * servers sum to at least quorum - hysteresis and regains it at quorum +
 * hysteresis; anycastd counts healthy real servers, so the sums become counts
 * through the real servers' weight. keepalived only runs scripts and the sorry
 * server on the quorum; here losing it withdraws the VIP, which is what
 * anycast directors use quorum_down for.
 */
function quorumOf(
  body: readonly Statement[],
  reals: readonly ImportedReal[],
  note: (s: Statement, text: string) => void,
): ImportedService['announce'] {
  const q = body.find((b) => b.key === 'quorum');
  const h = body.find((b) => b.key === 'hysteresis');
  if (!q && !h) return undefined;
  const at = (q ?? h) as Statement;
  const quorum = num(q?.args[0]) ?? 1;
  const hysteresis = Math.min(num(h?.args[0]) ?? 0, quorum);
  const weights = reals.map((r) => r.weight).filter((w) => w > 0);
  if (weights.length === 0) {
    note(at, 'no real server with a weight: the quorum is not carried over');
    return undefined;
  }
  const weight = Math.min(...weights);
  const count = (sum: number) => Math.max(1, Math.ceil(sum / weight));
  let min = count(quorum - hysteresis);
  let again = count(quorum + hysteresis);
  const said = `quorum ${quorum}${hysteresis ? `, hysteresis ${hysteresis}` : ''}`;
  const notes: string[] = [];
  if (new Set(weights).size > 1)
    notes.push(
      `the weights differ, so the sums become counts at the smallest weight ${weight}: approximate`,
    );
  if (again > reals.length) {
    notes.push(
      `${reals.length} real servers can never reach it, and keepalived would never gain the quorum; ${reals.length} (all) used instead`,
    );
    again = reals.length;
    min = Math.min(min, again);
  }
  note(
    at,
    `${said} becomes announce.min_healthy ${min}${again > min ? ` and reannounce_healthy ${again}` : ''} (healthy real servers): the VIP is withdrawn when the quorum is lost${notes.length ? `; ${notes.join('; ')}` : ''}`,
  );
  return { min_healthy: min, ...(again > min && { reannounce_healthy: again }) };
}

/**
 * keepalived 2.2.7 takes TCP, UDP and SCTP in any case and ignores anything
 * else; a virtual server left without one is made UDP (the kernel's reading
 * of protocol 0), with an error in its log.
 */
function protocolOf(
  s: Statement,
  body: readonly Statement[],
  note: (s: Statement, text: string) => void,
): Protocol {
  let protocol: Protocol | undefined;
  for (const b of body.filter((b) => b.key === 'protocol')) {
    const value = (b.args[0] ?? '').toLowerCase();
    if (value === 'tcp' || value === 'udp' || value === 'sctp') protocol = value;
    else
      note(
        b,
        `${b.args[0] ?? '(none)'} is not TCP, UDP or SCTP; keepalived ignores it, and so does this`,
      );
  }
  if (protocol) return protocol;
  note(
    s,
    'no protocol: keepalived 2.2.7 makes the service UDP ("no protocol set - defaulting to UDP"), and so does this; write protocol TCP if TCP was meant',
  );
  return 'udp';
}

interface Forwarding {
  forward: ForwardMethod;
  tunnel: ImportedTunnel | undefined;
}

/**
 * `lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`
 * (lb_kind is its older name). keepalived ignores the whole statement when
 * any part is wrong, keeping what was set before: so does this, saying why.
 */
function forwardingOf(
  b: Statement,
  before: Forwarding,
  note: (s: Statement, text: string) => void,
): Forwarding | undefined {
  const [kind = '', ...options] = b.args;
  const forward = KINDS[kind];
  const refuse = (why: string) => {
    note(b, `${why}; keepalived ignores the statement, and so does this (${before.forward} kept)`);
    return undefined;
  };
  if (!forward) return refuse(`${kind || '(none)'} is not NAT, DR or TUN`);
  let type = 'ipip';
  let port = 0;
  let csum = 'nocsum';
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as string;
    if (o === 'type' && ['ipip', 'gue', 'gre'].includes(options[i + 1] ?? ''))
      type = options[++i] as string;
    else if (o === 'port' && portNumber(options[i + 1])) port = portNumber(options[++i]) as number;
    else if (o === 'nocsum' || o === 'csum' || o === 'remcsum') csum = o;
    else
      return refuse(
        `tunnel option ${o}${options[i + 1] !== undefined ? ` ${options[i + 1]}` : ''} is not one keepalived takes`,
      );
  }
  if ((type === 'gue') !== (port !== 0))
    return refuse('a gue tunnel needs a port, and only a gue tunnel takes one');
  if (type === 'ipip' && csum !== 'nocsum') return refuse('ipip tunnels take no checksum option');
  if (type === 'gre' && csum === 'remcsum') return refuse('gre tunnels take no remote checksum');
  if (forward !== 'tunnel') return { forward, tunnel: before.tunnel };
  return {
    forward,
    tunnel: { type, ...(port && { port }), flags: csum === 'nocsum' ? [] : [csum] },
  };
}

/** keepalived's persistence_timeout without a value, and with only a granularity. */
const DEFAULT_PERSISTENCE = 360;
/** LVS_MAX_TIMEOUT: the largest persistence_timeout keepalived reads. */
const MAX_PERSISTENCE = 86_400 * 31;

/**
 * persistence_timeout and persistence_granularity as keepalived reads them: a
 * bare timeout or a granularity alone means 360 s; 0 or a bad value is
 * refused by keepalived, which then runs without persistence; an IPv6
 * granularity is a prefix length.
 */
function persistenceOf(
  body: readonly Statement[],
  family: 'ipv4' | 'ipv6',
  note: (s: Statement, text: string) => void,
): { persistence: number | undefined; granularity: string | number | undefined } {
  const t = body.find((b) => b.key === 'persistence_timeout');
  const g = body.find((b) => b.key === 'persistence_granularity');
  let persistence: number | undefined;
  let refused: string | undefined;
  if (t) {
    const value = t.args[0];
    const n = num(value);
    if (value === undefined) persistence = DEFAULT_PERSISTENCE;
    else if (n !== undefined && Number.isInteger(n) && n >= 1 && n <= MAX_PERSISTENCE)
      persistence = n;
    else refused = value;
  }
  let granularity: string | number | undefined;
  if (g) {
    const value = g.args[0] ?? '';
    const prefix = num(value);
    if (family === 'ipv6') {
      if (prefix !== undefined && Number.isInteger(prefix) && prefix >= 1 && prefix <= 128)
        granularity = prefix;
      else
        note(
          g,
          `${value} is not an IPv6 prefix length (1..128); keepalived ignores it, and so does this`,
        );
    } else if (canonicalAddress(value)?.family === 'ipv4') granularity = value;
    else note(g, `${value} is not an IPv4 netmask; keepalived ignores it, and so does this`);
    // A granularity makes the service persistent even without a (valid) timeout.
    if (granularity !== undefined && persistence === undefined) persistence = DEFAULT_PERSISTENCE;
  }
  if (t && refused !== undefined)
    note(
      t,
      `${refused} is not a timeout keepalived takes (1..${MAX_PERSISTENCE}): ${persistence === undefined ? 'it ran without persistence, and so does this service' : `the granularity made it ${DEFAULT_PERSISTENCE} s, as here`}`,
    );
  return { persistence, granularity };
}

/** Timers set on a virtual server or a real server, for the checkers below them. */
interface Defaults {
  /** The configuration's track_file blocks, for FILE_CHECK. */
  tracked: ReadonlyMap<string, TrackFile>;
  delayLoop: number;
  virtualhost: string | undefined;
  retry: number | undefined;
  delayBeforeRetry: number | undefined;
  connectTimeout: number | undefined;
}

/** keepalived 2.2.7's own defaults where neither checker, real server nor virtual server sets one. */
const DEFAULT_RETRY: Record<string, number> = { MISC_CHECK: 0, DNS_CHECK: 3 };
const DEFAULT_DELAY_BEFORE_RETRY: Record<string, number | 'delay_loop'> = {
  HTTP_GET: 3,
  SSL_GET: 3,
  DNS_CHECK: 'delay_loop',
};
const DEFAULT_CONNECT_TIMEOUT = 5;
const DEFAULT_STATUS = '200-299';

/** Checker keywords every kind carries over (timers and the target). */
const CARRIED_IN_CHECKER = new Set([
  'delay_loop',
  'connect_timeout',
  'retry',
  'nb_get_retry',
  'delay_before_retry',
  'connect_ip',
  'connect_port',
  'bindto',
]);
/** What each kind of checker carries besides. */
const CARRIED_BY_KIND: Record<string, readonly string[]> = {
  HTTP_GET: ['url', 'virtualhost'],
  SSL_GET: ['url', 'virtualhost'],
  MISC_CHECK: ['misc_path', 'misc_timeout', 'misc_dynamic'],
  DNS_CHECK: ['name', 'type'],
  UDP_CHECK: ['payload', 'require_reply'],
  PING_CHECK: [],
  TCP_CHECK: [],
  FILE_CHECK: ['track_file', 'weight'],
};
/** Checker keywords left behind whose absence changes the verdict, with what it means. */
const LEFT_IN_CHECKER: Record<string, string> = {
  user: 'not carried over: the exec check runs as nobody unless you set user',
  warmup: 'not carried over: anycastd spreads first runs over the interval itself',
};
/** url keywords left behind, with what the migrated check then does. */
const LEFT_IN_URL: Record<string, string> = {
  username:
    'not a keepalived keyword: keepalived 2.2.7 ignores it and sends no credentials, and so does this check (headers: {Authorization: "Basic ..."} would send them)',
  password:
    'not a keepalived keyword: keepalived 2.2.7 ignores it and sends no credentials, and so does this check (headers: {Authorization: "Basic ..."} would send them)',
  regex_options: 'not carried over: body_match is an ECMAScript regular expression',
};

/** Seconds as a duration anycastd reads: whole milliseconds, without float noise. */
export function seconds(s: number): string {
  const ms = Math.round(s * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function realServer(
  s: Statement,
  servicePort: number,
  vsForwarding: Forwarding,
  protocol: string,
  defaults: Defaults,
  note: (s: Statement, text: string) => void,
): ImportedReal | undefined {
  const address = canonicalAddress(s.args[0] ?? '');
  // keepalived reads a missing or zero port as 0, which IPVS takes as the service's port.
  const given = portNumber(s.args[1] ?? '0');
  if (!address || given === undefined) {
    note(s, `"${s.args.join(' ')}" is not an address and port; not carried over`);
    return undefined;
  }
  const port = given === 0 ? servicePort : given;
  const body = s.block ?? [];
  const get = (k: string) => body.find((b) => b.key === k)?.args[0];
  const checkers = body.filter((b) => CHECKERS.has(b.key));
  let forwarding = vsForwarding;
  for (const b of body) {
    if (b.key === 'inhibit_on_failure') continue; // anycastd always drains with weight 0
    if (b.key === 'lvs_method' || b.key === 'lb_kind')
      forwarding = forwardingOf(b, forwarding, note) ?? forwarding;
    else if (NOT_CARRIED[b.key]) note(b, NOT_CARRIED[b.key] as string);
    else if (
      !CHECKERS.has(b.key) &&
      ![
        'weight',
        'uthreshold',
        'lthreshold',
        'delay_loop',
        'retry',
        'delay_before_retry',
        'connect_timeout',
      ].includes(b.key)
    )
      note(b, 'not carried over');
  }
  const c = checkers[0];
  if (!c)
    note(
      s,
      'no checker: keepalived keeps this real server up unchecked; anycastd checks it with its default (a TCP connect to its port every 2 s)',
    );
  else if (
    given === 0 &&
    !c.block?.some((b) => b.key === 'connect_port') &&
    c.key !== 'MISC_CHECK' &&
    c.key !== 'FILE_CHECK' &&
    c.key !== 'PING_CHECK'
  )
    note(
      c,
      `keepalived's checker connects to port 0 of a real server on port 0, and fails; this check probes the service's port ${servicePort}`,
    );
  const own: Defaults = {
    tracked: defaults.tracked,
    delayLoop: num(get('delay_loop')) ?? defaults.delayLoop,
    virtualhost: defaults.virtualhost,
    retry: num(get('retry')) ?? defaults.retry,
    delayBeforeRetry: num(get('delay_before_retry')) ?? defaults.delayBeforeRetry,
    connectTimeout: num(get('connect_timeout')) ?? defaults.connectTimeout,
  };
  return {
    address: address.address,
    port,
    weight: num(get('weight')) ?? 1,
    upperThreshold: num(get('uthreshold')) ?? 0,
    lowerThreshold: num(get('lthreshold')) ?? 0,
    forward: forwarding.forward,
    ...(forwarding.forward === 'tunnel' && {
      tunnel: forwarding.tunnel ?? { type: 'ipip', flags: [] },
    }),
    check: oneOrMany(
      checkers.flatMap((x): Record<string, unknown>[] => {
        const made = checker(x, protocol, own, note);
        return made === undefined ? [] : Array.isArray(made) ? made : [made];
      }),
    ),
  };
}

/** Several checkers (and urls) are several checks, all of which must pass, as in keepalived. */
function oneOrMany(
  list: Record<string, unknown>[],
): Record<string, unknown> | Record<string, unknown>[] | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : list;
}

/** keepalived's checker as an anycastd check mapping. */
function checker(
  c: Statement,
  protocol: string,
  d: Defaults,
  note: (s: Statement, text: string) => void,
): Record<string, unknown> | Record<string, unknown>[] | undefined {
  const body = c.block ?? [];
  const get = (k: string) => body.find((b) => b.key === k)?.args;
  const one = (k: string) => get(k)?.[0];
  if (c.key === 'FILE_CHECK') return fileCheck(c, d.tracked, note);
  const interval = num(one('delay_loop')) ?? d.delayLoop;
  const misc = c.key === 'MISC_CHECK';
  let timeout =
    (misc ? num(one('misc_timeout')) : (num(one('connect_timeout')) ?? d.connectTimeout)) ??
    (misc ? interval : DEFAULT_CONNECT_TIMEOUT);
  if (timeout >= interval) {
    const was = timeout;
    timeout = Math.max(0.001, interval * 0.8);
    note(
      c,
      `timeout ${seconds(was)}${misc && one('misc_timeout') === undefined ? " (keepalived's default for MISC_CHECK: the delay_loop)" : ''} is not shorter than the interval ${seconds(interval)}; ${seconds(timeout)} used`,
    );
  }
  const retry =
    num(one('retry')) ?? num(one('nb_get_retry')) ?? d.retry ?? DEFAULT_RETRY[c.key] ?? 1;
  const retryDelay =
    num(one('delay_before_retry')) ?? d.delayBeforeRetry ?? DEFAULT_DELAY_BEFORE_RETRY[c.key] ?? 1;
  const delayBeforeRetry = retryDelay === 'delay_loop' ? interval : retryDelay;
  const fast = delayBeforeRetry > timeout && delayBeforeRetry < interval;
  if (retry > 0 && !fast && delayBeforeRetry !== interval)
    note(
      c,
      `retries ${seconds(delayBeforeRetry)} apart cannot be kept (anycastd retries faster than the interval only when the gap is longer than the timeout ${seconds(timeout)} and shorter than the interval): retried at the interval ${seconds(interval)}`,
    );
  const timing: Record<string, unknown> = {
    interval: seconds(interval),
    timeout: seconds(timeout),
    rise: 1,
    fall: Math.min(100, Math.max(1, retry + 1)),
    ...(retry > 0 && fast && { fast_interval: seconds(delayBeforeRetry) }),
  };
  const target: Record<string, unknown> = {
    ...(one('connect_ip') && { address: one('connect_ip') }),
    ...(num(one('connect_port')) !== undefined && { port: num(one('connect_port')) }),
    ...(one('bindto') && { source: one('bindto') }),
  };
  for (const b of body)
    if (!CARRIED_IN_CHECKER.has(b.key) && !(CARRIED_BY_KIND[c.key] ?? []).includes(b.key))
      note(b, LEFT_IN_CHECKER[b.key] ?? 'not carried over');
  switch (c.key) {
    case 'PING_CHECK':
      return { type: 'icmp', ...(one('bindto') && { source: one('bindto') }), ...timing };
    case 'TCP_CHECK':
      if (protocol !== 'tcp') note(c, `a TCP check of a ${protocol} service`);
      return { type: 'tcp', ...target, ...timing };
    case 'HTTP_GET':
    case 'SSL_GET': {
      // keepalived requests every url in turn and passes only when all do: one check each.
      const urls = body.filter((b) => b.key === 'url');
      const checks = (urls.length ? urls : [undefined]).map((urlStatement) => {
        const url = urlStatement?.block ?? [];
        const u = (k: string) => url.find((b) => b.key === k)?.args[0];
        for (const b of url)
          if (
            !['path', 'status_code', 'regex', 'regex_no_match', 'virtualhost', 'digest'].includes(
              b.key,
            )
          )
            note(b, LEFT_IN_URL[b.key] ?? 'not carried over');
        const codes = url.filter((b) => b.key === 'status_code').flatMap((b) => b.args);
        // keepalived takes the url's virtualhost first, then the checker's, then the virtual server's.
        const host = u('virtualhost') ?? one('virtualhost') ?? d.virtualhost;
        return {
          type: c.key === 'HTTP_GET' ? 'http' : 'https',
          ...target,
          path: u('path') ?? '/',
          // keepalived takes 200-299 when a url names no status_code.
          status:
            codes.length === 0
              ? DEFAULT_STATUS
              : codes.length === 1
                ? statusOf(codes[0] as string)
                : codes.map(statusOf),
          ...(host && { host }),
          ...(u('digest') && { body_md5: (u('digest') as string).toLowerCase() }),
          // regex_no_match turns the regex around: the check fails when the body matches.
          ...(u('regex') && {
            [url.some((b) => b.key === 'regex_no_match') ? 'body_not_match' : 'body_match']:
              u('regex'),
          }),
          ...timing,
        };
      });
      return checks.length === 1 ? checks[0] : checks;
    }
    case 'MISC_CHECK': {
      const path = one('misc_path') ?? '';
      // keepalived runs misc_path through a shell; anycastd only when it needs one.
      const command = /[|&;<>()$`\\"'*?[\]~]/.test(path)
        ? ['/bin/sh', '-c', path]
        : path.split(/\s+/).filter(Boolean);
      return {
        type: 'exec',
        command,
        ...(get('misc_dynamic') && { dynamic_weight: true }),
        ...timing,
      };
    }
    case 'DNS_CHECK':
      return {
        type: 'dns',
        ...target,
        name: one('name') ?? '.',
        qtype: (one('type') ?? 'SOA').toUpperCase(),
        ...timing,
      };
    case 'UDP_CHECK': {
      const payload = one('payload');
      const reply = get('require_reply');
      if (!payload) note(c, 'no payload: a single zero byte is sent');
      return {
        type: 'udp',
        ...target,
        payload: 'hex',
        send: payload ?? '00',
        ...(reply === undefined ? { silence_is_up: true } : reply[0] ? { expect: reply[0] } : {}),
        ...timing,
      };
    }
    default:
      return undefined;
  }
}

/** `200`, or a range `200-299`. */
function statusOf(code: string): number | string {
  return /^\d+$/.test(code) ? Number(code) : code;
}

/** A track_file block: the file, and its weight (1 unless set; 0 reads it as a status). */
interface TrackFile {
  path: string;
  weight: number;
  reverse: boolean;
}

function trackFiles(
  statements: readonly Statement[],
  note: (s: Statement, text: string) => void,
): Map<string, TrackFile> {
  const out = new Map<string, TrackFile>();
  for (const s of statements) {
    if (s.key !== 'track_file' && s.key !== 'vrrp_track_file') continue;
    const name = s.args[0];
    const body = s.block ?? [];
    const path = body.find((b) => b.key === 'file')?.args[0];
    const w = body.find((b) => b.key === 'weight');
    if (!name || !path) {
      note(s, 'without a name and a file it is not carried over');
      continue;
    }
    for (const b of body)
      if (!['file', 'weight', 'init_file'].includes(b.key)) note(b, 'not carried over');
    if (body.some((b) => b.key === 'init_file'))
      note(
        s,
        'init_file is not carried over: create the file before anycastd starts, or it is down',
      );
    out.set(name, { path, weight: num(w?.args[0]) ?? 1, reverse: w?.args[1] === 'reverse' });
  }
  return out;
}

/**
 * FILE_CHECK over a track_file. keepalived reads the file's number as a
 * status when the weight is 0 (0 up, anything else down), which a file check
 * in status mode does; with another weight it adds number × weight to the
 * real server's weight, which anycastd does not do.
 */
function fileCheck(
  c: Statement,
  tracked: ReadonlyMap<string, TrackFile>,
  note: (s: Statement, text: string) => void,
): Record<string, unknown> | undefined {
  const body = c.block ?? [];
  const name = body.find((b) => b.key === 'track_file')?.args[0];
  const file = name === undefined ? undefined : tracked.get(name);
  if (!file) {
    note(
      c,
      `track_file ${name ?? '(none)'} is not defined: not carried over, so the real server gets anycastd's default check`,
    );
    return undefined;
  }
  const own = body.find((b) => b.key === 'weight');
  const weight = num(own?.args[0]) ?? file.weight;
  if (weight !== 0) {
    note(
      c,
      `keepalived adds the number in ${file.path} times ${weight} to the real server's weight; anycastd's file check sets a weight or a status instead (mode: weight or status): not carried over, so the real server gets anycastd's default check`,
    );
    return undefined;
  }
  note(c, `keepalived watches ${file.path}; this check reads it every second`);
  return { type: 'file', path: file.path, interval: '1s', timeout: '500ms', rise: 1, fall: 1 };
}

/**
 * keepalived's sorry_server: added when the quorum is lost, with the virtual
 * server's forwarding unless sorry_server_lvs_method says otherwise.
 * anycastd adds it while no real server is up and removes it otherwise.
 */
function sorryOf(
  body: readonly Statement[],
  forward: ForwardMethod,
  servicePort: number,
  note: (s: Statement, text: string) => void,
): ImportedService['sorry'] {
  const s = body.find((b) => b.key === 'sorry_server');
  if (!s) return undefined;
  const address = canonicalAddress(s.args[0] ?? '');
  const port = portNumber(s.args[1] ?? '0');
  if (!address || port === undefined) {
    note(s, `"${s.args.join(' ')}" is not an address and port; not carried over`);
    return undefined;
  }
  const method = body.find((b) => b.key === 'sorry_server_lvs_method');
  if (method && KINDS[method.args[0] ?? ''] !== forward)
    note(
      method,
      `the sorry server is forwarded like the service's real servers (${forward}) in anycastd`,
    );
  if (body.some((b) => b.key === 'sorry_server_inhibit'))
    note(
      body.find((b) => b.key === 'sorry_server_inhibit') as Statement,
      'keepalived keeps an inhibited sorry server in the table at weight 0; anycastd removes it while a real server is up',
    );
  return { address: address.address, port: port === 0 ? servicePort : port };
}

/**
 * With a sorry server keepalived keeps serving the VIP whatever the health,
 * and its quorum only decides when the sorry server comes in: so the VIP stays
 * announced (min_healthy 0), and the sorry server comes in when no real server
 * is up.
 */
function sorryAnnounce(
  body: readonly Statement[],
  note: (s: Statement, text: string) => void,
): ImportedService['announce'] {
  const s = body.find((b) => b.key === 'sorry_server') as Statement;
  const q = body.find((b) => b.key === 'quorum' || b.key === 'hysteresis');
  note(
    s,
    `announce.min_healthy 0: the VIP stays announced, as keepalived keeps serving it, and the sorry server takes the clients while no real server is up${q ? ` (keepalived's ${q.key} decided when; here it is when none is up)` : ''}`,
  );
  return { min_healthy: 0 };
}
