/**
 * Builds generic netlink messages into one growing buffer, so a batch of
 * requests is a single contiguous buffer handed to one sendmsg. Netlink
 * headers and attribute headers are host byte order; the few big-endian
 * fields (ports, IPv4 netmask) are written by the callers that know them.
 */
import { GENL_HDRLEN, NLA_F_NESTED, NLA_HDRLEN, NLMSG_HDRLEN } from './constants.js';

const align4 = (n: number) => (n + 3) & ~3;

// Byte stores instead of Buffer#writeUInt16LE and friends, whose argument and
// range checks cost several times the store itself; every offset here is
// already inside the buffer (reserve() made room).
function le16(b: Buffer, value: number, at: number): void {
  b[at] = value & 0xff;
  b[at + 1] = (value >>> 8) & 0xff;
}
function le32(b: Buffer, value: number, at: number): void {
  b[at] = value & 0xff;
  b[at + 1] = (value >>> 8) & 0xff;
  b[at + 2] = (value >>> 16) & 0xff;
  b[at + 3] = (value >>> 24) & 0xff;
}
function be16(b: Buffer, value: number, at: number): void {
  b[at] = (value >>> 8) & 0xff;
  b[at + 1] = value & 0xff;
}
function be32(b: Buffer, value: number, at: number): void {
  b[at] = (value >>> 24) & 0xff;
  b[at + 1] = (value >>> 16) & 0xff;
  b[at + 2] = (value >>> 8) & 0xff;
  b[at + 3] = value & 0xff;
}

export class MessageWriter {
  private buf: Buffer;
  private pos = 0;
  /** Start offset of every message begun, in order. */
  readonly starts: number[] = [];

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  /** Forgets everything written, keeping the buffer for reuse. */
  reset(): void {
    this.pos = 0;
    this.starts.length = 0;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Starts a message: nlmsghdr (sequence 0, patched when sent) and genlmsghdr. */
  begin(type: number, flags: number, cmd: number, version: number): number {
    const start = this.nlmsghdr(type, flags, GENL_HDRLEN);
    const b = this.buf;
    b[start + 16] = cmd;
    b[start + 17] = version;
    le16(b, 0, start + 18);
    return start;
  }

  /**
   * Starts a message whose fixed header is `size` bytes (zeroed) of another
   * family's struct instead of genlmsghdr (rtnetlink's ifinfomsg, ifaddrmsg).
   * The struct begins at the returned start + NLMSG_HDRLEN; fill it with put*.
   */
  beginFixed(type: number, flags: number, size: number): number {
    const padded = align4(size);
    const start = this.nlmsghdr(type, flags, padded);
    for (let i = 0; i < padded; i++) this.buf[start + NLMSG_HDRLEN + i] = 0;
    return start;
  }

  /** Writes an nlmsghdr and makes room for `fixed` more bytes after it; returns its start. */
  private nlmsghdr(type: number, flags: number, fixed: number): number {
    this.reserve(NLMSG_HDRLEN + fixed);
    const start = this.pos;
    const b = this.buf;
    le32(b, 0, start);
    le16(b, type, start + 4);
    le16(b, flags, start + 6);
    le32(b, 0, start + 8);
    le32(b, 0, start + 12);
    this.pos += NLMSG_HDRLEN + fixed;
    this.starts.push(start);
    return start;
  }

  /** Stores into bytes already written (a fixed header). */
  putU8(at: number, value: number): void {
    this.buf[at] = value & 0xff;
  }

  putU16(at: number, value: number): void {
    le16(this.buf, value, at);
  }

  putU32(at: number, value: number): void {
    le32(this.buf, value >>> 0, at);
  }

  /** Closes the message begun at `start` by writing its length. */
  end(start: number): void {
    le32(this.buf, this.pos - start, start);
  }

  /** Removes the last message begun (used when encoding it failed halfway). */
  discardLast(): void {
    const start = this.starts.pop();
    if (start !== undefined) this.pos = start;
  }

  private header(type: number, payload: number): number {
    this.reserve(align4(NLA_HDRLEN + payload));
    const at = this.pos;
    le16(this.buf, NLA_HDRLEN + payload, at);
    le16(this.buf, type, at + 2);
    return at + NLA_HDRLEN;
  }

  /**
   * Zeroes up to three bytes by hand: Buffer#fill is a call into C++, which
   * costs more than everything else in encoding a small attribute.
   */
  private pad(end: number): void {
    const aligned = align4(end);
    for (let i = end; i < aligned; i++) this.buf[i] = 0;
    this.pos = aligned;
  }

  u8(type: number, value: number): void {
    const at = this.header(type, 1);
    this.buf[at] = value;
    this.pad(at + 1);
  }

  u16(type: number, value: number): void {
    const at = this.header(type, 2);
    le16(this.buf, value, at);
    this.pad(at + 2);
  }

  /** Network byte order (ports). */
  be16(type: number, value: number): void {
    const at = this.header(type, 2);
    be16(this.buf, value, at);
    this.pad(at + 2);
  }

  u32(type: number, value: number): void {
    const at = this.header(type, 4);
    le32(this.buf, value >>> 0, at);
    this.pad(at + 4);
  }

  /** Two host-order u32 in one attribute, e.g. struct ip_vs_flags {flags, mask}. */
  u32Pair(type: number, first: number, second: number): void {
    const at = this.header(type, 8);
    le32(this.buf, first >>> 0, at);
    le32(this.buf, second >>> 0, at + 4);
    this.pad(at + 8);
  }

  be32(type: number, value: number): void {
    const at = this.header(type, 4);
    be32(this.buf, value >>> 0, at);
    this.pad(at + 4);
  }

  bytes(type: number, value: Uint8Array): void {
    const at = this.header(type, value.length);
    this.buf.set(value, at);
    this.pad(at + value.length);
  }

  /** NUL-terminated string, as the kernel's NLA_NUL_STRING policy wants. */
  string(type: number, value: string): void {
    const len = Buffer.byteLength(value);
    const at = this.header(type, len + 1);
    this.buf.write(value, at, 'utf8');
    this.buf[at + len] = 0;
    this.pad(at + len + 1);
  }

  /** Opens a nested attribute; close it with endNest. */
  nest(type: number): number {
    const at = this.header(type | NLA_F_NESTED, 0);
    this.pos = at;
    return at - NLA_HDRLEN;
  }

  endNest(start: number): void {
    le16(this.buf, this.pos - start, start);
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes from `from` to `to`. */
  slice(from: number, to: number): Buffer {
    return Buffer.from(this.buf.subarray(from, to));
  }
}
