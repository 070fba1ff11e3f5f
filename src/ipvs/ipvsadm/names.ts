/**
 * Names for addresses and ports, resolved as ipvsadm resolves them without
 * -n: ports through the services database (first entry for the port and
 * protocol, like getservbyport), hosts as gethostbyaddr finds them through
 * NSS's `files` and `dns` sources in nsswitch.conf's order (/etc/hosts, then
 * PTR queries). Lookups run before formatting, in parallel, under one
 * deadline; what finds no name prints numerically.
 */
import { readFile } from 'node:fs/promises';
import { canonicalAddress, parseAddress } from '../../model/address.js';
import type { Family, Protocol } from '../model.js';

export interface Names {
  /** Host name of an address, if it has one. */
  host: (family: Family, address: string) => string | undefined;
  /** Service name of a port for a protocol, if it has one. */
  port: (port: number, protocol: Protocol | undefined) => string | undefined;
  /** Port number of a service name for a protocol. */
  portOf: (name: string, protocol: Protocol) => number | undefined;
}

/** No names at all: everything prints numerically (-n). */
export const numericNames: Names = {
  host: () => undefined,
  port: () => undefined,
  portOf: () => undefined,
};

/** Parses a services(5) file into name lookups both ways. */
export function parseServices(text: string): Pick<Names, 'port' | 'portOf'> {
  const byPort = new Map<string, string>();
  const byName = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, portProto, ...aliases] = line.split(/\s+/);
    const m = /^(\d+)\/(\w+)$/.exec(portProto ?? '');
    if (!name || !m) continue;
    const port = Number(m[1]);
    const proto = (m[2] as string).toLowerCase();
    if (!byPort.has(`${proto}/${port}`)) byPort.set(`${proto}/${port}`, name);
    for (const n of [name, ...aliases]) {
      if (!byName.has(`${proto}/${n}`)) byName.set(`${proto}/${n}`, port);
    }
  }
  return {
    port: (port, protocol) => (protocol ? byPort.get(`${protocol}/${port}`) : undefined),
    portOf: (name, protocol) => byName.get(`${protocol}/${name}`),
  };
}

export async function loadServicesFile(
  path = '/etc/services',
): Promise<Pick<Names, 'port' | 'portOf'>> {
  try {
    return parseServices(await readFile(path, 'utf8'));
  } catch {
    return { port: () => undefined, portOf: () => undefined };
  }
}

/** Where gethostbyaddr looks, in order: the sources of nsswitch.conf's `hosts:` line we know. */
export type HostSource = 'files' | 'dns';

/**
 * The `hosts:` line of nsswitch.conf as the sources to ask, in order; without
 * one, `files dns` as Debian ships it. Sources other than files and dns
 * (mdns, myhostname, ...) are not asked.
 */
export function parseNsswitchHosts(text: string | undefined): HostSource[] {
  const line = text
    ?.split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .find((l) => /^hosts\s*:/.test(l));
  if (line === undefined) return ['files', 'dns'];
  const sources = line
    .replace(/^hosts\s*:/, '')
    .replace(/\[[^\]]*\]/g, ' ')
    .split(/\s+/)
    .filter((w): w is HostSource => w === 'files' || w === 'dns');
  return [...new Set(sources)];
}

/**
 * hosts(5) as gethostbyaddr's files backend reads it: an address's name is the
 * first name of the first line that holds the address.
 */
export function parseHostsFile(text: string): Map<string, string> {
  const byAddress = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const [address, name] = raw.replace(/#.*/, '').trim().split(/\s+/);
    const parsed = address ? canonicalAddress(address) : undefined;
    if (!parsed || !name) continue;
    const key = `${parsed.family}|${parsed.address}`;
    if (!byAddress.has(key)) byAddress.set(key, name);
  }
  return byAddress;
}

/** Reverse DNS: the first PTR name of an address, or undefined. */
export type PtrLookup = (address: string) => Promise<string | undefined>;

/**
 * Reverse DNS through c-ares (Node's dns.Resolver) rather than getnameinfo:
 * getnameinfo runs on libuv's four pool threads, so thousands of addresses
 * queued there for many seconds, and lookups abandoned at the deadline kept
 * the finished command alive. c-ares queries run side by side on the event
 * loop and `cancel()` ends every one still open.
 */
async function dnsPtr(timeoutMs: number): Promise<{ ptr: PtrLookup; close: () => void }> {
  const { Resolver } = await import('node:dns/promises');
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  return {
    ptr: (address) =>
      resolver.reverse(address).then(
        (names) => names[0],
        () => undefined,
      ),
    close: () => resolver.cancel(),
  };
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Resolves the host names of `addresses` (as `family|address` pairs) and
 * returns a Names backed by the results and the services file. Every lookup
 * ends by `timeoutMs`: what has no answer by then prints numerically.
 */
export async function resolveNames(
  addresses: Iterable<readonly [Family, string]>,
  timeoutMs = 5000,
  files: { hosts?: string; nsswitch?: string } = {},
): Promise<Names> {
  const [services, hostsText, nsswitchText] = await Promise.all([
    loadServicesFile(),
    readOptional(files.hosts ?? '/etc/hosts'),
    readOptional(files.nsswitch ?? '/etc/nsswitch.conf'),
  ]);
  const unique = new Set<string>();
  for (const [family, address] of addresses) unique.add(`${family}|${address}`);
  const hosts = await lookUpHosts(
    [...unique],
    parseNsswitchHosts(nsswitchText),
    parseHostsFile(hostsText ?? ''),
    timeoutMs,
  );
  return {
    host: (family, address) => hosts.get(`${family}|${address}`),
    port: services.port,
    portOf: services.portOf,
  };
}

/** Each `family|address` id asked of the sources in order; the first name found wins. */
export async function lookUpHosts(
  ids: readonly string[],
  sources: readonly HostSource[],
  hostsFile: ReadonlyMap<string, string>,
  timeoutMs: number,
  ptr?: PtrLookup,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let pending = [...ids];
  for (const source of sources) {
    if (pending.length === 0) break;
    if (source === 'files') {
      for (const id of pending) {
        const name = hostsFile.get(id);
        if (name !== undefined) found.set(id, name);
      }
    } else {
      const dns = ptr ? { ptr, close: () => {} } : await dnsPtr(timeoutMs);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      try {
        await Promise.race([
          deadline,
          Promise.all(
            pending.map(async (id) => {
              const name = await dns.ptr(id.slice(id.indexOf('|') + 1));
              if (name && !parseAddress(name)) found.set(id, name);
            }),
          ),
        ]);
      } finally {
        clearTimeout(timer);
        dns.close();
      }
    }
    pending = pending.filter((id) => !found.has(id));
  }
  return found;
}
