/**
 * ICMP echo for health checks, without a program per probe: one raw ICMP
 * (or ICMPv6) socket per address family and source address, opened through
 * libc with koffi as the TCP connect poller is, shared by every ICMP check of
 * the process. Node has no ICMP sockets; Linux's unprivileged "ping sockets"
 * depend on net.ipv4.ping_group_range, which a fresh network namespace leaves
 * closed, while a director runs as root (CAP_NET_RAW) anyway.
 *
 * Each request carries this socket's identifier, a sequence number and a
 * random cookie; a reply counts only when all three and its source address
 * match, so other pingers on the host (which see the same replies on their raw
 * sockets) cannot answer for us. Replies are read by polling the non-blocking
 * socket once a millisecond while requests are outstanding, not at all
 * otherwise. Destination-unreachable and time-exceeded errors quoting one of
 * our requests fail it at once.
 */
import { randomBytes } from 'node:crypto';
import { errnoReason } from '../../probe.js';
import { type LibcFn, libc as sharedLibc } from '../../../libc.js';
import { canonicalAddress, formatIPv4, formatIPv6 } from '../../../model/address.js';
import {
  AF_INET,
  AF_INET6,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOL_SOCKET,
  socketAddress,
} from '../sockaddr.js';

const SOCK_RAW = 3;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;
const MSG_DONTWAIT = 0x40;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const SOL_RAW = 255;
const ICMP_FILTER = 1;
const ICMP6_FILTER = 1;
/** Room for a few hundred milliseconds of replies at tens of thousands a second. */
const RCVBUF = 4 << 20;
const POLL_MS = 1;
const COOKIE = 8;

interface Libc {
  socket: LibcFn;
  setsockopt: LibcFn;
  bind: LibcFn;
  sendto: LibcFn;
  recvfrom: LibcFn;
  errno: () => number;
}

let libc: Libc | undefined;
function loadLibc(): Libc {
  if (libc) return libc;
  const lib = sharedLibc();
  libc = {
    socket: lib.func('int socket(int, int, int)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    sendto: lib.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)'),
    recvfrom: lib.func('long recvfrom(int, void *, size_t, int, void *, void *)'),
    errno: lib.errno,
  };
  return libc;
}

export type EchoResult = { ok: true; ms: number } | { ok: false; reason: string };

interface Pending {
  address: string;
  sentAt: number;
  done: (r: EchoResult) => void;
}

