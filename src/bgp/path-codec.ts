/**
 * Announcement <-> GoBGP 3.x Path, pure. A Path's NLRI and attributes are
 * google.protobuf.Any values: the payload is the encoded message and
 * `type_url` names it (`type.googleapis.com/apipb.OriginAttribute`). IPv4
 * carries its next hop in NextHopAttribute, IPv6 in MP_REACH_NLRI, which
 * repeats the NLRI (RFC 4760).
 */
import type { Family } from '../model/address.js';
import { parseAddress, formatAddress } from '../model/address.js';
import type { Announcement, Origin } from './announcement.js';
import { ORIGINS, compareLarge } from './announcement.js';
import { formatCommunity, formatLargeCommunity, parseCommunity } from './communities.js';
import { protoRoot } from './proto.js';

const TYPE_PREFIX = 'type.googleapis.com/apipb.';

export interface AnyMessage {
  /** Snake case even for JavaScript: proto-loader keeps well-known types' names as written. */
  type_url: string;
  value: Uint8Array;
}

export interface FamilyMessage {
  afi: string;
  safi: string;
}

/** The fields of apipb.Path anycastd writes or reads. */
export interface PathMessage {
  nlri: AnyMessage | null;
  pattrs: AnyMessage[];
  family: FamilyMessage | null;
  is_withdraw?: boolean;
  best?: boolean;
  stale?: boolean;
  source_asn?: number;
  source_id?: string;
  neighbor_ip?: string;
}

export const IPV4_UNICAST: FamilyMessage = { afi: 'AFI_IP', safi: 'SAFI_UNICAST' };
export const IPV6_UNICAST: FamilyMessage = { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' };

export function familyMessage(family: Family): FamilyMessage {
  return family === 'ipv4' ? IPV4_UNICAST : IPV6_UNICAST;
}

function pack(type: string, body: Record<string, unknown>): AnyMessage {
  const t = protoRoot().lookupType(`apipb.${type}`);
  return { type_url: TYPE_PREFIX + type, value: t.encode(t.fromObject(body)).finish() };
}

/** The message inside an Any; undefined for types anycastd does not declare. */
function unpack(any: AnyMessage): { type: string; body: Record<string, unknown> } | undefined {
  const type = any.type_url.slice(any.type_url.lastIndexOf('.') + 1);
  let t;
  try {
    t = protoRoot().lookupType(`apipb.${type}`);
  } catch {
    return undefined;
  }
  const body = t.toObject(t.decode(any.value), { longs: Number, enums: String, defaults: true });
  return { type, body };
}

/** The Path that announces `a` (or withdraws it, with `withdraw`). */
export function toPath(a: Announcement, withdraw = false): PathMessage {
  const nlri = pack('IPAddressPrefix', { prefix_len: a.prefixLength, prefix: a.address });
  const family = familyMessage(a.family);
  const pattrs = [pack('OriginAttribute', { origin: ORIGINS.indexOf(a.origin) })];
  if (a.family === 'ipv4') pattrs.push(pack('NextHopAttribute', { next_hop: a.nextHop }));
  else pattrs.push(pack('MpReachNLRIAttribute', { family, next_hops: [a.nextHop], nlris: [nlri] }));
  if (a.asPath.length > 0)
    pattrs.push(
      pack('AsPathAttribute', { segments: [{ type: 'AS_SEQUENCE', numbers: [...a.asPath] }] }),
    );
  if (a.med !== undefined) pattrs.push(pack('MultiExitDiscAttribute', { med: a.med }));
  if (a.localPref !== undefined)
    pattrs.push(pack('LocalPrefAttribute', { local_pref: a.localPref }));
  if (a.communities.length > 0)
    pattrs.push(
      pack('CommunitiesAttribute', {
        communities: a.communities.map((c) => parseCommunity(c) ?? 0),
      }),
    );
  if (a.largeCommunities.length > 0)
    pattrs.push(
      pack('LargeCommunitiesAttribute', {
        communities: a.largeCommunities.map((c) => {
          const [g, l1, l2] = c.split(':').map(Number);
          return { global_admin: g, local_data1: l1, local_data2: l2 };
        }),
      }),
    );
  return withdraw ? { nlri, pattrs, family, is_withdraw: true } : { nlri, pattrs, family };
}

/** A Path read back from GoBGP, as an Announcement, or why it cannot be one. */
export type DecodedPath =
  | { ok: true; announcement: Announcement; unknownAttributes: number }
  | { ok: false; reason: string };

/** Reads a unicast Path back; attributes anycastd does not write are counted, not kept. */
export function fromPath(path: PathMessage): DecodedPath {
  const nlri = path.nlri ? unpack(path.nlri) : undefined;
  if (!nlri || nlri.type !== 'IPAddressPrefix')
    return {
      ok: false,
      reason: `NLRI ${path.nlri?.type_url ?? 'missing'} is not a unicast prefix`,
    };
  const address = parseAddress(String(nlri.body.prefix));
  const prefixLength = Number(nlri.body.prefix_len);
  if (!address)
    return { ok: false, reason: `NLRI prefix ${String(nlri.body.prefix)} is not an address` };
  const family = address.family;
  const text = formatAddress(family, address.bytes);
  let nextHop = family === 'ipv4' ? '0.0.0.0' : '::';
  let origin: Origin = 'igp';
  let med: number | undefined;
  let localPref: number | undefined;
  let communities: string[] = [];
  let largeCommunities: string[] = [];
  let asPath: number[] = [];
  let unknownAttributes = 0;
  for (const any of path.pattrs) {
    const attr = unpack(any);
    const body = attr?.body ?? {};
    switch (attr?.type) {
      case 'OriginAttribute':
        origin = ORIGINS[Number(body.origin)] ?? 'incomplete';
        break;
      case 'NextHopAttribute':
        nextHop = canonical(String(body.next_hop)) ?? nextHop;
        break;
      case 'MpReachNLRIAttribute': {
        const hops = body.next_hops as string[] | undefined;
        nextHop = canonical(hops?.[0] ?? '') ?? nextHop;
        break;
      }
      case 'MultiExitDiscAttribute':
        med = Number(body.med);
        break;
      case 'LocalPrefAttribute':
        localPref = Number(body.local_pref);
        break;
      case 'CommunitiesAttribute':
        communities = [...new Set(body.communities as number[])]
          .sort((a, b) => a - b)
          .map(formatCommunity);
        break;
      case 'LargeCommunitiesAttribute':
        largeCommunities = (
          body.communities as { global_admin: number; local_data1: number; local_data2: number }[]
        )
          .map((c) => formatLargeCommunity([c.global_admin, c.local_data1, c.local_data2]))
          .sort(compareLarge);
        break;
      case 'AsPathAttribute':
        asPath = (body.segments as { numbers: number[] }[]).flatMap((s) => s.numbers);
        break;
      default:
        unknownAttributes++;
    }
  }
  return {
    ok: true,
    unknownAttributes,
    announcement: {
      prefix: `${text}/${prefixLength}`,
      family,
      address: text,
      prefixLength,
      nextHop,
      origin,
      med,
      localPref,
      communities,
      largeCommunities,
      asPath,
    },
  };
}

function canonical(text: string): string | undefined {
  const parsed = parseAddress(text);
  return parsed ? formatAddress(parsed.family, parsed.bytes) : undefined;
}
