import { describe, expect, it } from 'vitest';
import { NLM_F_ACK } from '../../../src/netlink/constants.js';
import {
  decodeDestination,
  decodeService,
  serviceFlagNames,
} from '../../../src/ipvs/codec/decode.js';
import { encodeGetFamily, encodeOp } from '../../../src/ipvs/codec/encode.js';
import { forEachMessage, type MessageHeader } from '../../../src/netlink/reader.js';
import { MessageWriter } from '../../../src/netlink/writer.js';
import { type DestinationConfig, type ServiceConfig, ZERO_STATS } from '../../../src/ipvs/model.js';
import type { IpvsOp } from '../../../src/ipvs/ops.js';
import { destination, service } from '../../../src/ipvs/validate.js';

const FAMILY = 0x1c;

/** Hex of the message `op` encodes to, with ACK requested. */
function encode(op: IpvsOp): string {
  const w = new MessageWriter(16);
  const start = encodeOp(w, FAMILY, op, NLM_F_ACK);
  return w.slice(start, w.length).toString('hex');
}

/** Hex from an annotated layout: spaces and `|` separators are ignored. */
const hex = (...parts: string[]) => parts.join('').replace(/[\s|]/g, '');

function firstMessage(buf: Buffer): MessageHeader {
  let header: MessageHeader | undefined;
  forEachMessage(buf, (h) => {
    header ??= h;
  });
  if (!header) throw new Error('no message');
  return header;
}

const tcp80 = service({
  key: { family: 'ipv4', protocol: 'tcp', address: '192.0.2.10', port: 80 },
  scheduler: 'rr',
});