/** Internet checksum (RFC 1071) over `b`. */
export function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += ((b[i] as number) << 8) | (b[i + 1] as number);
  if (b.length % 2) sum += (b[b.length - 1] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An echo request: type, code, checksum, identifier, sequence, cookie, padding. */
export function echoRequest(
  v6: boolean,
  id: number,
  seq: number,
  cookie: Buffer,
  size: number,
): Buffer {
  const b = Buffer.alloc(8 + Math.max(COOKIE, size));
  b[0] = v6 ? 128 : 8;
  b.writeUInt16BE(id, 4);
  b.writeUInt16BE(seq, 6);
  cookie.copy(b, 8);
  // The kernel fills in the ICMPv6 checksum (it covers a pseudo-header); ICMP's is ours.
  if (!v6) b.writeUInt16BE(checksum(b), 2);
  return b;
}

const UNREACHABLE_V4: Record<number, string> = {
  0: 'network unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  3: 'port unreachable',
  9: 'network prohibited',
  10: 'host prohibited',
  13: 'communication prohibited',
};
const UNREACHABLE_V6: Record<number, string> = {
  0: 'no route',
  1: 'communication prohibited',
  3: 'address unreachable',
  4: 'port unreachable',
};

/**
 * What a received datagram means for our requests: a reply (or an error) for
 * sequence `seq`, or nothing of ours. `packet` starts at the ICMP header
 * (the IPv4 header already skipped).
 */
export function classify(
  v6: boolean,
  packet: Buffer,
  id: number,
  cookie: Buffer,
): { seq: number; error?: string } | undefined {
  if (packet.length < 8) return undefined;
  const type = packet[0] as number;
  const code = packet[1] as number;
  const echoReply = v6 ? 129 : 0;
  if (type === echoReply) {
    if (packet.readUInt16BE(4) !== id || packet.length < 8 + COOKIE) return undefined;
    if (!packet.subarray(8, 8 + COOKIE).equals(cookie)) return undefined;
    return { seq: packet.readUInt16BE(6) };
  }
  // An error quotes the offending packet: its IP header, then our echo request's header.
  const unreachable = v6 ? type === 1 : type === 3;
  const exceeded = v6 ? type === 3 : type === 11;
  if (!unreachable && !exceeded) return undefined;
  let inner = 8;
  if (v6) inner += 40;
  else {
    if (packet.length < inner + 20) return undefined;
    inner += ((packet[inner] as number) & 0x0f) * 4;
  }
  if (packet.length < inner + 8) return undefined;
  if (packet[inner] !== (v6 ? 128 : 8) || packet.readUInt16BE(inner + 4) !== id) return undefined;
  const why = exceeded
    ? 'time exceeded'
    : ((v6 ? UNREACHABLE_V6 : UNREACHABLE_V4)[code] ?? `unreachable (code ${code})`);
  return { seq: packet.readUInt16BE(inner + 6), error: why };
}

export class Pinger {
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly buf = Buffer.alloc(65536);
  private readonly from = Buffer.alloc(28);
  private readonly fromLen = Buffer.alloc(4);
  private readonly cookie = randomBytes(COOKIE);
  private readonly id: number;

  private constructor(
    private readonly lib: Libc,
    private readonly fd: number,
    private readonly v6: boolean,
  ) {
    this.id = randomBytes(2).readUInt16BE(0);
  }

  /** A socket for `family`, bound to `source` when given. Throws with the errno's meaning. */
  static open(v6: boolean, source?: string): Pinger {
    const lib = loadLibc();
    const fd = lib.socket(
      v6 ? AF_INET6 : AF_INET,
      SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
      v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP,
    );
    if (fd < 0) {
      const e = lib.errno();
      throw new Error(
        e === 1 || e === 13
          ? 'raw ICMP sockets need root or CAP_NET_RAW'
          : `cannot open a raw ICMP socket: ${errnoReason(e)}`,
      );
    }
    // Only replies and errors are queued: a raw socket otherwise gets every ICMP packet of the
    // host, our own requests included when the target is local.
    if (v6) {
      // One bit per type, set = blocked: all but echo reply, unreachable, time exceeded.
      const filter = Buffer.alloc(32, 0xff);
      for (const t of [1, 3, 129]) filter[t >> 3] = (filter[t >> 3] as number) & ~(1 << (t & 7));
      lib.setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, filter, 32);
    } else {
      // One bit per type, set = dropped.
      const filter = Buffer.alloc(4);
      filter.writeUInt32LE(~((1 << 0) | (1 << 3) | (1 << 11)) >>> 0, 0);
      lib.setsockopt(fd, SOL_RAW, ICMP_FILTER, filter, 4);
    }
    const size = Buffer.alloc(4);
    size.writeInt32LE(RCVBUF, 0);
    if (lib.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) < 0)
      lib.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
    if (source !== undefined) {
      const sa = sockaddr(source);
      if (lib.bind(fd, sa, sa.length) < 0)
        throw new Error(`cannot send ICMP from ${source}: ${errnoReason(lib.errno())}`);
    }
    return new Pinger(lib, fd, v6);
  }

  /** Sends one echo request; `done` is called once, unless `cancel` comes first. Returns the handle. */
  ping(address: string, size: number, done: (r: EchoResult) => void): number {
    let seq = (this.seq = (this.seq + 1) & 0xffff);
    // 65,536 requests outstanding at once would be needed for a sequence to come round.
    while (this.pending.has(seq)) seq = this.seq = (this.seq + 1) & 0xffff;
    const packet = echoRequest(this.v6, this.id, seq, this.cookie, size);
    const to = sockaddr(address);
    if (this.lib.sendto(this.fd, packet, packet.length, 0, to, to.length) < 0) {
      done({ ok: false, reason: `cannot send: ${errnoReason(this.lib.errno())}` });
      return -1;
    }
    // Replies come from the canonical form of the address.
    this.pending.set(seq, {
      address: canonicalAddress(address)?.address ?? address,
      sentAt: performance.now(),
      done,
    });
    this.timer ??= setTimeout(() => this.poll(), POLL_MS).unref();
    return seq;
  }

  cancel(handle: number): void {
    this.pending.delete(handle);
  }

  get outstanding(): number {
    return this.pending.size;
  }

  private poll(): void {
    this.timer = undefined;
    for (;;) {
      this.fromLen.writeUInt32LE(this.from.length, 0);
      const n = this.lib.recvfrom(
        this.fd,
        this.buf,
        this.buf.length,
        MSG_DONTWAIT,
        this.from,
        this.fromLen,
      );
      // EAGAIN: nothing more for now. Anything else (ENOMEM, say) is retried next poll.
      if (n < 0) break;
      let packet = this.buf.subarray(0, n);
      if (!this.v6) packet = packet.subarray(((packet[0] as number) & 0x0f) * 4);
      const c = classify(this.v6, packet, this.id, this.cookie);
      if (!c) continue;
      const p = this.pending.get(c.seq);
      if (!p) continue;
      if (c.error === undefined && senderOf(this.from, this.v6) !== p.address) continue;
      this.pending.delete(c.seq);
      p.done(
        c.error === undefined
          ? { ok: true, ms: performance.now() - p.sentAt }
          : { ok: false, reason: `${c.error} (from ${senderOf(this.from, this.v6)})` },
      );
    }
    if (this.pending.size > 0) this.timer = setTimeout(() => this.poll(), POLL_MS).unref();
  }
}

/** The kernel ignores the port of a raw socket's address. */
const sockaddr = (address: string) => socketAddress(address, 0);

function senderOf(sa: Buffer, v6: boolean): string {
  return v6 ? formatIPv6(sa, 8) : formatIPv4(sa, 4);
}

const shared = new Map<string, Pinger>();
const failed = new Map<string, string>();

/** The process's pinger for a family and source, or the reason there is none. */
export function pinger(v6: boolean, source?: string): Pinger | string {
  const key = `${v6 ? 6 : 4}|${source ?? ''}`;
  const have = shared.get(key);
  if (have) return have;
  const why = failed.get(key);
  if (why !== undefined) return why;
  try {
    const p = Pinger.open(v6, source);
    shared.set(key, p);
    return p;
  } catch (e) {
    failed.set(key, (e as Error).message);
    return (e as Error).message;
  }
}
