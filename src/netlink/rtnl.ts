/**
 * rtnetlink (NETLINK_ROUTE) for the little the daemon needs of it: find or
 * create the VIP interface (a dummy, up), list its addresses, and add or
 * remove many addresses in one batch. The same request layer as generic
 * netlink carries it; only the fixed headers differ (ifinfomsg, ifaddrmsg
 * from linux/rtnetlink.h, linux/if_addr.h, linux/if_link.h).
 */
import { type Family, formatAddress, parseAddress } from '../model/address.js';
import {
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
} from './constants.js';
import { errnoName, errnoOf } from './errno.js';
import { Attrs, type MessageHeader } from './reader.js';
import { GenlSocket, NetlinkError } from './socket.js';
import { MessageWriter } from './writer.js';

const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const RTM_GETADDR = 22;
const IFINFOMSG_BYTES = 16;
const IFADDRMSG_BYTES = 8;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_FLAGS = 8;
const IFA_F_NODAD = 0x02;
const IFF_UP = 0x1;
const AF_INET = 2;
const AF_INET6 = 10;
const ENODEV = errnoOf('ENODEV');

const HDR = 16;

export interface Link {
  index: number;
  up: boolean;
}

/** One address change the kernel refused. */
export interface AddressFailure {
  cidr: string;
  op: 'add' | 'remove';
  errno: number;
  message: string;
}

function parseCidr(cidr: string): { family: Family; bytes: Uint8Array; prefix: number } {
  const slash = cidr.lastIndexOf('/');
  const parsed = parseAddress(slash < 0 ? cidr : cidr.slice(0, slash));
  if (!parsed) throw new Error(`${cidr} is not an address with a prefix length`);
  const prefix = slash < 0 ? (parsed.family === 'ipv4' ? 32 : 128) : Number(cidr.slice(slash + 1));
  return { family: parsed.family, bytes: parsed.bytes, prefix };
}

export class RtnlClient {
  private constructor(private readonly socket: GenlSocket) {}

  static open(options: { netns?: string | undefined; timeoutMs?: number } = {}): RtnlClient {
    return new RtnlClient(
      new GenlSocket({
        protocol: NETLINK_ROUTE,
        netns: options.netns,
        timeoutMs: options.timeoutMs ?? 5000,
        // Address dumps of thousands of VIPs come in many messages; no request of ours is large.
        receiveBufferBytes: 1024 * 1024,
        // Not the synchronous path: creating a dummy interface can load its module,
        // and the thread would wait in poll() for it (0.7 s seen in the kernel lab).
        synchronousSingles: false,
      }),
    );
  }

  close(): void {
    this.socket.close();
  }

  /** The interface named `name`, or undefined when there is none. */
  async link(name: string): Promise<Link | undefined> {
    const w = new MessageWriter(128);
    const start = w.beginFixed(RTM_GETLINK, NLM_F_REQUEST, IFINFOMSG_BYTES);
    w.string(IFLA_IFNAME, name);
    w.end(start);
    try {
      const { buf, header } = await this.socket.request(w);
      return {
        index: buf.readInt32LE(header.offset + HDR + 4),
        up: (buf.readUInt32LE(header.offset + HDR + 8) & IFF_UP) !== 0,
      };
    } catch (error) {
      if (error instanceof NetlinkError && error.errno === ENODEV) return undefined;
      throw rtnlError(error, `look up interface ${name}`);
    }
  }

  /** Creates a dummy interface, up. EEXIST when it is there already. */
  async createDummy(name: string): Promise<void> {
    const w = new MessageWriter(128);
    const start = w.beginFixed(
      RTM_NEWLINK,
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      IFINFOMSG_BYTES,
    );
    w.putU32(start + HDR + 8, IFF_UP);
    w.putU32(start + HDR + 12, IFF_UP);
    w.string(IFLA_IFNAME, name);
    const info = w.nest(IFLA_LINKINFO);
    w.string(IFLA_INFO_KIND, 'dummy');
    w.endNest(info);
    w.end(start);
    await this.one(w, `create dummy interface ${name}`);
  }

  /** Brings interface `index` up. */
  async setUp(index: number): Promise<void> {
    const w = new MessageWriter(64);
    const start = w.beginFixed(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, IFINFOMSG_BYTES);
    w.putU32(start + HDR + 4, index);
    w.putU32(start + HDR + 8, IFF_UP);
    w.putU32(start + HDR + 12, IFF_UP);
    w.end(start);
    await this.one(w, `bring interface ${index} up`);
  }

