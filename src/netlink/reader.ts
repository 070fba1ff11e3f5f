/**
 * Reads netlink replies: splits a received buffer into messages and indexes
 * the attributes of a message or of a nested attribute by type, without
 * copying payloads.
 */
import { GENL_HDRLEN, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from './constants.js';

export interface MessageHeader {
  offset: number;
  length: number;
  type: number;
  flags: number;
  seq: number;
}

/** Calls `visit` for each complete netlink message in `buf`; stops at a malformed one. */
export function forEachMessage(buf: Buffer, visit: (header: MessageHeader) => void): void {
  let offset = 0;
  while (offset + NLMSG_HDRLEN <= buf.length) {
    const length = buf.readUInt32LE(offset);
    if (length < NLMSG_HDRLEN || offset + length > buf.length) return;
    visit({
      offset,
      length,
      type: buf.readUInt16LE(offset + 4),
      flags: buf.readUInt16LE(offset + 6),
      seq: buf.readUInt32LE(offset + 8),
    });
    offset += (length + 3) & ~3;
  }
}

/**
 * Attribute index: for type t, `at[2t]` is the payload offset and `at[2t+1]`
 * its length; an absent attribute has offset -1.
 *
 * An index can be reused (`reset`, or the `into` arguments) so that decoding
 * a large dump does not allocate one per attribute level: allocation, and
 * the garbage collection it brings, is most of the cost of decoding.
 */
export class Attrs {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly at: Int32Array;

  /** An empty index for attribute types up to `max`. */
  constructor(readonly max: number) {
    this.at = new Int32Array((max + 1) * 2);
  }

  get buf(): Buffer {
    return this.buffer;
  }

  /** Indexes the attributes between `start` and `end` of `buf`, replacing what was indexed. */
  reset(buf: Buffer, start: number, end: number): this {
    const at = this.at;
    const max = this.max;
    at.fill(-1);
    this.buffer = buf;
    let pos = start;
    while (pos + NLA_HDRLEN <= end) {
      const len = buf.readUInt16LE(pos);
      if (len < NLA_HDRLEN || pos + len > end) break;
      const type = buf.readUInt16LE(pos + 2) & NLA_TYPE_MASK;
      if (type <= max) {
        at[type * 2] = pos + NLA_HDRLEN;
        at[type * 2 + 1] = len - NLA_HDRLEN;
      }
      pos += (len + 3) & ~3;
    }
    return this;
  }

  /** A new index of the attributes between `start` and `end`, keeping types up to `max`. */
  static parse(buf: Buffer, start: number, end: number, max: number): Attrs {
    return new Attrs(max).reset(buf, start, end);
  }

  /** The top-level attributes of a generic netlink message (into `into` when given). */
  static ofMessage(buf: Buffer, header: MessageHeader, max: number, into?: Attrs): Attrs {
    return (into ?? new Attrs(max)).reset(
      buf,
      header.offset + NLMSG_HDRLEN + GENL_HDRLEN,
      header.offset + header.length,
    );
  }

  /** The top-level attributes of a message whose fixed header is `fixed` bytes (rtnetlink). */
  static afterFixed(buf: Buffer, header: MessageHeader, fixed: number, max: number): Attrs {
    return new Attrs(max).reset(
      buf,
      header.offset + NLMSG_HDRLEN + ((fixed + 3) & ~3),
      header.offset + header.length,
    );
  }

  /** Attributes nested inside `type` (into `into` when given), or undefined when it is absent. */
  nested(type: number, max: number, into?: Attrs): Attrs | undefined {
    const off = this.offset(type);
    if (off < 0) return undefined;
    return (into ?? new Attrs(max)).reset(this.buffer, off, off + this.size(type));
  }

  has(type: number): boolean {
    return (this.at[type * 2] as number) >= 0;
  }

  offset(type: number): number {
    return this.at[type * 2] as number;
  }

  size(type: number): number {
    return this.at[type * 2 + 1] as number;
  }

  u8(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : (this.buffer[off] as number);
  }

  u16(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buffer.readUInt16LE(off);
  }

  be16(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buffer.readUInt16BE(off);
  }

  u32(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buffer.readUInt32LE(off);
  }

  be32(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buffer.readUInt32BE(off);
  }

  /** A 32- or 64-bit counter, whichever width the kernel sent. */
  counter(type: number): bigint {
    const off = this.offset(type);
    if (off < 0) return 0n;
    return this.size(type) >= 8
      ? this.buffer.readBigUInt64LE(off)
      : BigInt(this.buffer.readUInt32LE(off));
  }

  /** A NUL-terminated string attribute. */
  string(type: number): string | undefined {
    const off = this.offset(type);
    if (off < 0) return undefined;
    let end = off + this.size(type);
    const nul = this.buffer.indexOf(0, off);
    if (nul >= 0 && nul < end) end = nul;
    return this.buffer.toString('utf8', off, end);
  }

  bytes(type: number): Buffer | undefined {
    const off = this.offset(type);
    return off < 0 ? undefined : this.buffer.subarray(off, off + this.size(type));
  }
}
