import { describe, expect, it } from 'vitest';
import { type GateInputs, type GateState, stepGate } from '../../../src/daemon/announce-gate.js';

const params = {
  holdDownMs: 1000,
  maxHoldDownMs: 4000,
  flapWindowMs: 60_000,
  drainTimeMs: 5000,
  settleMs: 500,
};
const vip = (healthy: number, opts: Partial<GateInputs> = {}): GateInputs => ({
  services: [
    { name: 'web', healthy, total: 4, minHealthy: { count: 2 }, reannounceHealthy: { count: 3 } },
  ],
  drained: false,
  ipvsOk: true,
  ...opts,
});

describe('announce gate', () => {
  it('announces at the re-announce threshold, keeps it down to min_healthy, withdraws below', () => {
    let s: GateState = stepGate(undefined, vip(2), 0, params);
    expect([s.route, s.reason]).toEqual(['withdraw', 'web: 2 of 4 real servers healthy, needs 3']);
    expect(s.code).toBe('below-reannounce-healthy');
    s = stepGate(s, vip(3), 100, params);
    expect([s.route, s.reason, s.code]).toEqual(['announce', 'healthy', 'healthy']);
    s = stepGate(s, vip(2), 200, params);
    expect(s.route).toBe('announce');
    s = stepGate(s, vip(1), 300, params);
    expect([s.route, s.reason, s.since]).toEqual([
      'withdraw',
      'web: 1 of 4 real servers healthy, needs 2',
      300,
    ]);
    expect(s.code).toBe('below-min-healthy');
  });

  it('damps flapping: the hold-down doubles with each withdrawal in the window, up to the maximum', () => {
    let s = stepGate(undefined, vip(4), 0, params);
    const holds: number[] = [];
    let t = 0;
    for (let i = 0; i < 5; i++) {
      t += 10;
      s = stepGate(s, vip(0), t, params);
      holds.push(s.holdUntil - t);
      // Healthy again at once: held down until holdUntil, then announced.
      s = stepGate(s, vip(4), t + 1, params);
      expect(s.route).toBe('withdraw');
      expect(s.reason).toMatch(/^held down for \d+ s more after \d withdrawals? in 1 min$/);
      expect(s.code).toBe('held-down');
      t = s.holdUntil;
      s = stepGate(s, vip(4), t, params);
      expect(s.route).toBe('announce');
    }
    expect(holds).toEqual([1000, 2000, 4000, 4000, 4000]);
    // Outside the window the count starts again.
    s = stepGate(s, vip(0), t + 120_000, params);
    expect(s.holdUntil - (t + 120_000)).toBe(1000);
  });

  it('withdraws when IPVS cannot be programmed, whatever the health', () => {
    const s = stepGate(
      stepGate(undefined, vip(4), 0, params),
      vip(4, { ipvsOk: false }),
      10,
      params,
    );
    expect([s.route, s.reason]).toEqual(['withdraw', 'IPVS cannot be programmed on this director']);
    expect(s.code).toBe('ipvs-unavailable');
  });

  it('drains: draining attributes for the drain time, then withdrawn; an unannounced VIP stays withdrawn', () => {
    let s = stepGate(undefined, vip(4), 0, params);
    s = stepGate(s, vip(4, { drained: true }), 1000, params);
    expect([s.route, s.code]).toEqual(['drain', 'draining']);
    s = stepGate(s, vip(4, { drained: true }), 5999, params);
    expect(s.route).toBe('drain');
    s = stepGate(s, vip(4, { drained: true }), 6000, params);
    expect([s.route, s.reason, s.code]).toEqual(['withdraw', 'drained by the operator', 'drained']);
    expect(stepGate(undefined, vip(4, { drained: true }), 0, params).route).toBe('withdraw');
  });

  it('needs every service of the VIP to meet its threshold, and says which does not', () => {
    const two: GateInputs = {
      ...vip(4),
      services: [
        {
          name: 'web',
          healthy: 4,
          total: 4,
          minHealthy: { count: 1 },
          reannounceHealthy: { count: 1 },
        },
        {
          name: 'dns',
          healthy: 1,
          total: 4,
          minHealthy: { percent: 50 },
          reannounceHealthy: { percent: 50 },
        },
      ],
    };
    expect(stepGate(undefined, two, 0, params).reason).toBe(
      'dns: 1 of 4 real servers healthy, needs 2',
    );
  });
});

