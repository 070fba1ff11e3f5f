/**
 * Service and real-server addresses as ipvsadm writes them on its command
 * line (`192.0.2.1:80`, `[2001:db8::1]:443`, `host:http`, a fwmark), parsed
 * as its parse_service does.
 */
import { canonicalAddress, formatIPv4, parseIPv4, parseIPv6 } from '../../model/address.js';
import type { Family, Protocol, ServiceKey } from '../model.js';
import type { Names } from './names.js';

export class EndpointError extends Error {}

/** Name lookups the rules may need: host names (IPv4, as ipvsadm) and service names. */
export interface RuleResolver {
  host: (name: string) => Promise<string | undefined>;
  port: (name: string, protocol: Protocol) => number | undefined;
}

export const noResolver: RuleResolver = {
  host: async () => undefined,
  port: () => undefined,
};

/** Resolves host names to IPv4 (as ipvsadm's gethostbyname) and ports by the services file. */
export function systemResolver(services: Pick<Names, 'portOf'> | undefined): RuleResolver {
  return {
    host: async (name) => {
      try {
        const { promises: dns } = await import('node:dns');
        return (await dns.lookup(name, { family: 4 })).address;
      } catch {
        return undefined;
      }
    },
    port: (name, protocol) => services?.portOf(name, protocol),
  };
}

export interface Endpoint {
  family: Family;
  address: string;
  port: number | undefined;
}

/** Thrown by a synchronous parse that met a host name not looked up yet. */
export class PendingLookup extends Error {
  constructor(readonly host: string) {
    super(`host ${host} not looked up yet`);
  }
}

/** Host names already looked up: the address, or undefined when it does not resolve. */
export type KnownHosts = ReadonlyMap<string, string | undefined>;

/**
 * ipvsadm's parse_service: `[v6]:port`, bare v6, `v4[:port]`, `host[:port]`.
 * Synchronous: a host name must be in `hosts` (else PendingLookup is thrown).
 */
export function parseEndpoint(
  text: string,
  protocol: Protocol | undefined,
  hosts: KnownHosts,
  portOf: RuleResolver['port'],
  what: string,
): Endpoint {
  let host = text;
  let portText: string | undefined;
  let family: Family;
  let address: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':')
      throw new EndpointError(`${what}: "${text}" is not [address]:port`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  }
  const firstColon = host.indexOf(':');
  if (firstColon >= 0 && host.indexOf(':', firstColon + 1) >= 0 && parseIPv6(host)) {
    // Several colons: a bare IPv6 address, which carries no port.
    family = 'ipv6';
    address = canonicalAddress(host)?.address ?? host;
  } else {
    if (!text.startsWith('[') && firstColon >= 0) {
      portText = host.slice(firstColon + 1);
      host = host.slice(0, firstColon);
    }
    // ipvsadm takes a bare run of digits for a port, not an address: `-r 10`
    // and `-r 3405803877` are refused while `-r 3405803877:80` resolves.
    if (portText === undefined && /^\d+$/.test(host))
      throw new EndpointError(`${what}: "${text}" is not an address (a number alone is not one)`);
    const v4 = parseIPv4(host);
    let resolved: string | undefined;
    if (v4) resolved = host;
    else if (hosts.has(host)) resolved = hosts.get(host);
    else throw new PendingLookup(host);
    if (!resolved)
      throw new EndpointError(
        `${what}: "${text}" is not an address (or a host name that resolves)`,
      );
    family = 'ipv4';
    address = resolved;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (/^\d+$/.test(portText)) {
      port = Number(portText);
      if (port > 65535) throw new EndpointError(`${what}: port ${portText} is not in 0..65535`);
    } else {
      port = protocol ? portOf(portText, protocol) : undefined;
      if (port === undefined) {
        throw new EndpointError(
          `${what}: "${portText}" is not a port number or known service name`,
        );
      }
    }
  }
  return { family, address, port };
}

/** Looks up `name` with `resolver` into `known` (ipvsadm resolves IPv4 only). */
export async function lookUp(
  resolver: RuleResolver,
  known: Map<string, string | undefined>,
  names: Iterable<string>,
): Promise<void> {
  await Promise.all(
    [...new Set(names)].map(async (name) => {
      const address = await resolver.host(name);
      known.set(
        name,
        address && parseIPv4(address) ? formatIPv4(parseIPv4(address) as Uint8Array) : undefined,
      );
    }),
  );
}

/** The service named by `ipvsadm -L -t|-u|--sctp-service|-f VALUE [-6]`. */
export async function parseServiceOption(
  kind: Protocol | 'fwmark',
  text: string,
  ipv6: boolean,
  services: Pick<Names, 'portOf'> | undefined,
): Promise<ServiceKey> {
  if (kind === 'fwmark') {
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 0xffffffff) {
      throw new EndpointError(`-f: "${text}" is not a fwmark (1..4294967295)`);
    }
    return { family: ipv6 ? 'ipv6' : 'ipv4', fwmark: Number(text) };
  }
  const resolver = systemResolver(services);
  const known = new Map<string, string | undefined>();
  let ep: Endpoint;
  try {
    ep = parseEndpoint(text, kind, known, resolver.port, `--${kind}-service`);
  } catch (error) {
    if (!(error instanceof PendingLookup)) throw error;
    await lookUp(resolver, known, [error.host]);
    ep = parseEndpoint(text, kind, known, resolver.port, `--${kind}-service`);
  }
  return { family: ep.family, protocol: kind, address: ep.address, port: ep.port ?? 0 };
}
