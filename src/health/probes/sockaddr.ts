/**
 * What the probes that call libc directly (TCP connects, ICMP echo) share:
 * the socket constants they use and struct sockaddr_in / sockaddr_in6.
 */
import { parseIPv4, parseIPv6 } from '../../model/address.js';

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;

/** struct sockaddr_in / sockaddr_in6 for an address and port. */
export function socketAddress(address: string, port: number): Buffer {
  const v4 = parseIPv4(address);
  if (v4) {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(port, 2);
    b.set(v4, 4);
    return b;
  }
  const v6 = parseIPv6(address);
  if (!v6) throw new Error(`not an IP address: ${address}`);
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  b.set(v6, 8);
  return b;
}
