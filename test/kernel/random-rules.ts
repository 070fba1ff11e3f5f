import { ipv4PrefixMask } from '../../src/model/address.js';

/**
 * Random IPVS rule sets in ipvsadm syntax, from a seed, covering every
 * option both ipvsadm and anycastd accept: protocols and fwmarks, both
 * families, every scheduler given, flags, persistence with netmask and
 * engine, every forwarding method, weights, thresholds, tunnel types with
 * ports and checksum options, and edits and deletions after the adds.
 */

/** mulberry32: small, fast, good enough to spread test cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Random {
  constructor(private readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
}

const V4_POOLS: readonly [number, number][] = [
  [10, 8],
  [172 * 256 + 16, 12],
  [192 * 256 + 168, 16],
  [100 * 256 + 64, 10],
];

function v4(r: Random): string {
  // Spread over the whole space of private and documentation ranges, so
  // ipvsadm's wrapping comparator is exercised.
  if (r.chance(0.3))
    return `${r.pick([192, 198, 203])}.${r.pick([0, 51, 0])}.${r.pick([2, 100, 113])}.${r.int(1, 254)}`;
  const [base, bits] = r.pick(V4_POOLS);
  const high = bits === 8 ? [base] : [base >> 8, base & 0xff];
  const parts = [...high];
  while (parts.length < 4) parts.push(r.int(0, 255));
  if (bits === 12) parts[1] = 16 + r.int(0, 15);
  if (bits === 10) parts[1] = 64 + r.int(0, 63);
  parts[3] = r.int(1, 254);
  return parts.join('.');
}

function v6(r: Random): string {
  const words = [0x2001, 0x0db8, 0, 0, 0, 0, 0, 0].map((w, i) =>
    i < 2 ? w : r.chance(0.5) ? 0 : r.int(0, 0xffff),
  );
  if (words.slice(2).every((w) => w === 0)) words[7] = r.int(1, 0xffff);
  return words.map((w) => w.toString(16)).join(':');
}

const PORTS = [0, 21, 22, 25, 53, 80, 443, 3306, 5060, 8080, 8443, 65535];

export interface RuleSet {
  text: string;
  lines: number;
}

/** One rule set: a few services with real servers, then some edits and deletions. */
export function randomRuleSet(r: Random, schedulers: readonly string[]): RuleSet {
  const lines: string[] = [];
  const services: {
    spec: string;
    port: number;
    fwmark: boolean;
    dests: { real: string; otherFamily: boolean }[];
  }[] = [];
  const used = new Set<string>();
  const count = r.int(1, 10);
  for (let i = 0; i < count; i++) {
    const family = r.chance(0.3) ? 'ipv6' : 'ipv4';
    const fwmark = r.chance(0.2);
    let spec: string;
    let port = 0;
    let protocol = 'fwmark';
    if (fwmark) {
      const mark = r.chance(0.2) ? r.int(2 ** 31, 2 ** 32 - 1) : r.int(1, 100000);
      spec = `-f ${mark}${family === 'ipv6' ? ' -6' : ''}`;
    } else {
      protocol = r.pick(['-t', '-u', '--sctp-service']);
      port = r.chance(0.6) ? r.pick(PORTS) : r.int(1, 65535);
      const addr = family === 'ipv6' ? `[${v6(r)}]` : v4(r);
      spec = `${protocol} ${addr}:${port}`;
    }
    if (used.has(spec)) continue;
    used.add(spec);
    const scheduler = r.pick(schedulers);
    let line = `-A ${spec} -s ${scheduler}`;
    const persistent = (!fwmark && port === 0) || r.chance(0.3);
    if (persistent) line += r.chance(0.3) ? ' -p' : ` -p ${r.int(1, 86400 * 31)}`;
    if (r.chance(0.3)) {
      // ipvsadm takes any dotted mask, contiguous or not.
      const mask = r.chance(0.2) ? r.int(0, 0xffffffff) : ipv4PrefixMask(r.int(8, 32));
      line +=
        family === 'ipv6'
          ? ` -M ${r.int(1, 128)}`
          : ` -M ${[24, 16, 8, 0].map((shift) => (mask >>> shift) & 255).join('.')}`;
    }
    if (r.chance(0.1)) line += ' --pe sip';
    if ((fwmark || protocol === '-u') && r.chance(0.2)) line += ' -o';
    const flags =
      scheduler === 'sh'
        ? ['sh-fallback', 'sh-port']
        : scheduler === 'mh'
          ? ['mh-fallback', 'mh-port']
          : ['flag-1', 'flag-2', 'flag-3'];
    if (r.chance(scheduler === 'sh' || scheduler === 'mh' ? 0.5 : 0.1)) {
      const chosen = flags.filter(() => r.chance(0.6));
      if (chosen.length) line += ` -b ${chosen.join(',')}`;
    }
    lines.push(line);
    const svc = { spec, port, fwmark, dests: [] as { real: string; otherFamily: boolean }[] };
    services.push(svc);
    const destCount = r.int(0, 8);
    for (let d = 0; d < destCount; d++) {
      const other = r.chance(0.1);
      const destFamily = other ? (family === 'ipv6' ? 'ipv4' : 'ipv6') : family;
      const forward = other ? '-i' : r.pick(['-g', '-m', '-i']);
      const destPort = forward === '-m' || fwmark ? r.int(0, 65535) : port;
      const addr = destFamily === 'ipv6' ? `[${v6(r)}]` : v4(r);
      const real = `${addr}:${destPort}`;
      if (svc.dests.some((x) => x.real === real)) continue;
      svc.dests.push({ real, otherFamily: other });
      lines.push(`-a ${spec} -r ${real} ${forward}${destOptions(r, forward)}`);
    }
  }
  // Edits and deletions, so the sets are not only additions. Every line is
  // one ipvsadm accepts: its -R stops at the first it refuses.
  for (const svc of services) {
    if (r.chance(0.15)) {
      const keepPersistent = !svc.fwmark && svc.port === 0 ? ' -p' : '';
      lines.push(
        `-E ${svc.spec} -s ${r.pick(schedulers.filter((s) => s !== 'sh' && s !== 'mh'))}${keepPersistent}`,
      );
    }
    for (const dest of svc.dests) {
      const roll = r.int(0, 99);
      if (roll < 8) lines.push(`-d ${svc.spec} -r ${dest.real}`);
      else if (roll < 16 && !dest.otherFamily) {
        lines.push(`-e ${svc.spec} -r ${dest.real} -m -w ${r.int(0, 65535)}`);
      }
    }
    if (r.chance(0.05)) lines.push(`-D ${svc.spec}`);
  }
  return { text: `${lines.join('\n')}\n`, lines: lines.length };
}

function destOptions(r: Random, forward: string): string {
  let out = '';
  if (r.chance(0.8)) out += ` -w ${r.chance(0.2) ? r.pick([0, 65535]) : r.int(0, 1000)}`;
  if (r.chance(0.2)) {
    const upper = r.int(0, 100000);
    out += ` -x ${upper} -y ${r.int(0, upper)}`;
  }
  if (forward === '-i' && r.chance(0.6)) {
    const type = r.pick(['ipip', 'gue', 'gre']);
    out += ` --tun-type ${type}`;
    if (type === 'gue') {
      out += ` --tun-port ${r.int(1, 65535)}`;
      const csum = r.pick(['', ' --tun-nocsum', ' --tun-csum', ' --tun-remcsum']);
      out += csum;
    } else if (type === 'gre') {
      out += r.pick(['', ' --tun-nocsum', ' --tun-csum']);
    }
  }
  return out;
}
