/** ICMP echo packets out, replies and errors in: only our own count. */
import { describe, expect, it } from 'vitest';
import { checksum, classify, echoRequest } from '../../../src/health/probes/icmp/pinger.js';

const cookie = Buffer.from('0102030405060708', 'hex');

describe('echo requests', () => {
  it('carry type 8, id, sequence, cookie and a checksum that verifies (IPv4)', () => {
    const p = echoRequest(false, 0x1234, 7, cookie, 56);
    expect(p.length).toBe(64);
    expect([p[0], p.readUInt16BE(4), p.readUInt16BE(6)]).toEqual([8, 0x1234, 7]);
    expect(p.subarray(8, 16)).toEqual(cookie);
    expect(checksum(p)).toBe(0);
  });

  it('leave the checksum to the kernel for ICMPv6 (type 128)', () => {
    const p = echoRequest(true, 1, 2, cookie, 8);
    expect([p[0], p.readUInt16BE(2), p.length]).toEqual([128, 0, 16]);
  });
});

describe('classify', () => {
  const reply = (type: number, id: number, c: Buffer) => {
    const p = echoRequest(false, id, 9, c, 8);
    p[0] = type;
    return p;
  };

  it('takes an echo reply with our id and cookie, nothing else', () => {
    expect(classify(false, reply(0, 0x1234, cookie), 0x1234, cookie)).toEqual({ seq: 9 });
    expect(classify(false, reply(0, 0x9999, cookie), 0x1234, cookie)).toBeUndefined();
    expect(classify(false, reply(0, 0x1234, Buffer.alloc(8)), 0x1234, cookie)).toBeUndefined();
    // Our own request, seen on the raw socket over loopback.
    expect(classify(false, reply(8, 0x1234, cookie), 0x1234, cookie)).toBeUndefined();
  });

  it('reads a host-unreachable error quoting one of our requests (IPv4)', () => {
    const quoted = echoRequest(false, 0x1234, 42, cookie, 8);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    const err = Buffer.concat([Buffer.from([3, 1, 0, 0, 0, 0, 0, 0]), ip, quoted.subarray(0, 8)]);
    expect(classify(false, err, 0x1234, cookie)).toEqual({ seq: 42, error: 'host unreachable' });
    expect(classify(false, err, 0x4321, cookie)).toBeUndefined();
  });

  it('reads an address-unreachable error (ICMPv6)', () => {
    const quoted = echoRequest(true, 0x1234, 5, cookie, 8);
    const err = Buffer.concat([
      Buffer.from([1, 3, 0, 0, 0, 0, 0, 0]),
      Buffer.alloc(40),
      quoted.subarray(0, 8),
    ]);
    expect(classify(true, err, 0x1234, cookie)).toEqual({ seq: 5, error: 'address unreachable' });
  });
});
