/**
 * Which addresses can be a VIP: one that routers can forward to a director
 * and clients can reach. Private and documentation ranges are allowed (internal
 * VIPs; examples and labs); these are refused, each with its reason:
 *
 * - unspecified (0.0.0.0, ::): means "any" to the kernel, not one address;
 * - loopback (127.0.0.0/8, ::1): never leaves a host, so no router can send it;
 * - link-local (169.254.0.0/16, fe80::/10): not routed beyond one link;
 * - multicast (224.0.0.0/4, ff00::/8) and the broadcast address
 *   (255.255.255.255): one destination for many hosts, which IPVS cannot balance;
 * - 0.0.0.0/8 and 240.0.0.0/4 (reserved): not usable as unicast destinations.
 */
import type { ParsedAddress } from './address.js';

/** Why `a` cannot be a VIP, or undefined when it can. */
export function vipScopeProblem(a: ParsedAddress): string | undefined {
  const b = a.bytes;
  if (a.family === 'ipv4') {
    const [o0 = 0, o1 = 0] = b;
    if (b.every((x) => x === 0)) return 'the unspecified address';
    if (b.every((x) => x === 255)) return 'the broadcast address';
    if (o0 === 0) return 'in 0.0.0.0/8 ("this network"), not a destination';
    if (o0 === 127) return 'a loopback address, which never leaves the host';
    if (o0 === 169 && o1 === 254) return 'a link-local address, not routed beyond one link';
    if (o0 >= 224 && o0 <= 239) return 'a multicast address';
    if (o0 >= 240) return 'in 240.0.0.0/4 (reserved)';
    return undefined;
  }
  const [h0 = 0, h1 = 0] = b;
  if (b.every((x) => x === 0)) return 'the unspecified address';
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1)
    return 'the loopback address, which never leaves the host';
  if (h0 === 0xff) return 'a multicast address';
  if (h0 === 0xfe && (h1 & 0xc0) === 0x80)
    return 'a link-local address, not routed beyond one link';
  return undefined;
}

/** True for an address that only this host can reach (127.0.0.0/8, ::1). */
export function isLoopback(a: ParsedAddress): boolean {
  if (a.family === 'ipv4') return a.bytes[0] === 127;
  return a.bytes.slice(0, 15).every((x) => x === 0) && a.bytes[15] === 1;
}
