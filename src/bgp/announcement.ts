/**
 * What anycastd asks GoBGP to originate: one route per VIP prefix with its
 * attributes, in a canonical form so that "what we want" and "what GoBGP
 * has" compare with plain equality. `parseAnnouncements` turns caller input
 * into that form or refuses it whole, naming every bad value, before any RPC.
 */
import { type Issue, InvalidInputError, show } from '../input/issues.js';
import { type Family, parseAddress, formatAddress } from '../model/address.js';
import {
  formatCommunity,
  formatLargeCommunity,
  isValidAsn,
  parseCommunity,
  parseLargeCommunity,
} from './communities.js';

export type Origin = 'igp' | 'egp' | 'incomplete';
export const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];

/** Input: what a caller (the daemon, a test) wants announced. */
export interface AnnouncementSpec {
  /** `10.0.0.1`, `10.0.0.0/24`, `2001:db8::1`, `2001:db8::/64`; no host bits set. */
  prefix: string;
  /** An address, or `self` (the default): the session's local address. */
  nextHop?: string;
  origin?: Origin;
  med?: number;
  /** Only meaningful towards iBGP peers. */
  localPref?: number;
  /** `65000:100` or a well-known name (`graceful-shutdown`, `no-export`, ...). */
  communities?: readonly string[];
  /** `global:local1:local2`. */
  largeCommunities?: readonly string[];
  /** ASNs put in front of the path; gobgpd adds its own ASN on eBGP sessions. */
  asPath?: readonly number[];
}

/** Canonical form: normalized text, sorted sets, every field present. */
export interface Announcement {
  /** `address/len` with the address in canonical text. */
  readonly prefix: string;
  readonly family: Family;
  readonly address: string;
  readonly prefixLength: number;
  /** Canonical address; `0.0.0.0` / `::` mean self. */
  readonly nextHop: string;
  readonly origin: Origin;
  readonly med: number | undefined;
  readonly localPref: number | undefined;
  /** `asn:value`, sorted numerically, unique. */
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly asPath: readonly number[];
}

const UINT32_MAX = 0xffffffff;

/** Parses every spec; throws InvalidInputError listing every problem, applying nothing. */
export function parseAnnouncements(
  specs: readonly AnnouncementSpec[],
  what = 'announcements',
): Map<string, Announcement> {
  const issues: Issue[] = [];
  const out = new Map<string, Announcement>();
  specs.forEach((spec, i) => {
    const parsed = parseAnnouncement(spec, `[${i}]`, issues);
    if (!parsed) return;
    if (out.has(parsed.prefix)) {
      issues.push({ path: `[${i}].prefix`, message: `${parsed.prefix} is announced twice` });
      return;
    }
    out.set(parsed.prefix, parsed);
  });
  if (issues.length > 0) throw new InvalidInputError(what, issues);
  return out;
}

/** One spec; pushes issues (paths under `at`) and returns undefined when it has any. */
export function parseAnnouncement(
  spec: AnnouncementSpec,
  at: string,
  issues: Issue[],
): Announcement | undefined {
  const before = issues.length;
  const bad = (field: string, message: string): void => {
    issues.push({ path: `${at}.${field}`, message });
  };
  const prefix = parsePrefix(spec.prefix);
  if (typeof prefix === 'string') bad('prefix', prefix);

  let nextHop = '';
  const hop = spec.nextHop ?? 'self';
  if (hop !== 'self') {
    const parsed = typeof hop === 'string' ? parseAddress(hop) : undefined;
    if (!parsed) bad('nextHop', `${show(hop)} is not an IP address or "self"`);
    else if (typeof prefix !== 'string' && parsed.family !== prefix.family)
      bad(
        'nextHop',
        `${show(hop)} is not an ${prefix.family === 'ipv4' ? 'IPv4' : 'IPv6'} address`,
      );
    else nextHop = formatAddress(parsed.family, parsed.bytes);
  }

  const origin = spec.origin ?? 'igp';
  if (!ORIGINS.includes(origin))
    bad('origin', `${show(origin)} is not one of igp, egp, incomplete`);
  for (const [field, value] of [
    ['med', spec.med],
    ['localPref', spec.localPref],
  ] as const) {
    if (value !== undefined && !isUint32(value))
      bad(field, `${show(value)} is not a whole number in 0..${UINT32_MAX}`);
  }

  const communities: number[] = [];
  (spec.communities ?? []).forEach((c, i) => {
    const v = typeof c === 'string' ? parseCommunity(c) : undefined;
    if (v === undefined)
      bad(
        `communities[${i}]`,
        `${show(c)} is not a community (asn:value, each 0..65535, or a well-known name)`,
      );
    else communities.push(v);
  });
  const large: (readonly [number, number, number])[] = [];
  (spec.largeCommunities ?? []).forEach((c, i) => {
    const v = typeof c === 'string' ? parseLargeCommunity(c) : undefined;
    if (v === undefined)
      bad(
        `largeCommunities[${i}]`,
        `${show(c)} is not a large community (global:local1:local2, each 0..${UINT32_MAX})`,
      );
    else large.push(v);
  });
  (spec.asPath ?? []).forEach((asn, i) => {
    if (!isValidAsn(asn))
      bad(`asPath[${i}]`, `${show(asn)} is not a valid ASN (1..${UINT32_MAX}, not 23456)`);
  });

  if (issues.length > before || typeof prefix === 'string') return undefined;
  return {
    prefix: `${prefix.address}/${prefix.length}`,
    family: prefix.family,
    address: prefix.address,
    prefixLength: prefix.length,
    nextHop: nextHop || (prefix.family === 'ipv4' ? '0.0.0.0' : '::'),
    origin,
    med: spec.med,
    localPref: spec.localPref,
    communities: [...new Set(communities)].sort((a, b) => a - b).map(formatCommunity),
    largeCommunities: [...new Set(large.map(formatLargeCommunity))].sort(compareLarge),
    asPath: [...(spec.asPath ?? [])],
  };
}

/** Same route with the same attributes: nothing to send. */
export function sameAnnouncement(a: Announcement, b: Announcement): boolean {
  return (
    a.prefix === b.prefix &&
    a.nextHop === b.nextHop &&
    a.origin === b.origin &&
    a.med === b.med &&
    a.localPref === b.localPref &&
    sameList(a.communities, b.communities) &&
    sameList(a.largeCommunities, b.largeCommunities) &&
    sameList(a.asPath, b.asPath)
  );
}

interface Prefix {
  family: Family;
  address: string;
  length: number;
}

/** A prefix without host bits, or the reason it is not one. */
export function parsePrefix(text: unknown): Prefix | string {
  if (typeof text !== 'string') return `${show(text)} is not a prefix`;
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const parsed = parseAddress(addrText);
  if (!parsed) return `${show(text)} is not an IP address or prefix`;
  const max = parsed.family === 'ipv4' ? 32 : 128;
  let length = max;
  if (slash !== -1) {
    const lenText = text.slice(slash + 1);
    length = /^\d{1,3}$/.test(lenText) ? Number(lenText) : -1;
    if (length < 1 || length > max) return `${show(text)} has a prefix length outside 1..${max}`;
  }
  for (let bit = length; bit < max; bit++) {
    if ((parsed.bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7)))
      return `${show(text)} has host bits set beyond /${length}`;
  }
  return { family: parsed.family, address: formatAddress(parsed.family, parsed.bytes), length };
}

function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function compareLarge(a: string, b: string): number {
  const x = a.split(':').map(Number);
  const y = b.split(':').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
