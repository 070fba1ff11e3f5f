/**
 * The few parts of the DNS wire format (RFC 1035) a health check needs: a
 * query with one question, and a response's header, question echo and answer
 * records rendered in presentation form for comparison. Pure.
 */
import { formatIPv4, formatIPv6 } from '../../model/address.js';

export interface DnsAnswer {
  type: number;
  /** Presentation form: `192.0.2.1`, `2001:db8::1`, `host.example.`, `10 mx.example.`, `"text"`. */
  data: string;
}

export interface DnsResponse {
  id: number;
  rcode: number;
  truncated: boolean;
  answers: DnsAnswer[];
}

/** Encodes a recursive query for `name`/`qtype` in class IN. Throws on a label over 63 bytes. */
export function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const qname: number[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new Error(`DNS label too long: ${label}`);
    qname.push(bytes.length, ...bytes);
  }
  qname.push(0);
  const out = Buffer.alloc(12 + qname.length + 4);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(0x0100, 2); // RD
  out.writeUInt16BE(1, 4); // QDCOUNT
  Buffer.from(qname).copy(out, 12);
  out.writeUInt16BE(qtype, 12 + qname.length);
  out.writeUInt16BE(1, 14 + qname.length); // IN
  return out;
}

/** Decodes a response; throws with a short reason on a malformed one. */
export function decodeResponse(msg: Buffer): DnsResponse {
  if (msg.length < 12) throw new Error('DNS response shorter than its header');
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new Error('DNS message is not a response');
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let pos = 12;
  for (let i = 0; i < qd; i++) {
    pos = readName(msg, pos).end + 4;
  }
  const answers: DnsAnswer[] = [];
  for (let i = 0; i < an; i++) {
    const name = readName(msg, pos);
    pos = name.end;
    if (pos + 10 > msg.length) throw new Error('DNS answer cut short');
    const type = msg.readUInt16BE(pos);
    const rdlength = msg.readUInt16BE(pos + 8);
    const rdata = pos + 10;
    if (rdata + rdlength > msg.length) throw new Error('DNS record data cut short');
    answers.push({ type, data: renderData(msg, type, rdata, rdlength) });
    pos = rdata + rdlength;
  }
  return { id, rcode: flags & 0x000f, truncated: (flags & 0x0200) !== 0, answers };
}

function readName(msg: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = start;
  let end = -1;
  for (let jumps = 0; ;) {
    if (pos >= msg.length) throw new Error('DNS name runs past the message');
    const len = msg[pos] as number;
    if (len === 0) {
      if (end < 0) end = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new Error('DNS name pointer cut short');
      if (end < 0) end = pos + 2;
      if (++jumps > 32) throw new Error('DNS name pointers loop');
      pos = ((len & 0x3f) << 8) | (msg[pos + 1] as number);
      continue;
    }
    if (pos + 1 + len > msg.length) throw new Error('DNS label runs past the message');
    labels.push(msg.toString('ascii', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: `${labels.join('.')}.`, end };
}

function renderData(msg: Buffer, type: number, at: number, len: number): string {
  switch (type) {
    case 1:
      return len === 4 ? formatIPv4(msg, at) : hex(msg, at, len);
    case 28:
      return len === 16 ? formatIPv6(msg, at) : hex(msg, at, len);
    case 2:
    case 5:
    case 12:
      return readName(msg, at).name;
    case 15:
      return `${msg.readUInt16BE(at)} ${readName(msg, at + 2).name}`;
    case 33:
      return `${msg.readUInt16BE(at)} ${msg.readUInt16BE(at + 2)} ${msg.readUInt16BE(at + 4)} ${readName(msg, at + 6).name}`;
    case 6:
      return readName(msg, at).name;
    case 16: {
      const parts: string[] = [];
      for (let p = at; p < at + len;) {
        const n = msg[p] as number;
        parts.push(JSON.stringify(msg.toString('latin1', p + 1, p + 1 + n)));
        p += 1 + n;
      }
      return parts.join(' ');
    }
    default:
      return hex(msg, at, len);
  }
}

function hex(msg: Buffer, at: number, len: number): string {
  return `\\# ${len} ${msg.toString('hex', at, at + len)}`;
}

/** True when `expected` equals the answer, ignoring case and a final dot on names. */
export function answerMatches(answer: DnsAnswer, expected: string): boolean {
  const norm = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/\.$/, '')
      .replace(/^"(.*)"$/, '$1');
  return norm(answer.data) === norm(expected);
}