  /** The addresses on interface `index`, as `address/prefix`, canonical. */
  async addresses(index: number): Promise<string[]> {
    const w = new MessageWriter(64);
    const start = w.beginFixed(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, IFADDRMSG_BYTES);
    w.end(start);
    const out: string[] = [];
    try {
      await this.socket.dump(w, (buf, header) => {
        const a = decodeAddress(buf, header);
        if (a && a.index === index) out.push(a.cidr);
      });
    } catch (error) {
      throw rtnlError(error, 'list addresses');
    }
    return out;
  }

  /**
   * Adds (`ip addr replace`: an address already there is no error) and
   * removes addresses on interface `index`, all in one batch. Returns the
   * changes the kernel refused; the others are done.
   */
  async changeAddresses(
    index: number,
    add: readonly string[],
    remove: readonly string[],
  ): Promise<AddressFailure[]> {
    const ops = [
      ...add.map((cidr) => ({ cidr, op: 'add' as const })),
      ...remove.map((cidr) => ({ cidr, op: 'remove' as const })),
    ];
    if (ops.length === 0) return [];
    const w = new MessageWriter(Math.max(256, ops.length * 64));
    for (const { cidr, op } of ops) {
      const { family, bytes, prefix } = parseCidr(cidr);
      const start = w.beginFixed(
        op === 'add' ? RTM_NEWADDR : RTM_DELADDR,
        NLM_F_REQUEST | NLM_F_ACK | (op === 'add' ? NLM_F_CREATE | NLM_F_REPLACE : 0),
        IFADDRMSG_BYTES,
      );
      const nodad = op === 'add' && family === 'ipv6' ? IFA_F_NODAD : 0;
      w.putU8(start + HDR, family === 'ipv4' ? AF_INET : AF_INET6);
      w.putU8(start + HDR + 1, prefix);
      w.putU8(start + HDR + 2, nodad);
      w.putU32(start + HDR + 4, index);
      w.bytes(IFA_LOCAL, bytes);
      w.bytes(IFA_ADDRESS, bytes);
      if (nodad) w.u32(IFA_FLAGS, nodad);
      w.end(start);
    }
    let errnos: number[];
    try {
      errnos = await this.socket.batch(w);
    } catch (error) {
      throw rtnlError(error, `change ${ops.length} addresses`);
    }
    const failures: AddressFailure[] = [];
    errnos.forEach((errno, i) => {
      const o = ops[i];
      if (errno !== 0 && o)
        failures.push({ ...o, errno, message: `${o.op} ${o.cidr}: ${errnoName(errno)}` });
    });
    return failures;
  }

  private async one(w: MessageWriter, what: string): Promise<void> {
    let errno: number | undefined;
    try {
      [errno] = await this.socket.batch(w);
    } catch (error) {
      throw rtnlError(error, what);
    }
    if (errno) throw new NetlinkError(errno, `${what}: ${errnoName(errno)}`);
  }
}

function decodeAddress(
  buf: Buffer,
  header: MessageHeader,
): { index: number; cidr: string } | undefined {
  if (header.type !== RTM_NEWADDR || header.length < HDR + IFADDRMSG_BYTES) return undefined;
  const at = header.offset + HDR;
  const familyCode = buf[at];
  const family: Family | undefined =
    familyCode === AF_INET ? 'ipv4' : familyCode === AF_INET6 ? 'ipv6' : undefined;
  if (!family) return undefined;
  const prefix = buf[at + 1] as number;
  const index = buf.readUInt32LE(at + 4);
  const attrs = Attrs.afterFixed(buf, header, IFADDRMSG_BYTES, IFA_FLAGS);
  // IPv4 puts the local address in IFA_LOCAL (IFA_ADDRESS is the peer); IPv6 only has IFA_ADDRESS.
  const bytes = attrs.bytes(IFA_LOCAL) ?? attrs.bytes(IFA_ADDRESS);
  if (!bytes || bytes.length !== (family === 'ipv4' ? 4 : 16)) return undefined;
  return { index, cidr: `${formatAddress(family, bytes)}/${prefix}` };
}

function rtnlError(error: unknown, what: string): NetlinkError {
  if (error instanceof NetlinkError)
    return new NetlinkError(error.errno, `${what}: ${errnoName(error.errno)} (${error.message})`);
  return new NetlinkError(0, `${what}: ${error instanceof Error ? error.message : String(error)}`);
}
