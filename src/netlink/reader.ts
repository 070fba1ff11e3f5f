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
 */
export class Attrs {
  private constructor(
    readonly buf: Buffer,
    private readonly at: Int32Array,
  ) {}

  /** Indexes attributes between `start` and `end`, keeping types up to `max`. */
  static parse(buf: Buffer, start: number, end: number, max: number): Attrs {
    const at = new Int32Array((max + 1) * 2).fill(-1);
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
    return new Attrs(buf, at);
  }

  /** The top-level attributes of a generic netlink message. */
  static ofMessage(buf: Buffer, header: MessageHeader, max: number): Attrs {
    return Attrs.parse(
      buf,
      header.offset + NLMSG_HDRLEN + GENL_HDRLEN,
      header.offset + header.length,
      max,
    );
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

  /** Attributes nested inside `type`, or undefined when it is absent. */
  nested(type: number, max: number): Attrs | undefined {
    const off = this.offset(type);
    if (off < 0) return undefined;
    return Attrs.parse(this.buf, off, off + this.size(type), max);
  }

  u8(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : (this.buf[off] as number);
  }

  u16(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buf.readUInt16LE(off);
  }

  be16(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buf.readUInt16BE(off);
  }

  u32(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buf.readUInt32LE(off);
  }

  be32(type: number, fallback = 0): number {
    const off = this.offset(type);
    return off < 0 ? fallback : this.buf.readUInt32BE(off);
  }

  /** A 32- or 64-bit counter, whichever width the kernel sent. */
  counter(type: number): bigint {
    const off = this.offset(type);
    if (off < 0) return 0n;
    return this.size(type) >= 8
      ? this.buf.readBigUInt64LE(off)
      : BigInt(this.buf.readUInt32LE(off));
  }

  /** A NUL-terminated string attribute. */
  string(type: number): string | undefined {
    const off = this.offset(type);
    if (off < 0) return undefined;
    let end = off + this.size(type);
    const nul = this.buf.indexOf(0, off);
    if (nul >= 0 && nul < end) end = nul;
    return this.buf.toString('utf8', off, end);
  }

  bytes(type: number): Buffer | undefined {
    const off = this.offset(type);
    return off < 0 ? undefined : this.buf.subarray(off, off + this.size(type));
  }
}