describe('IPVS request encoding (golden bytes)', () => {
  it('add service TCP 192.0.2.10:80 rr', () => {
    expect(encode({ type: 'add-service', service: tcp80 })).toBe(
      hex(
        '5c000000 1c00 0500 00000000 00000000', // nlmsghdr: len 92, family, REQUEST|ACK, seq, pid
        '01 01 0000', // genl: NEW_SERVICE, version 1
        '4800 0180', // SERVICE, nested, 72 bytes
        '0600 0100 0200 0000', // AF = AF_INET
        '0600 0200 0600 0000', // PROTOCOL = TCP
        '0800 0300 c000020a', // ADDR 192.0.2.10
        '0600 0400 0050 0000', // PORT 80, big-endian
        '0700 0600 727200 00', // SCHED_NAME "rr\0"
        '0c00 0700 00000000 3d000000', // FLAGS {flags 0, mask 0x3d}
        '0800 0800 00000000', // TIMEOUT 0
        '0800 0900 ffffffff', // NETMASK 255.255.255.255, big-endian
      ),
    );
  });

  it('add destination 10.0.0.2:80 weight 3 (direct routing)', () => {
    const op: IpvsOp = {
      type: 'add-destination',
      service: tcp80.key,
      destination: destination({ address: '10.0.0.2', port: 80, weight: 3 }),
    };
    expect(encode(op)).toBe(
      hex(
        '8c000000 1c00 0500 00000000 00000000', // len 140
        '05 01 0000', // NEW_DEST
        '2400 0180', // SERVICE (identity only), 36 bytes
        '0600 0100 0200 0000',
        '0600 0200 0600 0000',
        '0800 0300 c000020a',
        '0600 0400 0050 0000',
        '5400 0280', // DEST, nested, 84 bytes
        '0800 0100 0a000002', // ADDR
        '0600 0200 0050 0000', // PORT
        '0600 0b00 0200 0000', // ADDR_FAMILY = AF_INET
        '0800 0300 03000000', // FWD_METHOD = DROUTE
        '0800 0400 03000000', // WEIGHT 3
        '0800 0500 00000000', // U_THRESH
        '0800 0600 00000000', // L_THRESH
        '0500 0d00 00 000000', // TUN_TYPE ipip
        '0600 0e00 0000 0000', // TUN_PORT
        '0600 0f00 0000 0000', // TUN_FLAGS
      ),
    );
  });

  it('fwmark service over IPv6 with /64 persistence and the sip engine', () => {
    const op: IpvsOp = {
      type: 'add-service',
      service: service({
        key: { family: 'ipv6', fwmark: 43 },
        scheduler: 'lc',
        flags: ['persistent'],
        timeout: 60,
        netmask: 64,
        pe: 'sip',
      }),
    };
    expect(encode(op)).toBe(
      hex(
        '54000000 1c00 0500 00000000 00000000', // len 84
        '01 01 0000',
        '4000 0180', // SERVICE, 64 bytes
        '0600 0100 0a00 0000', // AF = AF_INET6
        '0800 0500 2b000000', // FWMARK 43
        '0700 0600 6c6300 00', // SCHED_NAME "lc\0"
        '0800 0b00 73697000', // PE_NAME "sip\0"
        '0c00 0700 01000000 3d000000', // FLAGS persistent
        '0800 0800 3c000000', // TIMEOUT 60
        '0800 0900 40000000', // NETMASK: prefix 64 in host order
      ),
    );
  });

  it('delete destination sends only identities', () => {
    const op: IpvsOp = {
      type: 'delete-destination',
      service: { family: 'ipv6', protocol: 'udp', address: '2001:db8::10', port: 53 },
      destination: { family: 'ipv6', address: '2001:db8::2', port: 53 },
    };
    expect(encode(op)).toBe(
      hex(
        '6c000000 1c00 0500 00000000 00000000', // len 108
        '07 01 0000', // DEL_DEST
        '3000 0180', // SERVICE, 48 bytes
        '0600 0100 0a00 0000',
        '0600 0200 1100 0000', // PROTOCOL = UDP
        '1400 0300 20010db8000000000000000000000010',
        '0600 0400 0035 0000',
        '2800 0280', // DEST, 40 bytes
        '1400 0100 20010db8000000000000000000000002',
        '0600 0200 0035 0000',
        '0600 0b00 0a00 0000',
      ),
    );
  });

  it('GUE tunnel destination with checksum', () => {
    const op: IpvsOp = {
      type: 'edit-destination',
      service: { family: 'ipv4', protocol: 'udp', address: '192.0.2.10', port: 53 },
      destination: destination({
        address: '10.0.0.6',
        port: 53,
        forward: 'tunnel',
        tunnelType: 'gue',
        tunnelPort: 6080,
        tunnelFlags: ['csum'],
      }),
    };
    const bytes = encode(op);
    expect(bytes.slice(32, 36)).toBe('0601'); // SET_DEST
    expect(bytes).toContain(hex('0800 0300 02000000')); // FWD_METHOD = TUNNEL
    expect(bytes).toContain(hex('0500 0d00 01 000000')); // TUN_TYPE = GUE
    expect(bytes).toContain(hex('0600 0e00 17c0 0000')); // TUN_PORT 6080, big-endian
    expect(bytes).toContain(hex('0600 0f00 0100 0000')); // TUN_FLAGS = CSUM
  });

  it('timeouts, flush, zero and the sync daemon', () => {
    expect(encode({ type: 'set-timeouts', timeouts: { tcp: 900, tcpFin: 120, udp: 300 } })).toBe(
      hex(
        '2c000000 1c00 0500 00000000 00000000',
        '0c 01 0000', // SET_CONFIG
        '0800 0400 84030000',
        '0800 0500 78000000',
        '0800 0600 2c010000',
      ),
    );
    expect(encode({ type: 'flush' })).toBe(hex('14000000 1c00 0500 00000000 00000000 11 01 0000'));
    expect(encode({ type: 'zero' })).toBe(hex('14000000 1c00 0500 00000000 00000000 10 01 0000'));
    expect(
      encode({
        type: 'start-daemon',
        daemon: {
          state: 'backup',
          interface: 'eth1',
          syncId: 9,
          port: 8850,
          ttl: 3,
          group: '224.0.0.88',
        },
      }),
    ).toBe(
      hex(
        '4c000000 1c00 0500 00000000 00000000',
        '09 01 0000', // NEW_DAEMON
        '3800 0380', // DAEMON, 56 bytes
        '0800 0100 02000000', // STATE backup
        '0900 0200 6574683100 000000', // MCAST_IFN "eth1\0"
        '0800 0300 09000000', // SYNC_ID
        '0600 0700 9222 0000', // MCAST_PORT 8850 = 0x2292 (host order)
        '0500 0800 03 000000', // MCAST_TTL
        '0800 0500 e0000058', // MCAST_GROUP 224.0.0.88
      ),
    );
  });

  it('resolves the family through the generic netlink controller', () => {
    const w = new MessageWriter();
    encodeGetFamily(w, 'IPVS');
    expect(w.view().toString('hex')).toBe(
      hex('20000000 1000 0100 00000000 00000000', '03 01 0000', '0900 0200 4950565300 000000'),
    );
  });

  it('packs many messages into one buffer, each 4-byte aligned', () => {
    const w = new MessageWriter(8);
    for (let i = 0; i < 100; i++) {
      encodeOp(
        w,
        FAMILY,
        { type: 'delete-service', service: { family: 'ipv4', fwmark: i + 1 } },
        0,
      );
    }
    const lengths: number[] = [];
    forEachMessage(w.view(), (h) => lengths.push(h.length));
    expect(lengths).toHaveLength(100);
    expect(w.starts).toHaveLength(100);
    expect(w.length).toBe(lengths.reduce((a, b) => a + b, 0));
  });
});

