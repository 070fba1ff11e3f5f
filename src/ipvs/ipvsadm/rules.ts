/**
 * Reads ipvsadm rules (what `ipvsadm -S` writes and `ipvsadm -R` reads, one
 * command per line: -A -E -D -a -e -d -C -Z --set --start-daemon
 * --stop-daemon) into IPVS operations. It applies ipvsadm's defaults
 * (scheduler wlc, weight 1, direct routing, persistence 360 s) and its
 * checks, and reports every problem with its line number, so a caller can
 * refuse the whole input before changing anything.
 */
import { canonicalAddress, parseIPv4 } from '../../model/address.js';
import {
  type DestinationConfig,
  type ForwardMethod,
  isFwmarkKey,
  type Protocol,
  type ServiceFlag,
  type ServiceKey,
  type SyncDaemon,
  type TunnelFlag,
  type TunnelType,
} from '../model.js';
import type { IpvsOp } from '../ops.js';
import { checkOp, DEFAULT_PERSISTENCE_TIMEOUT, MAX_TIMEOUT, MAX_WEIGHT } from '../validate.js';
import {
  EndpointError,
  type KnownHosts,
  lookUp,
  noResolver,
  parseEndpoint,
  PendingLookup,
  type RuleResolver,
} from './service-option.js';

export { noResolver, type RuleResolver } from './service-option.js';

export interface RuleOp {
  op: IpvsOp;
  /** 1-based line number in the input. */
  line: number;
}

export interface RuleError {
  line: number;
  message: string;
}

export interface ParsedRules {
  ops: RuleOp[];
  errors: RuleError[];
}

type Command =
  | 'add-service'
  | 'edit-service'
  | 'delete-service'
  | 'add-server'
  | 'edit-server'
  | 'delete-server'
  | 'clear'
  | 'zero'
  | 'set'
  | 'start-daemon'
  | 'stop-daemon';

/** Options and whether they take a value ('optional' for -p). */
const OPTIONS: Record<
  string,
  { short?: string; value: 'none' | 'required' | 'optional'; command?: Command }
> = {
  'add-service': { short: 'A', value: 'none', command: 'add-service' },
  'edit-service': { short: 'E', value: 'none', command: 'edit-service' },
  'delete-service': { short: 'D', value: 'none', command: 'delete-service' },
  'add-server': { short: 'a', value: 'none', command: 'add-server' },
  'edit-server': { short: 'e', value: 'none', command: 'edit-server' },
  'delete-server': { short: 'd', value: 'none', command: 'delete-server' },
  clear: { short: 'C', value: 'none', command: 'clear' },
  zero: { short: 'Z', value: 'none', command: 'zero' },
  set: { value: 'none', command: 'set' },
  'start-daemon': { value: 'required', command: 'start-daemon' },
  'stop-daemon': { value: 'required', command: 'stop-daemon' },
  'tcp-service': { short: 't', value: 'required' },
  'udp-service': { short: 'u', value: 'required' },
  'sctp-service': { value: 'required' },
  'fwmark-service': { short: 'f', value: 'required' },
  ipv6: { short: '6', value: 'none' },
  scheduler: { short: 's', value: 'required' },
  persistent: { short: 'p', value: 'optional' },
  netmask: { short: 'M', value: 'required' },
  pe: { value: 'required' },
  ops: { short: 'o', value: 'none' },
  'sched-flags': { short: 'b', value: 'required' },
  'real-server': { short: 'r', value: 'required' },
  gatewaying: { short: 'g', value: 'none' },
  masquerading: { short: 'm', value: 'none' },
  ipip: { short: 'i', value: 'none' },
  weight: { short: 'w', value: 'required' },
  'u-threshold': { short: 'x', value: 'required' },
  'l-threshold': { short: 'y', value: 'required' },
  'tun-type': { value: 'required' },
  'tun-port': { value: 'required' },
  'tun-nocsum': { value: 'none' },
  'tun-csum': { value: 'none' },
  'tun-remcsum': { value: 'none' },
  'mcast-interface': { value: 'required' },
  syncid: { value: 'required' },
  'mcast-group': { value: 'required' },
  'mcast-port': { value: 'required' },
  'mcast-ttl': { value: 'required' },
  'sync-maxlen': { value: 'required' },
};
const BY_SHORT = new Map(
  Object.entries(OPTIONS)
    .filter(([, o]) => o.short)
    .map(([name, o]) => [o.short as string, name]),
);

