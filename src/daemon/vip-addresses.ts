/**
 * The VIPs as local addresses of the director: IPVS sees only packets the
 * kernel delivers locally, so each VIP must be an address of this host. They
 * go on a dummy interface of their own (created if missing), as /32 or /128,
 * over rtnetlink: thousands of VIPs are one batch of messages, not a process
 * each. Only VIPs the configuration declares (now or before a reload) are
 * ever added or removed.
 */
import { type RtnlClient } from '../netlink/rtnl.js';

/** How the daemon changes addresses (rtnetlink in production, a fake in unit tests). */
export interface AddressPort {
  /** Addresses (`198.51.100.10/32`) on the interface, creating it (a dummy, up) if missing. */
  list(ifname: string): Promise<string[]>;
  /** Adds and removes addresses in one batch; returns each change that failed, and why. */
  change(
    ifname: string,
    add: readonly string[],
    remove: readonly string[],
  ): Promise<{ cidr: string; message: string }[]>;
  close?(): void;
}

/**
 * The port over rtnetlink. Reads and writes use separate sockets: a long
 * address dump (a resync) never holds up a change behind it.
 */
export class RtnlAddresses implements AddressPort {
  private reader: RtnlClient | undefined;
  private writer: RtnlClient | undefined;
  private readonly indexes = new Map<string, number>();

  constructor(private readonly open: () => Promise<RtnlClient>) {}

  async list(ifname: string): Promise<string[]> {
    this.reader ??= await this.open();
    const index = await this.ensure(this.reader, ifname);
    return this.reader.addresses(index);
  }

  async change(
    ifname: string,
    add: readonly string[],
    remove: readonly string[],
  ): Promise<{ cidr: string; message: string }[]> {
    if (add.length + remove.length === 0) return [];
    this.writer ??= await this.open();
    const index = this.indexes.get(ifname) ?? (await this.ensure(this.writer, ifname));
    const failures = await this.writer.changeAddresses(index, add, remove);
    // The interface may have been deleted and made again behind our back: look it up anew.
    if (failures.some((f) => f.message.includes('ENODEV'))) this.indexes.delete(ifname);
    return failures.map((f) => ({ cidr: f.cidr, message: f.message }));
  }

  close(): void {
    this.reader?.close();
    this.writer?.close();
  }

  private async ensure(client: RtnlClient, ifname: string): Promise<number> {
    let link = await client.link(ifname);
    if (!link) {
      await client.createDummy(ifname).catch((e: unknown) => {
        if (!(e instanceof Error && e.message.includes('EEXIST'))) throw e;
      });
      link = await client.link(ifname);
      if (!link) throw new Error(`interface ${ifname} could not be created`);
    }
    if (!link.up) await client.setUp(link.index);
    this.indexes.set(ifname, link.index);
    return link.index;
  }
}

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