describe('IPVS decoding', () => {
  /** Encodes `op` and decodes the same bytes, which carry the same attributes a reply does. */
  function roundTrip(op: IpvsOp & { type: 'add-service' }): ServiceConfig {
    const w = new MessageWriter();
    encodeOp(w, FAMILY, op, 0);
    const buf = w.view();
    return decodeService(buf, firstMessage(buf));
  }

  it.each([
    tcp80,
    service({
      key: { family: 'ipv4', protocol: 'udp', address: '192.0.2.10', port: 53 },
      scheduler: 'sh',
      flags: ['sh-fallback', 'sh-port'],
    }),
    service({
      key: { family: 'ipv4', protocol: 'sctp', address: '192.0.2.11', port: 3868 },
      scheduler: 'mh',
      flags: ['persistent', 'mh-fallback', 'mh-port'],
      timeout: 600,
      netmask: 0xffffff00,
    }),
    service({
      key: { family: 'ipv6', protocol: 'tcp', address: '2001:db8::10', port: 443 },
      scheduler: 'wrr',
    }),
    service({
      key: { family: 'ipv6', fwmark: 0xffffffff },
      flags: ['persistent', 'one-packet', 'flag-1', 'flag-2', 'flag-3'],
      netmask: 1,
      pe: 'sip',
    }),
  ])('decode(encode(service)) is the service: %#', (config) => {
    expect(roundTrip({ type: 'add-service', service: config })).toEqual({
      ...config,
      stats: ZERO_STATS,
    });
  });

  it.each<DestinationConfig>([
    destination({ address: '10.0.0.2', port: 80, weight: 3 }),
    destination({
      address: '10.0.0.1',
      port: 8080,
      forward: 'nat',
      weight: 0,
      upperThreshold: 100,
      lowerThreshold: 10,
    }),
    destination({ address: '2001:db8::1:2', port: 443, weight: 65535, forward: 'local' }),
    destination({
      address: '10.0.0.6',
      port: 53,
      forward: 'tunnel',
      tunnelType: 'gue',
      tunnelPort: 6080,
      tunnelFlags: ['remcsum'],
    }),
    destination({
      address: '10.0.0.7',
      port: 53,
      forward: 'tunnel',
      tunnelType: 'gre',
      tunnelFlags: ['csum'],
    }),
  ])('decode(encode(destination)) is the destination: %#', (dest) => {
    const w = new MessageWriter();
    encodeOp(w, FAMILY, { type: 'add-destination', service: tcp80.key, destination: dest }, 0);
    const buf = w.view();
    expect(decodeDestination(buf, firstMessage(buf), 'ipv4')).toEqual({
      ...dest,
      activeConns: 0,
      inactiveConns: 0,
      persistentConns: 0,
      stats: ZERO_STATS,
    });
  });

  it('names scheduler flag bits after the scheduler', () => {
    expect(serviceFlagNames(0x3f, 'sh')).toEqual([
      'persistent',
      'hashed',
      'one-packet',
      'sh-fallback',
      'sh-port',
      'flag-3',
    ]);
    expect(serviceFlagNames(0x18, 'mh')).toEqual(['mh-fallback', 'mh-port']);
    expect(serviceFlagNames(0x38, 'dh')).toEqual(['flag-1', 'flag-2', 'flag-3']);
    expect(serviceFlagNames(0, 'rr')).toEqual([]);
  });

  it('reads 64-bit counters beyond 2^53 exactly', () => {
    // A dump reply: SERVICE with STATS64 whose INBYTES is 2^63 + 5.
    const w = new MessageWriter();
    const start = w.begin(FAMILY, 2, 1, 1);
    const svc = w.nest(1);
    w.u16(1, 2);
    w.u32(5, 7); // fwmark 7
    w.string(6, 'rr');
    const stats = w.nest(12);
    const big = Buffer.alloc(8);
    big.writeBigUInt64LE(2n ** 63n + 5n);
    w.bytes(4, big);
    w.endNest(stats);
    w.endNest(svc);
    w.end(start);
    const buf = w.view();
    expect(decodeService(buf, firstMessage(buf)).stats.inBytes).toBe(2n ** 63n + 5n);
  });
});