const SERVICE_OPTS = ['tcp-service', 'udp-service', 'sctp-service', 'fwmark-service'];
const FORWARD_OPTS = ['gatewaying', 'masquerading', 'ipip'];
const TUNNEL_OPTS = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];
const DAEMON_OPTS = [
  'mcast-interface',
  'syncid',
  'mcast-group',
  'mcast-port',
  'mcast-ttl',
  'sync-maxlen',
];

const SERVICE_SETTINGS = ['scheduler', 'persistent', 'netmask', 'pe', 'ops', 'sched-flags', 'ipv6'];
const SERVER_SETTINGS = [
  'ipv6',
  'real-server',
  ...FORWARD_OPTS,
  'weight',
  'u-threshold',
  'l-threshold',
  ...TUNNEL_OPTS,
];

/** Which options each command takes (besides the service, checked separately). */
const ALLOWED: Record<Command, readonly string[]> = {
  'add-service': SERVICE_SETTINGS,
  'edit-service': SERVICE_SETTINGS,
  'delete-service': ['ipv6'],
  'add-server': SERVER_SETTINGS,
  'edit-server': SERVER_SETTINGS,
  'delete-server': ['ipv6', 'real-server'],
  clear: [],
  zero: ['ipv6'],
  set: [],
  'start-daemon': DAEMON_OPTS,
  'stop-daemon': ['syncid'],
};

const COMMAND_FLAG: Record<Command, string> = {
  'add-service': '-A',
  'edit-service': '-E',
  'delete-service': '-D',
  'add-server': '-a',
  'edit-server': '-e',
  'delete-server': '-d',
  clear: '-C',
  zero: '-Z',
  set: '--set',
  'start-daemon': '--start-daemon',
  'stop-daemon': '--stop-daemon',
};

class LineError extends Error {}

/** Splits a line into words; double or single quotes group words. */
export function splitWords(line: string): string[] {
  if (!line.includes('"') && !line.includes("'")) return line.split(/\s+/).filter((w) => w !== '');
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? (m[3] as string));
  return words;
}

interface Option {
  name: string;
  value: string | undefined;
  /** How the user wrote it, for messages. */
  written: string;
}

/** `-5` is a value (a negative number), but `-6` is the IPv6 option. */
function isNegativeNumber(word: string): boolean {
  return /^-\d+$/.test(word) && !(word.length === 2 && BY_SHORT.has(word[1] as string));
}

/** Reads one line's words into options (in order) and positional arguments. */
function readOptions(words: readonly string[]): { options: Option[]; positionals: string[] } {
  const options: Option[] = [];
  const positionals: string[] = [];
  let i = 0;
  /** Records option `name`; returns how many extra words it consumed. */
  const take = (name: string, inline: string | undefined, written: string): number => {
    const spec = OPTIONS[name];
    if (!spec) throw new LineError(`unknown option ${written}`);
    if (spec.value === 'none') {
      if (inline !== undefined) throw new LineError(`option ${written} takes no value`);
      options.push({ name, value: undefined, written });
      return 0;
    }
    if (inline !== undefined) {
      options.push({ name, value: inline, written });
      return 0;
    }
    const next = words[i + 1];
    if (spec.value === 'optional') {
      const used = next !== undefined && !next.startsWith('-');
      options.push({ name, value: used ? next : undefined, written });
      return used ? 1 : 0;
    }
    if (next === undefined) throw new LineError(`option ${written} needs a value`);
    options.push({ name, value: next, written });
    return 1;
  };
  for (; i < words.length; i++) {
    const word = words[i] as string;
    if (word.startsWith('--') && word.length > 2) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      i += take(name, eq < 0 ? undefined : word.slice(eq + 1), `--${name}`);
    } else if (word.startsWith('-') && word.length > 1 && !isNegativeNumber(word)) {
      // Grouped short options, popt style: -Ln, -w3.
      for (let c = 1; c < word.length; c++) {
        const letter = word[c] as string;
        const name = BY_SHORT.get(letter);
        if (!name) throw new LineError(`unknown option -${letter}`);
        const rest = word.slice(c + 1);
        if ((OPTIONS[name] as (typeof OPTIONS)[string]).value !== 'none' && rest) {
          take(name, rest, `-${letter}`);
          break;
        }
        i += take(name, undefined, `-${letter}`);
      }
    } else {
      positionals.push(word);
    }
  }
  return { options, positionals };
}

