import { describe, expect, it } from 'vitest';
import { filterStatus, formatStatus } from '../../../src/cli/status-format.js';
import type { DaemonStatus } from '../../../src/daemon/daemon.js';

describe('anycastd status text', () => {
  it('shows why each VIP is or is not announced, the health behind it, peers and drains', () => {
    const status = {
      director: 'lb1',
      warmingUp: false,
      ipvs: { ok: true, error: undefined },
      lastReconcile: { at: '2026-11-21T08:00:00.000Z', ms: 3, ops: 1, failed: 0, reasons: [] },
      vips: [
        {
          vip: '198.51.100.10',
          route: 'withdraw',
          reason: 'web: 0 of 2 real servers healthy, needs 1',
          since: '2026-11-21T08:00:00.000Z',
          services: ['web'],
        },
      ],
      reals: [
        {
          service: 'web',
          address: '10.1.0.1',
          port: 0,
          state: 'down',
          reason: 'ECONNREFUSED (connection refused)',
          since: '2026-11-21T07:59:59.000Z',
          drained: false,
        },
        {
          service: 'web',
          address: '10.1.0.2',
          port: 8080,
          state: 'up',
          reason: 'status 200',
          since: undefined,
          drained: true,
        },
      ],
      bgp: {
        mode: 'spawn',
        address: 'unix:///run/anycastd/gobgp/gobgpd.sock',
        sidecar: 'up',
        lastError: undefined,
        waitingForFirstSet: false,
        announced: 0,
        peers: [
          {
            address: '192.0.2.1',
            asn: 65000,
            state: 'ESTABLISHED',
            upSince: '2026-11-21T07:00:00.000Z',
            flaps: 1,
          },
        ],
      },
      drains: { director: false, vips: [], services: [], reals: ['10.1.0.2'] },
    } as unknown as DaemonStatus;
    expect(formatStatus(status)).toBe(
      [
        'director lb1: running; IPVS ok; last pass 2026-11-21T08:00:00.000Z, 3 ms, 1 changes',
        'GoBGP (spawn, unix:///run/anycastd/gobgp/gobgpd.sock): up; 0 routes announced',
        '',
        'VIP            ROUTE     SINCE                     WHY                                        SERVICES',
        '198.51.100.10  withdraw  2026-11-21T08:00:00.000Z  web: 0 of 2 real servers healthy, needs 1  web',
        '',
        'SERVICE  REAL SERVER    HEALTH        SINCE                     WHY',
        'web      10.1.0.1       down          2026-11-21T07:59:59.000Z  ECONNREFUSED (connection refused)',
        'web      10.1.0.2:8080  up (drained)  -                         status 200',
        '',
        'BGP PEER   ASN    STATE        UP SINCE                  FLAPS',
        '192.0.2.1  65000  ESTABLISHED  2026-11-21T07:00:00.000Z  1',
        '',
        'drained: real 10.1.0.2',
        '',
      ].join('\n'),
    );
  });

  it('names the configuration it runs on and a refused reload', () => {
    const status = {
      director: 'lb1',
      warmingUp: false,
      ipvs: { ok: true, error: undefined },
      lastReconcile: undefined,
      vips: [],
      reals: [],
      bgp: {
        mode: 'spawn',
        address: 'unix:///run/g.sock',
        sidecar: 'up',
        lastError: undefined,
        waitingForFirstSet: false,
        announced: 0,
        peers: [],
      },
      drains: { director: false, vips: [], services: [], reals: [] },
      config: {
        file: '/etc/anycastd/anycastd.yaml',
        sha256: 'ab12cd34ef56'.repeat(5) + 'abcd',
        loadedAt: '2026-11-21T07:00:00.000Z',
        lastReload: {
          at: '2026-11-21T08:00:00.000Z',
          ok: false,
          problems: 2,
          first: 'services[0].vip (line 4): 224.0.0.1 is multicast',
        },
      },
    } as unknown as DaemonStatus;
    expect(formatStatus(status).split('\n').slice(0, 2)).toEqual([
      'director lb1: running; IPVS ok',
      'config /etc/anycastd/anycastd.yaml (sha256 ab12cd34ef56), loaded 2026-11-21T07:00:00.000Z; ' +
        'last reload 2026-11-21T08:00:00.000Z REFUSED, 2 problems: services[0].vip (line 4): 224.0.0.1 is multicast',
    ]);
    const split = {
      ...status,
      config: {
        ...status.config!,
        lastReload: undefined,
        included: [
          { file: 'services.d/a.yaml', sha256: 'a'.repeat(64) },
          { file: 'services.d/b.yaml', sha256: 'b'.repeat(64) },
        ],
      },
    };
    expect(formatStatus(split).split('\n')[1]).toBe(
      'config /etc/anycastd/anycastd.yaml (sha256 ab12cd34ef56) with 2 included files, loaded 2026-11-21T07:00:00.000Z',
    );
  });
});

describe('anycastd status VIP|SERVICE', () => {
  const status = {
    vips: [
      { vip: '198.51.100.10', services: ['web', 'web-tls'] },
      { vip: '2001:db8::53', services: ['dns'] },
    ],
    reals: [
      { service: 'web', address: '10.1.0.1' },
      { service: 'web-tls', address: '10.1.0.1' },
      { service: 'dns', address: '2001:db8:1::1' },
    ],
  } as unknown as DaemonStatus;
  const shown = (targets: string[]) => {
    const r = filterStatus(status, targets);
    return {
      vips: r.status.vips.map((v) => v.vip),
      reals: r.status.reals.map((x) => `${x.service} ${x.address}`),
      unknown: r.unknown,
    };
  };

  it('a VIP keeps its services, written any way an address can be', () => {
    expect(shown(['2001:DB8:0::53'])).toEqual({
      vips: ['2001:db8::53'],
      reals: ['dns 2001:db8:1::1'],
      unknown: [],
    });
    expect(shown(['198.51.100.10']).reals).toEqual(['web 10.1.0.1', 'web-tls 10.1.0.1']);
  });

  it('a service keeps its VIP, and names that match nothing are returned', () => {
    expect(shown(['web-tls', 'nope'])).toEqual({
      vips: ['198.51.100.10'],
      reals: ['web-tls 10.1.0.1'],
      unknown: ['nope'],
    });
  });
});
