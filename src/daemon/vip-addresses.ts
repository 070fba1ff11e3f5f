/**
 * The VIPs as local addresses of the director: IPVS sees only packets the
 * kernel delivers locally, so each VIP must be an address of this host. They
 * go on a dummy interface of their own (created if missing), as /32 or /128,
 * through iproute2. Only VIPs the configuration declares (now or before a
 * reload) are ever added or removed.
 */
import { runHelper as run } from './helper-command.js';

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  return typeof stderr === 'string' ? stderr : String(error);
}

/** How the daemon changes addresses (iproute2 in production, a fake in unit tests). */
export interface AddressPort {
  /** Addresses (`198.51.100.10/32`) on the interface, creating it (a dummy, up) if missing. */
  list(ifname: string): Promise<string[]>;
  add(ifname: string, cidr: string): Promise<void>;
  remove(ifname: string, cidr: string): Promise<void>;
}

interface IpAddrJson {
  addr_info?: { local?: string; prefixlen?: number }[];
}

export const iproute2: AddressPort = {
  async list(ifname) {
    let out: string;
    try {
      out = (await run('ip', ['-j', 'addr', 'show', 'dev', ifname])).stdout;
    } catch (error) {
      // Only a missing interface is created; any other failure (a killed `ip`, no
      // permission) is reported as it is rather than hidden behind a failed create.
      if (!/does not exist/.test(stderrOf(error))) throw error;
      await run('ip', ['link', 'add', ifname, 'type', 'dummy']).catch((e: unknown) => {
        if (!/File exists/.test(stderrOf(e))) throw e;
      });
      await run('ip', ['link', 'set', ifname, 'up']);
      out = (await run('ip', ['-j', 'addr', 'show', 'dev', ifname])).stdout;
    }
    const links = JSON.parse(out || '[]') as IpAddrJson[];
    return links.flatMap((l) =>
      (l.addr_info ?? []).map((a) => `${a.local ?? ''}/${a.prefixlen ?? 0}`),
    );
  },
  async add(ifname, cidr) {
    await run('ip', [
      'addr',
      'replace',
      cidr,
      'dev',
      ifname,
      ...(cidr.includes(':') ? ['nodad'] : []),
    ]);
  },
  async remove(ifname, cidr) {
    await run('ip', ['addr', 'del', cidr, 'dev', ifname]);
  },
};

/** The addresses to add and to remove, given what is wanted, what is there and what was ours. */
export function planAddresses(
  wanted: ReadonlySet<string>,
  present: readonly string[],
  owned: ReadonlySet<string>,
): { add: string[]; remove: string[] } {
  const have = new Set(present);
  return {
    add: [...wanted].filter((a) => !have.has(a)).sort(),
    remove: present.filter((a) => owned.has(a) && !wanted.has(a)).sort(),
  };
}
