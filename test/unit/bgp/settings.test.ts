import { describe, expect, it } from 'vitest';
import { gobgpdConfig } from '../../../src/bgp/gobgpd-config.js';
import { peerStatus, toPeerMessage } from '../../../src/bgp/peers.js';
import { checkSettings } from '../../../src/bgp/settings.js';
import { InvalidInputError } from '../../../src/input/issues.js';

const speaker = { asn: 65001, routerId: '10.0.0.2', listenAddresses: ['10.0.0.2'] };

describe('BGP settings', () => {
  it('accepts a sound speaker and peers', () => {
    expect(() =>
      checkSettings(speaker, [
        { address: '10.0.0.1', asn: 65000 },
        { address: 'fd00::1', asn: 4200000000 },
      ]),
    ).not.toThrow();
  });

  it('names every bad value', () => {
    let issues: string[] = [];
    try {
      checkSettings(
        {
          asn: 0,
          routerId: 'fd00::1',
          listenPort: 70000,
          listenAddresses: ['x'],
          restartTime: 5000,
        },
        [
          { address: '10.0.0.256', asn: 23456 },
          { address: '10.0.0.1', asn: 65000, holdTime: 2, keepalive: 5, multihopTtl: 1 },
          { address: '10.0.0.1', asn: 65000, port: 0, families: ['ipv5' as 'ipv4'] },
        ],
      );
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      issues = err.issues.map((i) => `${i.path}: ${i.message}`);
    }
    expect(issues).toEqual([
      'asn: 0 is not a valid ASN',
      'routerId: "fd00::1" is not an IPv4 address',
      'listenPort: 70000 is not a port (1..65535, or -1 for no listener)',
      'listenAddresses[0]: "x" is not an IP address',
      'restartTime: 5000 is not a whole number of seconds in 0..4095',
      'peers[0].address: "10.0.0.256" is not an IP address',
      'peers[0].asn: 23456 is not a valid ASN',
      'peers[1].holdTime: 2 is not 0 or 3..65535 seconds',
      'peers[1].keepalive: 5 must be a whole number of seconds below the hold time',
      'peers[1].multihopTtl: 1 is not a TTL in 2..255',
      'peers[2].address: 10.0.0.1 is listed twice',
      'peers[2].port: 0 is not a port',
      'peers[2].families[0]: "ipv5" is not ipv4 or ipv6',
    ]);
  });
});

describe('peer messages', () => {
  it('asks for graceful restart per family (restarting, forwarding kept), short timers, no RFC 8538 notification', () => {
    const msg = toPeerMessage({ address: '10.0.0.1', asn: 65000, families: ['ipv4'] }, speaker);
    expect(msg.conf).toMatchObject({ neighbor_address: '10.0.0.1', peer_asn: 65000 });
    expect(msg.timers?.config).toEqual({ hold_time: 9, keepalive_interval: 3, connect_retry: 5 });
    expect(msg.graceful_restart).toEqual({
      enabled: true,
      restart_time: 30,
      helper_only: false,
      notification_enabled: false,
      local_restarting: true,
      deferral_time: 5,
    });
    expect(msg.afi_safis).toEqual([
      {
        config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' }, enabled: true },
        mp_graceful_restart: { config: { enabled: true } },
      },
    ]);
  });

  it('leaves graceful restart out when its time is 0', () => {
    const msg = toPeerMessage({ address: 'fd00::1', asn: 65000 }, { ...speaker, restartTime: 0 });
    expect(msg.graceful_restart).toBeNull();
    expect(msg.afi_safis.map((a) => [a.config?.family.afi, a.mp_graceful_restart])).toEqual([
      ['AFI_IP', null],
      ['AFI_IP6', null],
    ]);
  });

  it('reads status from ListPeer', () => {
    const status = peerStatus({
      conf: { neighbor_address: '10.0.0.1', peer_asn: 65000 },
      timers: {
        config: null,
        state: {
          negotiated_hold_time: 9,
          uptime: { seconds: 1_800_000_000, nanos: 0 },
          downtime: null,
        },
      },
      afi_safis: [
        {
          config: { family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' }, enabled: true },
          state: { family: null, received: 0, accepted: 0, advertised: 3 },
        },
      ],
      state: {
        neighbor_address: '10.0.0.1',
        peer_asn: 65000,
        session_state: 'ESTABLISHED',
        admin_state: 'UP',
        flops: 2,
        router_id: '10.255.0.1',
      },
    });
    expect(status).toEqual({
      address: '10.0.0.1',
      asn: 65000,
      state: 'ESTABLISHED',
      adminDown: false,
      upSince: '2027-01-15T08:00:00.000Z',
      flaps: 2,
      advertised: { ipv4: 3 },
      routerId: '10.255.0.1',
    });
  });
});

describe('gobgpd config', () => {
  it('holds the global section only', () => {
    expect(gobgpdConfig({ ...speaker, listenPort: 1179 })).toBe(
      [
        '# Written by anycastd at every start of the sidecar; edits are lost.',
        '# Neighbours and routes are added over the gRPC API.',
        '[global.config]',
        '  as = 65001',
        '  router-id = "10.0.0.2"',
        '  port = 1179',
        '  local-address-list = ["10.0.0.2"]',
        '',
      ].join('\n'),
    );
  });
});
