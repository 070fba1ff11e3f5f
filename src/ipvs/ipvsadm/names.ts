/**
 * Names for addresses and ports, resolved as ipvsadm resolves them without
 * -n: ports through the services database (first entry for the port and
 * protocol, like getservbyport), hosts through the system resolver (NSS:
 * /etc/hosts, then DNS, like gethostbyaddr). Lookups run before formatting,
 * in parallel, each with a deadline; what finds no name prints numerically.
 */
import { readFile } from 'node:fs/promises';
import { parseAddress } from '../../model/address.js';
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

/**
 * Resolves the host names of `addresses` (as `family|address` pairs) and
 * returns a Names backed by the results and the services file.
 */
export async function resolveNames(
  addresses: Iterable<readonly [Family, string]>,
  timeoutMs = 5000,
): Promise<Names> {
  const services = await loadServicesFile();
  const hosts = new Map<string, string | undefined>();
  const unique = new Map<string, string>();
  for (const [family, address] of addresses) unique.set(`${family}|${address}`, address);
  await Promise.all(
    [...unique].map(async ([id, address]) => {
      hosts.set(id, await reverse(address, timeoutMs));
    }),
  );
  return {
    host: (family, address) => hosts.get(`${family}|${address}`),
    port: services.port,
    portOf: services.portOf,
  };
}

async function reverse(address: string, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const found = await Promise.race([
      (await import('node:dns')).promises.lookupService(address, 0).then(
        (r) => r.hostname,
        () => undefined,
      ),
      timeout,
    ]);
    // getnameinfo answers with the numeric form when there is no name.
    return found && !parseAddress(found) ? found : undefined;
  } finally {
    clearTimeout(timer);
  }
}
