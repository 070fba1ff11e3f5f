/**
 * IP address parsing and formatting. Parsing is strict (dotted-quad IPv4,
 * RFC 4291 IPv6 text) so a malformed address is refused before anything
 * reaches the kernel. Formatting follows glibc's inet_ntop byte for byte,
 * because ipvsadm's output is the reference the CLI must reproduce.
 */

export type Family = 'ipv4' | 'ipv6';

export interface ParsedAddress {
  family: Family;
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
}

/**
 * Parses dotted-quad IPv4 into 4 bytes, or returns undefined. A hand-written
 * scan: it runs for every address of every rule, and must not allocate more
 * than its result.
 */
export function parseIPv4(text: string): Uint8Array | undefined {
  const len = text.length;
  if (len < 7 || len > 15) return undefined;
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= len; i++) {
    const c = i === len ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // No leading zeros: "010" is octal to inet_aton, so refuse it outright.
      if (digits === 1 && value === 0) return undefined;
      value = value * 10 + (c - 48);
      if (value > 255) return undefined;
      digits++;
    } else {
      return undefined;
    }
  }
  return part === 4 ? out : undefined;
}

/** Parses IPv6 text (with `::` and an optional trailing dotted quad) into 16 bytes. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (text.length < 2 || text.length > 45 || text.includes('%')) return undefined;
  let head = text;
  let tailV4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (!tailV4) return undefined;
    // Keep the colon so "::1.2.3.4" leaves "::" behind.
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const toWords = (s: string): number[] | undefined => {
    if (s === '') return [];
    const words: number[] = [];
    for (const w of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
      words.push(parseInt(w, 16));
    }
    return words;
  };
  const left = toWords(halves[0] as string);
  const right = halves.length === 2 ? toWords(halves[1] as string) : [];
  if (!left || !right) return undefined;
  let words: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    words = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    if (left.length !== 8) return undefined;
    words = left;
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  if (tailV4) out.set(tailV4, 12);
  return out;
}

/** Parses either family; IPv6 may be written in brackets. */
export function parseAddress(text: string): ParsedAddress | undefined {
  const v4 = parseIPv4(text);
  if (v4) return { family: 'ipv4', bytes: v4 };
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v6 = parseIPv6(inner);
  if (v6) return { family: 'ipv6', bytes: v6 };
  return undefined;
}

/** "0".."255", so formatting an address concatenates four ready strings. */
const OCTETS = Array.from({ length: 256 }, (_, i) => String(i));

export function formatIPv4(bytes: Uint8Array, offset = 0): string {
  return `${OCTETS[bytes[offset] as number]}.${OCTETS[bytes[offset + 1] as number]}.${OCTETS[bytes[offset + 2] as number]}.${OCTETS[bytes[offset + 3] as number]}`;
}

/**
 * glibc inet_ntop for AF_INET6: the longest run (first on a tie) of two or
 * more zero words becomes "::"; IPv4-compatible and IPv4-mapped addresses end
 * in a dotted quad.
 */
export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) {
    words.push(((bytes[offset + i * 2] as number) << 8) | (bytes[offset + i * 2 + 1] as number));
  }
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase !== -1) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase !== -1 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIPv4(bytes, offset + 12);
      break;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

export function formatAddress(family: Family, bytes: Uint8Array, offset = 0): string {
  return family === 'ipv4' ? formatIPv4(bytes, offset) : formatIPv6(bytes, offset);
}

/** The canonical text of an address (what formatAddress would print), or undefined if malformed. */
export function canonicalAddress(text: string): { family: Family; address: string } | undefined {
  // A strict dotted quad is already canonical.
  if (parseIPv4(text)) return { family: 'ipv4', address: text };
  const parsed = parseAddress(text);
  if (!parsed) return undefined;
  return { family: parsed.family, address: formatAddress(parsed.family, parsed.bytes) };
}

/** 32-bit mask for an IPv4 prefix length, as an unsigned number (24 -> 0xffffff00). */
export function ipv4PrefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}