function integer(text: string | undefined, min: number, max: number, what: string): number {
  if (text === undefined || !/^[+-]?\d+$/.test(text))
    throw new LineError(`${what}: "${text ?? ''}" is not a number`);
  const n = Number(text);
  if (n < min || n > max) throw new LineError(`${what}: ${text} is not in ${min}..${max}`);
  return n;
}

function parseLine(
  words: readonly string[],
  hosts: KnownHosts,
  portOf: RuleResolver['port'],
): IpvsOp {
  const { options, positionals } = readOptions(words);
  const seen = new Map<string, Option>();
  const groups = new Set<string>();
  let command: Command | undefined;
  for (const o of options) {
    const spec = OPTIONS[o.name] as (typeof OPTIONS)[string];
    if (spec.command) {
      if (command)
        throw new LineError(`more than one command (${COMMAND_FLAG[command]} and ${o.written})`);
      command = spec.command;
    }
    // -t/-u/--sctp-service/-f name one service; -g/-m/-i one forwarding method.
    const group = SERVICE_OPTS.includes(o.name)
      ? 'service'
      : FORWARD_OPTS.includes(o.name)
        ? 'forward'
        : o.name;
    if (groups.has(group))
      throw new LineError(`option ${o.written} given twice (or conflicts with an earlier one)`);
    groups.add(group);
    seen.set(o.name, o);
  }
  if (!command)
    throw new LineError(
      'no command (one of -A -E -D -a -e -d -C -Z --set --start-daemon --stop-daemon)',
    );
  for (const o of options) {
    const spec = OPTIONS[o.name] as (typeof OPTIONS)[string];
    if (spec.command || SERVICE_OPTS.includes(o.name)) continue;
    if (!ALLOWED[command].includes(o.name)) {
      throw new LineError(`option ${o.written} does not go with ${COMMAND_FLAG[command]}`);
    }
  }
  if (command !== 'set' && positionals.length)
    throw new LineError(`unexpected argument "${positionals[0]}"`);
  const get = (name: string) => seen.get(name)?.value;
  const has = (name: string) => seen.has(name);

  switch (command) {
    case 'clear':
      if (options.some((o) => SERVICE_OPTS.includes(o.name)))
        throw new LineError('-C takes no service');
      return { type: 'flush' };
    case 'set': {
      if (positionals.length !== 3)
        throw new LineError('--set needs three timeouts: tcp tcpfin udp');
      const [tcp, tcpFin, udp] = positionals.map((p, i) =>
        integer(p, 0, MAX_TIMEOUT, ['tcp timeout', 'tcpfin timeout', 'udp timeout'][i] as string),
      ) as [number, number, number];
      return { type: 'set-timeouts', timeouts: { tcp, tcpFin, udp } };
    }
    case 'start-daemon':
    case 'stop-daemon': {
      const state = get(command);
      if (state !== 'master' && state !== 'backup') {
        throw new LineError(`--${command}: "${state ?? ''}" is not master or backup`);
      }
      if (command === 'stop-daemon') return { type: 'stop-daemon', state: state };
      const group = get('mcast-group');
      const daemon: SyncDaemon = {
        state: state,
        interface: get('mcast-interface') ?? 'eth0',
        syncId: has('syncid') ? integer(get('syncid'), 0, 255, '--syncid') : 0,
        maxLength: has('sync-maxlen')
          ? integer(get('sync-maxlen'), 1, 65535 - 20 - 8, '--sync-maxlen')
          : undefined,
        group: group === undefined ? undefined : (canonicalAddress(group)?.address ?? group),
        port: has('mcast-port') ? integer(get('mcast-port'), 1, 65535, '--mcast-port') : undefined,
        ttl: has('mcast-ttl') ? integer(get('mcast-ttl'), 1, 255, '--mcast-ttl') : undefined,
      };
      return { type: 'start-daemon', daemon };
    }
    default:
      break;
  }

  // Everything else names a service.
  const svcOpt = options.find((o) => SERVICE_OPTS.includes(o.name));
  if (!svcOpt) {
    if (command === 'zero') return { type: 'zero' };
    throw new LineError(`${COMMAND_FLAG[command]} needs a service (-t, -u, --sctp-service or -f)`);
  }
  let key: ServiceKey;
  let servicePort = 0;
  if (svcOpt.name === 'fwmark-service') {
    const fwmark = integer(svcOpt.value, 1, 0xffffffff, '-f fwmark');
    key = { family: has('ipv6') ? 'ipv6' : 'ipv4', fwmark };
  } else {
    if (has('ipv6')) throw new LineError('-6 only goes with -f (fwmark services)');
    const protocol: Protocol =
      svcOpt.name === 'tcp-service' ? 'tcp' : svcOpt.name === 'udp-service' ? 'udp' : 'sctp';
    const ep = parseEndpoint(svcOpt.value ?? '', protocol, hosts, portOf, svcOpt.written);
    servicePort = ep.port ?? 0;
    key = { family: ep.family, protocol, address: ep.address, port: servicePort };
  }
  const isFwmark = isFwmarkKey(key);
  const protocol = isFwmarkKey(key) ? undefined : key.protocol;

  switch (command) {
    case 'delete-service':
      return { type: 'delete-service', service: key };
    case 'zero':
      return { type: 'zero', service: key };
    case 'add-service':
    case 'edit-service': {
      const flags: ServiceFlag[] = [];
      const persistent = has('persistent');
      if (persistent) flags.push('persistent');
      if (has('ops')) {
        if (!isFwmark && protocol !== 'udp')
          throw new LineError('-o (one-packet scheduling) is only for UDP services');
        flags.push('one-packet');
      }
      const scheduler = get('scheduler') ?? 'wlc';
      if (has('sched-flags')) flags.push(...schedFlags(get('sched-flags') ?? '', scheduler));
      if (!isFwmark && servicePort === 0 && !persistent) {
        throw new LineError('port 0 (all ports) needs -p (a persistent service)');
      }
      let netmask = key.family === 'ipv6' ? 128 : 0xffffffff;
      if (has('netmask')) {
        const text = get('netmask') ?? '';
        if (key.family === 'ipv6') netmask = integer(text, 1, 128, '-M netmask');
        else {
          const mask = parseIPv4(text);
          if (!mask) throw new LineError(`-M: "${text}" is not a netmask like 255.255.255.0`);
          netmask = Buffer.from(mask).readUInt32BE(0);
        }
      }
      const timeoutText = get('persistent');
      const timeout = persistent
        ? timeoutText === undefined
          ? DEFAULT_PERSISTENCE_TIMEOUT
          : integer(timeoutText, 1, MAX_TIMEOUT, '-p timeout')
        : 0;
      return {
        type: command,
        service: { key, scheduler, flags, timeout, netmask, pe: get('pe') },
      };
    }
    default:
      break;
  }

  // Destination commands.
  const real = seen.get('real-server');
  if (!real) throw new LineError(`${COMMAND_FLAG[command]} needs -r real-server`);
  const ep = parseEndpoint(real.value ?? '', protocol, hosts, portOf, real.written);
  const forward: ForwardMethod = has('masquerading') ? 'nat' : has('ipip') ? 'tunnel' : 'dr';
  if (command === 'delete-server') {
    const port = ep.port ?? servicePort;
    return {
      type: 'delete-destination',
      service: key,
      destination: { family: ep.family, address: ep.address, port },
    };
  }
  // Direct routing and tunnels cannot change the port: ipvsadm forces the
  // service's when adding or editing (not when deleting).
  const port =
    !isFwmark && (forward === 'dr' || forward === 'tunnel')
      ? servicePort
      : (ep.port ?? servicePort);
  if (ep.family !== key.family && forward !== 'tunnel') {
    throw new LineError('a real server of another address family needs -i (tunnelling)');
  }
  const tunnelGiven = TUNNEL_OPTS.some(has);
  if (tunnelGiven && forward !== 'tunnel')
    throw new LineError('tunnel options need -i (tunnelling)');
  const tunnelType = (get('tun-type') ?? 'ipip') as TunnelType;
  if (!['ipip', 'gue', 'gre'].includes(tunnelType))
    throw new LineError(`--tun-type: "${tunnelType}" is not ipip, gue or gre`);
  const csumOpts = ['tun-nocsum', 'tun-csum', 'tun-remcsum'].filter(has);
  if (csumOpts.length > 1)
    throw new LineError(`--${csumOpts[0]} and --${csumOpts[1]} exclude each other`);
  if (tunnelType === 'ipip' && (has('tun-port') || csumOpts.length)) {
    throw new LineError(
      `--${has('tun-port') ? 'tun-port' : csumOpts[0]} does not go with the ipip tunnel type`,
    );
  }
  if (tunnelType === 'gue' && !has('tun-port'))
    throw new LineError('the gue tunnel type needs --tun-port');
  if (tunnelType === 'gre' && (has('tun-port') || has('tun-remcsum'))) {
    throw new LineError(
      `--${has('tun-port') ? 'tun-port' : 'tun-remcsum'} does not go with the gre tunnel type`,
    );
  }
  const tunnelFlags: TunnelFlag[] = has('tun-csum')
    ? ['csum']
    : has('tun-remcsum')
      ? ['remcsum']
      : [];
  const destination: DestinationConfig = {
    family: ep.family,
    address: ep.address,
    port,
    forward,
    weight: has('weight') ? integer(get('weight'), 0, MAX_WEIGHT, '-w weight') : 1,
    upperThreshold: has('u-threshold')
      ? integer(get('u-threshold'), 0, 2147483647, '-x u-threshold')
      : 0,
    lowerThreshold: has('l-threshold')
      ? integer(get('l-threshold'), 0, 2147483647, '-y l-threshold')
      : 0,
    tunnelType,
    tunnelPort: has('tun-port') ? integer(get('tun-port'), 1, 65535, '--tun-port') : 0,
    tunnelFlags,
  };
  return {
    type: command === 'add-server' ? 'add-destination' : 'edit-destination',
    service: key,
    destination,
  };
}