describe('routes from health', () => {
  it('groups services by VIP, counts only up, undrained real servers, and announces the first service route', async () => {
    const { parseConfigOrThrow } = await import('../../../src/config/parse.js');
    const { vipGroups, gateInputs, desiredRoutes } =
      await import('../../../src/daemon/desired-routes.js');
    const { NO_DRAINS, realKey } = await import('../../../src/daemon/health-view.js');
    const config = parseConfigOrThrow({
      director: { name: 'lb1', router_id: '192.0.2.11' },
      bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }], announce: { med: 10 } },
      services: [
        {
          name: 'web',
          vip: '198.51.100.10',
          ports: [{ port: 80 }],
          reals: [{ address: '10.1.0.1' }, { address: '10.1.0.2' }],
        },
        {
          name: 'dns',
          vip: '198.51.100.10',
          ports: [{ port: 53, protocol: 'udp' }],
          reals: [{ address: '10.1.0.3' }],
        },
        {
          name: 'v6',
          vip: '2001:db8::10',
          ports: [{ port: 80 }],
          reals: [{ address: '2001:db8:1::1' }],
        },
      ],
    });
    const groups = vipGroups(config.services);
    expect([...groups.keys()]).toEqual(['198.51.100.10', '2001:db8::10']);
    const health = new Map(
      config.services.flatMap((vs) =>
        vs.reals.map((r) => [realKey(vs, r), { state: 'up' as const }]),
      ),
    );
    const drains = { ...NO_DRAINS, reals: new Set(['10.1.0.2']) };
    const inputs = gateInputs(groups.get('198.51.100.10') ?? [], health, drains, true);
    expect(inputs.services.map((s) => [s.name, s.healthy, s.total])).toEqual([
      ['web', 1, 2],
      ['dns', 1, 1],
    ]);
    const states = new Map<string, GateState>();
    for (const [v, g] of groups)
      states.set(v, stepGate(undefined, gateInputs(g, health, NO_DRAINS, true), 0));
    expect(desiredRoutes(groups, states).map((r) => [r.prefix, r.med, r.nextHop])).toEqual([
      ['198.51.100.10/32', 10, 'self'],
      ['2001:db8::10/128', 10, 'self'],
    ]);
  });

  describe('the fleet guard (fail-open)', () => {
    const fleet = (healthyOthers: number, anyOthers = healthyOthers, failOpen = true) => ({
      fleet: { failOpen, healthyOthers, anyOthers },
    });

    it('keeps a failing VIP announced, marked fail-open, while no other director announces it healthy', () => {
      let s = stepGate(undefined, vip(4, fleet(0)), 0, params);
      expect(s.route).toBe('announce');
      s = stepGate(s, vip(0, fleet(0)), 100, params);
      expect([s.route, s.reason]).toEqual([
        'fail-open',
        'web: 0 of 4 real servers healthy, needs 2; fail-open: no other director announces it healthy',
      ]);
      expect(s.code).toBe('fail-open');
      // Others only fail-open too (they failed with us): still fail-open, long after the settle.
      s = stepGate(s, vip(0, fleet(0, 2)), 10_000, params);
      expect(s.route).toBe('fail-open');
      // Another director is healthy again: withdrawn at once (fail-open for longer than the settle).
      s = stepGate(s, vip(0, fleet(1, 2)), 10_100, params);
      expect([s.route, s.reason]).toEqual([
        'withdraw',
        'web: 0 of 4 real servers healthy, needs 2; 1 other director announces it healthy',
      ]);
    });

    it('settles before withdrawing on a view that may be a moment old', () => {
      let s = stepGate(undefined, vip(4, fleet(1)), 0, params);
      s = stepGate(s, vip(0, fleet(1)), 1000, params);
      expect(s.route).toBe('fail-open');
      expect(s.failOpenSince).toBe(1000);
      s = stepGate(s, vip(0, fleet(1)), 1400, params);
      expect([s.route, s.code]).toEqual(['fail-open', 'fail-open-settling']);
      s = stepGate(s, vip(0, fleet(1)), 1500, params);
      expect(s.route).toBe('withdraw');
      // Withdrawn, with a healthy director elsewhere: stays withdrawn, and says why.
      s = stepGate(s, vip(0, fleet(1)), 1600, params);
      expect([s.route, s.reason]).toEqual([
        'withdraw',
        'web: 0 of 4 real servers healthy, needs 3; 1 other director announces it healthy',
      ]);
      // That director fails too (it announces fail-open): this one comes back fail-open at
      // once, and shares the traffic rather than leave it all to the other.
      s = stepGate(s, vip(0, fleet(0, 1)), 1700, params);
      expect([s.route, s.reason]).toEqual([
        'fail-open',
        'web: 0 of 4 real servers healthy, needs 3; fail-open: no other director announces it healthy (1 other director announces it fail-open)',
      ]);
      // Healthy again: announced normally (the marker goes).
      s = stepGate(s, vip(4, fleet(0, 0)), 1800, params);
      expect(s.route).toBe('announce');
      expect(s.failOpenSince).toBeUndefined();
    });

    it('does nothing with fail_open off, without a fleet view, for drains or a broken IPVS', () => {
      const up = stepGate(undefined, vip(4, fleet(0)), 0, params);
      expect(stepGate(up, vip(0, fleet(0, 0, false)), 100, params).route).toBe('withdraw');
      expect(stepGate(up, vip(0), 100, params).route).toBe('withdraw');
      expect(stepGate(up, vip(4, { ...fleet(0), ipvsOk: false }), 100, params).route).toBe(
        'withdraw',
      );
      expect(stepGate(up, vip(4, { ...fleet(0), drained: true }), 100, params).route).toBe('drain');
    });
  });
});
