/**
 * BGP community text forms: standard communities (`65000:100` or a
 * well-known name, RFC 1997/7999/8326) and large communities (`1:2:3`,
 * RFC 8092). Parsing returns the wire value or undefined; callers name the
 * offending value in their own error.
 */

/** Well-known standard communities by the names operators write. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'graceful-shutdown': 0xffff0000, // RFC 8326
  'accept-own': 0xffff0001,
  blackhole: 0xffff029a, // RFC 7999
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
};

/** GRACEFUL_SHUTDOWN (65535:0), the community a drain adds. */
export const GRACEFUL_SHUTDOWN = 0xffff0000;

/** `asn:value` or a well-known name → the 32-bit community. */
export function parseCommunity(text: string): number | undefined {
  const named = WELL_KNOWN_COMMUNITIES[text.toLowerCase()];
  if (named !== undefined) return named;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const high = Number(m[1]);
  const low = Number(m[2]);
  if (high > 0xffff || low > 0xffff) return undefined;
  return high * 0x10000 + low;
}

/** The `asn:value` form, as routers print it. */
export function formatCommunity(value: number): string {
  return `${Math.floor(value / 0x10000)}:${value % 0x10000}`;
}

export type LargeCommunity = readonly [number, number, number];

const UINT32_MAX = 0xffffffff;

/** `global:local1:local2`, each a 32-bit number. */
export function parseLargeCommunity(text: string): LargeCommunity | undefined {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
  return parts.every((p) => p <= UINT32_MAX) ? parts : undefined;
}

export function formatLargeCommunity(value: LargeCommunity): string {
  return value.join(':');
}

/** 4-byte ASNs; 0 and AS_TRANS (23456) are not for peering or origination. */
export function isValidAsn(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= UINT32_MAX &&
    value !== 23456
  );
}
