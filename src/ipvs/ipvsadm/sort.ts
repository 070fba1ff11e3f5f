/**
 * The order ipvsadm lists services and destinations in. Its comparators
 * subtract unsigned 32-bit values into an int, which wraps: 10.0.0.1 sorts
 * after 203.0.113.1, and the comparison is not even transitive. To print
 * what ipvsadm prints, both the comparators and the sorting algorithm are
 * reproduced: glibc 2.36's qsort, a top-down merge sort (msort.c), whose
 * sequence of comparisons decides the result for such a comparator.
 *
 * Keys are packed into one Uint32Array and the sort moves indexes, so
 * ordering 110,000 entries allocates three arrays rather than objects per
 * entry.
 */
import { parseAddress } from '../../model/address.js';
import {
  type DestinationKey,
  type Family,
  isFwmarkKey,
  type Protocol,
  type ServiceKey,
} from '../model.js';

/** The permutation glibc's merge sort produces for `n` items compared by index. */
export function glibcSortIndexes(n: number, cmp: (i: number, j: number) => number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  const tmp = new Int32Array(n);
  const sort = (lo: number, count: number): void => {
    if (count <= 1) return;
    const n1 = count >>> 1;
    sort(lo, n1);
    sort(lo + n1, count - n1);
    let i = lo;
    let j = lo + n1;
    let k = 0;
    let left = n1;
    let right = count - n1;
    while (left > 0 && right > 0) {
      if (cmp(a[i] as number, a[j] as number) <= 0) {
        tmp[k++] = a[i++] as number;
        left--;
      } else {
        tmp[k++] = a[j++] as number;
        right--;
      }
    }
    while (left-- > 0) tmp[k++] = a[i++] as number;
    // The remaining right-hand items are already in place.
    a.set(tmp.subarray(0, k), lo);
  };
  sort(0, n);
  return a;
}

/** C's `(int)(a - b)` for unsigned 32-bit a and b. */
const wrap32 = (a: number, b: number) => (a - b) | 0;

const AF: Record<Family, number> = { ipv4: 2, ipv6: 10 };
const AF_INET6 = 10;
const PROTO: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };

/** A dotted quad as one number, without allocating; undefined for anything else. */
function ipv4Word(text: string): number | undefined {
  let word = 0;
  let part = 0;
  let parts = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return undefined;
      word = word * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits++;
    } else return undefined;
  }
  return parts === 4 ? word : undefined;
}

/** Writes the address as four host-order 32-bit words at `at`; IPv4 fills the first. */
function putWords(keys: Uint32Array, at: number, address: string): void {
  const v4 = ipv4Word(address);
  if (v4 !== undefined) {
    keys[at] = v4;
    keys[at + 1] = 0;
    keys[at + 2] = 0;
    keys[at + 3] = 0;
    return;
  }
  const b = parseAddress(address)?.bytes ?? new Uint8Array(16);
  for (let w = 0; w < 4; w++) {
    keys[at + w] =
      (((b[w * 4] ?? 0) << 24) |
        ((b[w * 4 + 1] ?? 0) << 16) |
        ((b[w * 4 + 2] ?? 0) << 8) |
        (b[w * 4 + 3] ?? 0)) >>>
      0;
  }
}

/** Per service: fwmark, af, protocol, four address words, port. */
const SVC_STRIDE = 8;

/** Sort keys of services, as libipvs's ipvs_cmp_services reads them. */
export function serviceSortKeys(keys: readonly ServiceKey[]): Uint32Array {
  const out = new Uint32Array(keys.length * SVC_STRIDE);
  keys.forEach((key, i) => {
    const at = i * SVC_STRIDE;
    out[at + 1] = AF[key.family];
    if (isFwmarkKey(key)) {
      // Fwmark entries carry protocol 0 and a zero address in ipvsadm's struct.
      out[at] = key.fwmark;
    } else {
      out[at + 2] = PROTO[key.protocol];
      putWords(out, at + 3, key.address);
      out[at + 7] = key.port;
    }
  });
  return out;
}

/** libipvs's ipvs_cmp_services on packed keys. */
export function compareServices(k: Uint32Array, i: number, j: number): number {
  const a = i * SVC_STRIDE;
  const b = j * SVC_STRIDE;
  let r = wrap32(k[a] as number, k[b] as number);
  if (r !== 0) return r;
  r = (k[a + 1] as number) - (k[b + 1] as number);
  if (r !== 0) return r;
  r = (k[a + 2] as number) - (k[b + 2] as number);
  if (r !== 0) return r;
  if (k[a + 1] === AF_INET6) {
    for (let w = 3; r === 0 && w < 7; w++) r = wrap32(k[a + w] as number, k[b + w] as number);
  } else {
    r = wrap32(k[a + 3] as number, k[b + 3] as number);
  }
  if (r !== 0) return r;
  return (k[a + 7] as number) - (k[b + 7] as number);
}

/** Per destination: af, four address words, port. */
const DEST_STRIDE = 6;

export function destinationSortKeys(dests: readonly DestinationKey[]): Uint32Array {
  const out = new Uint32Array(dests.length * DEST_STRIDE);
  dests.forEach((d, i) => {
    const at = i * DEST_STRIDE;
    out[at] = AF[d.family];
    putWords(out, at + 1, d.address);
    out[at + 5] = d.port;
  });
  return out;
}

/** libipvs's ipvs_cmp_dests: the first entry's family decides how many words count. */
export function compareDestinations(k: Uint32Array, i: number, j: number): number {
  const a = i * DEST_STRIDE;
  const b = j * DEST_STRIDE;
  let r = 0;
  if (k[a] === AF_INET6) {
    for (let w = 1; r === 0 && w < 5; w++) r = wrap32(k[a + w] as number, k[b + w] as number);
  } else {
    r = wrap32(k[a + 1] as number, k[b + 1] as number);
  }
  if (r !== 0) return r;
  return (k[a + 5] as number) - (k[b + 5] as number);
}

/** `items` in ipvsadm's order for services. */
export function sortServices<T extends { key: ServiceKey }>(items: readonly T[]): T[] {
  const keys = serviceSortKeys(items.map((s) => s.key));
  return Array.from(
    glibcSortIndexes(items.length, (i, j) => compareServices(keys, i, j)),
    (i) => items[i] as T,
  );
}

/** `items` in ipvsadm's order for destinations. */
export function sortDestinations<T extends DestinationKey>(items: readonly T[]): readonly T[] {
  if (items.length < 2) return items;
  const keys = destinationSortKeys(items);
  return Array.from(
    glibcSortIndexes(items.length, (i, j) => compareDestinations(keys, i, j)),
    (i) => items[i] as T,
  );
}