function schedFlags(text: string, scheduler: string): ServiceFlag[] {
  const out: ServiceFlag[] = [];
  for (const flag of text.split(',')) {
    if (
      !['flag-1', 'flag-2', 'flag-3', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'].includes(
        flag,
      )
    ) {
      throw new LineError(`-b: "${flag}" is not a scheduler flag`);
    }
    if (
      (flag.startsWith('sh-') && scheduler !== 'sh') ||
      (flag.startsWith('mh-') && scheduler !== 'mh')
    ) {
      throw new LineError(`-b: "${flag}" does not go with scheduler ${scheduler}`);
    }
    out.push(flag as ServiceFlag);
  }
  return out;
}

/**
 * Parses rules text; lines that are empty or start with # are skipped.
 * Lines are parsed synchronously; host names (rare in saved rules) are
 * looked up together afterwards and only their lines parsed again.
 */
export async function parseRules(
  text: string,
  resolver: RuleResolver = noResolver,
): Promise<ParsedRules> {
  const lines = text.split('\n');
  const outcomes = new Array<RuleOp | RuleError[] | undefined>(lines.length);
  const known = new Map<string, string | undefined>();
  let waiting: number[] = [];
  const parseAt = (i: number, names: Set<string>): void => {
    const line = (lines[i] as string).trim();
    if (!line || line.startsWith('#')) return;
    try {
      const op = parseLine(splitWords(line), known, resolver.port);
      const problems = checkOp(op, 'rule');
      outcomes[i] = problems.length
        ? problems.map((p) => ({ line: i + 1, message: p.replace(/^rule\./, '') }))
        : { op, line: i + 1 };
    } catch (error) {
      if (error instanceof PendingLookup) {
        names.add(error.host);
        waiting.push(i);
      } else if (error instanceof LineError || error instanceof EndpointError) {
        outcomes[i] = [{ line: i + 1, message: error.message }];
      } else throw error;
    }
  };
  let names = new Set<string>();
  for (let i = 0; i < lines.length; i++) parseAt(i, names);
  // A line may name two hosts (service and real server): at most two rounds.
  while (waiting.length) {
    await lookUp(resolver, known, names);
    const again = waiting;
    waiting = [];
    names = new Set<string>();
    for (const i of again) parseAt(i, names);
  }
  const ops: RuleOp[] = [];
  const errors: RuleError[] = [];
  for (const o of outcomes) {
    if (!o) continue;
    if (Array.isArray(o)) errors.push(...o);
    else ops.push(o);
  }
  return { ops, errors };
}
