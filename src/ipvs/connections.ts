/**
 * IPVS connection entries as the kernel lists them in /proc/net/ip_vs_conn
 * (generic netlink has no command for them), pure. One line per entry:
 *
 *   TCP C0A80006 C816 AC100064 01BB 0A000011 01BB FIN_WAIT         67
 *
 * protocol, client address and port, virtual address and port, destination
 * address and port (IPv4 as 8 hex digits, IPv6 in full colon form, ports in
 * hex), state, seconds left, and with a persistence engine its name and data.
 */
import { type Family, formatIPv4, parseIPv6, formatIPv6 } from '../model/address.js';

export interface Connection {
  /** As the kernel names it: TCP, UDP, SCTP, or IP for fwmark templates. */
  readonly protocol: string;
  readonly family: Family;
  readonly client: string;
  readonly clientPort: number;
  readonly virtual: string;
  readonly virtualPort: number;
  /** May differ from `family` (tunnels to the other family). */
  readonly destFamily: Family;
  readonly dest: string;
  readonly destPort: number;
  readonly state: string;
  /** Seconds until the entry expires. */
  readonly expires: number;
  readonly peName: string | undefined;
  readonly peData: string | undefined;
}

const HEX_PORT = /^[0-9A-Fa-f]{1,4}$/;

function address(text: string): { family: Family; address: string } | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(text)) {
    const n = Number.parseInt(text, 16);
    const bytes = new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    return { family: 'ipv4', address: formatIPv4(bytes) };
  }
  const v6 = parseIPv6(text);
  return v6 ? { family: 'ipv6', address: formatIPv6(v6) } : undefined;
}

/** One line of the file; undefined for the header and anything it cannot read. */
export function parseConnectionLine(line: string): Connection | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 9) return undefined;
  const [protocol, c, cp, v, vp, d, dp, state, expires, peName, peData] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (!HEX_PORT.test(cp) || !HEX_PORT.test(vp) || !HEX_PORT.test(dp) || !/^\d+$/.test(expires))
    return undefined;
  const client = address(c);
  const virtual = address(v);
  const dest = address(d);
  if (!client || !virtual || !dest) return undefined;
  return {
    protocol,
    family: client.family,
    client: client.address,
    clientPort: Number.parseInt(cp, 16),
    virtual: virtual.address,
    virtualPort: Number.parseInt(vp, 16),
    destFamily: dest.family,
    dest: dest.address,
    destPort: Number.parseInt(dp, 16),
    state,
    expires: Number(expires),
    peName,
    peData,
  };
}
