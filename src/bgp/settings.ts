/**
 * The BGP module's typed settings: the speaker (ASN, router id, listener,
 * graceful restart) and its neighbours. `checkSettings` refuses bad ASNs and
 * addresses before anything is sent, naming each value.
 */
import { type Issue, InvalidInputError, show } from '../input/issues.js';
import { parseAddress } from '../model/address.js';
import { isValidAsn } from './communities.js';

export type AddressFamily = 'ipv4' | 'ipv6';

export interface PeerSettings {
  /** The router's address. */
  address: string;
  asn: number;
  /** Our end of the session; gobgpd picks by route when absent. */
  localAddress?: string;
  /** TCP port of the router's BGP listener; 179. */
  port?: number;
  /** Seconds; 9 (three keepalives), well below BGP's default 90. */
  holdTime?: number;
  /** Seconds; a third of the hold time when absent. */
  keepalive?: number;
  /** Seconds between outgoing connection attempts; 5. */
  connectRetry?: number;
  /** Wait for the router to connect instead of connecting out. */
  passive?: boolean;
  /** TCP MD5 signature (RFC 2385) shared with the router. */
  password?: string;
  /** eBGP over more than one hop: the TTL to use. */
  multihopTtl?: number;
  /** Families exchanged; both by default. */
  families?: readonly AddressFamily[];
  description?: string;
}

export interface SpeakerSettings {
  asn: number;
  routerId: string;
  /** BGP listener port; 179. -1 turns the listener off (then only outgoing sessions). */
  listenPort?: number;
  /** Addresses the listener binds; all when empty. */
  listenAddresses?: readonly string[];
  /**
   * Seconds a router acting as graceful-restart helper keeps this director's
   * routes after the session drops uncleanly (anycastd or gobgpd killed,
   * upgraded): the window in which a restart causes no route change, and the
   * time after which a dead anycastd leaves no route behind. 0 turns graceful
   * restart off. 30 by default.
   */
  restartTime?: number;
}

export const DEFAULT_HOLD_TIME = 9;
export const DEFAULT_CONNECT_RETRY = 5;
export const DEFAULT_RESTART_TIME = 30;

/** Throws InvalidInputError naming every bad value; returns nothing when all is well. */
export function checkSettings(speaker: SpeakerSettings, peers: readonly PeerSettings[]): void {
  const issues: Issue[] = [];
  const bad = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  if (!isValidAsn(speaker.asn)) bad('asn', `${show(speaker.asn)} is not a valid ASN`);
  if (parseAddress(speaker.routerId)?.family !== 'ipv4')
    bad('routerId', `${show(speaker.routerId)} is not an IPv4 address`);
  const port = speaker.listenPort ?? 179;
  if (!(port === -1 || (Number.isInteger(port) && port >= 1 && port <= 65535)))
    bad('listenPort', `${show(port)} is not a port (1..65535, or -1 for no listener)`);
  (speaker.listenAddresses ?? []).forEach((a, i) => {
    if (!parseAddress(a)) bad(`listenAddresses[${i}]`, `${show(a)} is not an IP address`);
  });
  const restart = speaker.restartTime ?? DEFAULT_RESTART_TIME;
  // 4095 s is the most the capability's 12-bit field carries (RFC 4724).
  if (!(Number.isInteger(restart) && restart >= 0 && restart <= 4095))
    bad('restartTime', `${show(restart)} is not a whole number of seconds in 0..4095`);

  const seen = new Set<string>();
  peers.forEach((p, i) => {
    const at = `peers[${i}]`;
    const addr = parseAddress(p.address);
    if (!addr) bad(`${at}.address`, `${show(p.address)} is not an IP address`);
    else if (seen.has(p.address)) bad(`${at}.address`, `${p.address} is listed twice`);
    seen.add(p.address);
    if (!isValidAsn(p.asn)) bad(`${at}.asn`, `${show(p.asn)} is not a valid ASN`);
    if (p.localAddress !== undefined && !parseAddress(p.localAddress))
      bad(`${at}.localAddress`, `${show(p.localAddress)} is not an IP address`);
    if (p.port !== undefined && !(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535))
      bad(`${at}.port`, `${show(p.port)} is not a port`);
    const hold = p.holdTime ?? DEFAULT_HOLD_TIME;
    // RFC 4271: zero (no keepalives) or at least three seconds.
    if (!(Number.isInteger(hold) && (hold === 0 || (hold >= 3 && hold <= 65535))))
      bad(`${at}.holdTime`, `${show(hold)} is not 0 or 3..65535 seconds`);
    if (
      p.keepalive !== undefined &&
      !(Number.isInteger(p.keepalive) && p.keepalive >= 1 && (hold === 0 || p.keepalive < hold))
    )
      bad(
        `${at}.keepalive`,
        `${show(p.keepalive)} must be a whole number of seconds below the hold time`,
      );
    if (
      p.multihopTtl !== undefined &&
      !(Number.isInteger(p.multihopTtl) && p.multihopTtl >= 2 && p.multihopTtl <= 255)
    )
      bad(`${at}.multihopTtl`, `${show(p.multihopTtl)} is not a TTL in 2..255`);
    (p.families ?? []).forEach((f, j) => {
      if (f !== 'ipv4' && f !== 'ipv6')
        bad(`${at}.families[${j}]`, `${show(f)} is not ipv4 or ipv6`);
    });
  });
  if (issues.length > 0) throw new InvalidInputError('BGP settings', issues);
}
