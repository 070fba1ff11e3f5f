/**
 * The daemon's loop with in-memory fakes for the kernel, GoBGP and the
 * health engine: what it changes, in which order, and what it leaves alone.
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/model.js';
import { parseConfigOrThrow } from '../../../src/config/parse.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import type { SysctlPort } from '../../../src/daemon/sysctl-port.js';
import type { IpvsSysctl } from '../../../src/ipvs/sysctls.js';
import type { HealthEvent } from '../../../src/health/engine.js';
import type { Timeouts } from '../../../src/ipvs/model.js';
import { createLogger } from '../../../src/log.js';
import { FakeAddresses, FakeIpvs, FakeRoutes } from './fakes.js';
import { minimalConfig } from '../config/minimal.js';

const raw = minimalConfig({
  reals: [{ address: '10.1.0.1' }, { address: '10.1.0.2' }],
  announce: { min_healthy: 2 },
});
const config: Config = parseConfigOrThrow(raw);

function setup(opts: { warmupMaxMs?: number } = {}) {
  const events: string[] = [];
  const ipvs = new FakeIpvs(events);
  const routes = new FakeRoutes(events);
  const addresses = new FakeAddresses(events);
  let emit: (e: HealthEvent) => void = () => {};
  const daemon = new Daemon({
    config,
    log: createLogger({ level: 'silent' }),
    openIpvs: async () => ipvs,
    routes,
    health: (onEvent) => {
      emit = onEvent;
      return { update: () => {}, stop: async () => {} };
    },
    gate: { holdDownMs: 0 },
    warmupMaxMs: opts.warmupMaxMs ?? 60_000,
    addresses,
  });
  const health = async (address: string, to: 'up' | 'down') => {
    emit({
      id: `web ${address}:0`,
      from: 'unknown',
      to,
      reason: to === 'up' ? 'ok' : 'connection refused',
    });
    await daemon.settled();
  };
  return { daemon, ipvs, routes, events, health, addresses };
}

describe('daemon loop', () => {
  it('builds the table at weight 0, announces nothing during warm-up, then serves and announces', async () => {
    const { daemon, ipvs, routes, events, health } = setup();
    await daemon.start();
    await daemon.settled();
    expect(ipvs.weights()).toEqual({ '10.1.0.1': 0, '10.1.0.2': 0 });
    expect(routes.current).toBeUndefined();
    expect(daemon.status().vips[0]?.route).toBe('warming-up');
    await health('10.1.0.1', 'up');
    expect(routes.current).toBeUndefined();
    await health('10.1.0.2', 'up');
    expect(ipvs.weights()).toEqual({ '10.1.0.1': 1, '10.1.0.2': 1 });
    expect(routes.current?.map((r) => r.prefix)).toEqual(['198.51.100.10/32']);
    // The VIP became a local address before anything was announced.
    expect(events.indexOf('address add 198.51.100.10/32 dev anycastd0')).toBeLessThan(
      events.indexOf('routes [198.51.100.10/32]'),
    );
    // Announced only after the destinations got their weight.
    expect(events.slice(-3)).toEqual([
      'ipvs edit destination 10.1.0.1:80 of TCP 198.51.100.10:80 w=1',
      'ipvs edit destination 10.1.0.2:80 of TCP 198.51.100.10:80 w=1',
      'routes [198.51.100.10/32]',
    ]);
    await daemon.stop();
    expect(routes.stopped).toBe('withdraw');
  });

  it('withdraws the route before draining the real server that took the VIP below its threshold', async () => {
    const { daemon, ipvs, events, health } = setup();
    await daemon.start();
    await health('10.1.0.1', 'up');
    await health('10.1.0.2', 'up');
    events.length = 0;
    await health('10.1.0.2', 'down');
    expect(events).toEqual([
      'routes []',
      'ipvs edit destination 10.1.0.2:80 of TCP 198.51.100.10:80 w=0',
    ]);
    expect(ipvs.weights()).toEqual({ '10.1.0.1': 1, '10.1.0.2': 0 });
    expect(daemon.status().vips[0]).toMatchObject({
      route: 'withdraw',
      reason: 'web: 1 of 2 real servers healthy, needs 2',
    });
    await daemon.stop();
  });

  it('withdraws everything when IPVS cannot be read, and comes back with it', async () => {
    const { daemon, ipvs, routes, health } = setup();
    await daemon.start();
    await health('10.1.0.1', 'up');
    await health('10.1.0.2', 'up');
    // A full read (here from a reload) finds IPVS gone.
    ipvs.fail = true;
    daemon.reload(daemon.currentConfig);
    await daemon.settled();
    expect(routes.current).toEqual([]);
    expect(daemon.status().ipvs.ok).toBe(false);
    ipvs.fail = false;
    daemon.reload(daemon.currentConfig);
    await daemon.settled();
    expect(routes.current?.length).toBe(1);
    await daemon.stop();
  });

  it('repairs a real server deleted behind its back, and ends warm-up at its limit', async () => {
    const { daemon, ipvs, routes } = setup({ warmupMaxMs: 50 });
    await daemon.start();
    await daemon.settled();
    const [key, svc] = [...ipvs.table][0] ?? [];
    if (!key || !svc) throw new Error('no service');
    ipvs.table.set(key, { ...svc, destinations: svc.destinations.slice(1) });
    await new Promise((r) => setTimeout(r, 80));
    // The next full read (here from a reload) sees it and the loop repairs it.
    daemon.reload(daemon.currentConfig);
    await daemon.settled();
    expect(Object.keys(ipvs.weights()).sort()).toEqual(['10.1.0.1', '10.1.0.2']);
    // Warm-up over with no verdicts: the VIP is not healthy, so nothing is announced.
    expect(daemon.status().warmingUp).toBe(false);
    expect(routes.current).toEqual([]);
    await daemon.stop('restart');
    expect(routes.stopped).toBe('restart');
  });
});

describe('daemon plan', () => {
  it('says what a new configuration would change, and changes nothing', async () => {
    const { daemon, ipvs, routes, health } = setup();
    await daemon.start();
    await health('10.1.0.1', 'up');
    await health('10.1.0.2', 'up');
    const before = ipvs.weights();
    const next = parseConfigOrThrow({
      director: { name: 'lb1', router_id: '192.0.2.11' },
      bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }], announce: { med: 7 } },
      services: [
        {
          name: 'web',
          vip: '198.51.100.10',
          ports: [{ port: 80 }],
          reals: [{ address: '10.1.0.1' }, { address: '10.1.0.3' }],
          announce: { min_healthy: 1 },
        },
      ],
    });
    const plan = await daemon.plan(next);
    expect(plan.ipvs).toEqual([
      'tcp 198.51.100.10:80 -> 10.1.0.3:80: missing, weight 0 (no verdict yet)',
      'tcp 198.51.100.10:80 -> 10.1.0.2:80: not in the configuration',
    ]);
    expect(plan.routes).toEqual(['re-announce 198.51.100.10/32 with new attributes']);
    expect(ipvs.weights()).toEqual(before);
    expect(routes.current?.[0]?.med).toBeUndefined();
    await daemon.stop();
  });
});

describe('VIP addresses', () => {
  it('removes a VIP a reload dropped only after its route is withdrawn, and leaves others alone', async () => {
    const { daemon, events, health, addresses } = setup();
    addresses.present.push('203.0.113.9/32');
    await daemon.start();
    await health('10.1.0.1', 'up');
    await health('10.1.0.2', 'up');
    events.length = 0;
    const next = parseConfigOrThrow(
      minimalConfig({ name: 'v6', vip: '2001:db8::10', reals: [{ address: '2001:db8:1::1' }] }),
    );
    daemon.reload(next);
    await daemon.settled();
    const withdrawn = events.indexOf('routes []');
    const removed = events.indexOf('address del 198.51.100.10/32 dev anycastd0');
    expect(withdrawn).toBeGreaterThanOrEqual(0);
    expect(removed).toBeGreaterThan(withdrawn);
    expect(events.indexOf('ipvs delete service TCP 198.51.100.10:80')).toBeGreaterThan(withdrawn);
    expect(addresses.present.sort()).toEqual(['2001:db8::10/128', '203.0.113.9/32']);
    await daemon.stop();
  });

  it('withdraws every route when the VIPs cannot be made local', async () => {
    const { daemon, routes, health, addresses } = setup();
    await daemon.start();
    await health('10.1.0.1', 'up');
    await health('10.1.0.2', 'up');
    expect(routes.current?.length).toBe(1);
    addresses.present = [];
    addresses.fail = true;
    daemon.reload(daemon.currentConfig);
    await daemon.settled();
    expect(routes.current).toEqual([]);
    expect(daemon.status().ipvs.error).toBe(
      'cannot put the VIPs on anycastd0: add 198.51.100.10/32: EPERM',
    );
    await daemon.stop();
  });

  it('holds net.ipv4.vs.sloppy_tcp for an mh service: set before the table, drift repaired on reload', async () => {
    const events: string[] = [];
    const values = new Map<IpvsSysctl, number>([
      ['sloppy_tcp', 0],
      ['conn_reuse_mode', 1],
    ]);
    const sysctls: SysctlPort = {
      read: async (name) => values.get(name),
      write: async (name, value) => {
        events.push(`sysctl ${name}=${value}`);
        values.set(name, value);
      },
    };
    const kernel = new FakeIpvs(events);
    const mh = parseConfigOrThrow({
      ...raw,
      services: [{ ...raw.services[0], scheduler: 'mh' }],
    });
    const daemon = new Daemon({
      config: mh,
      log: createLogger({ level: 'silent' }),
      openIpvs: async () => kernel,
      routes: new FakeRoutes(events),
      health: () => ({ update: () => {}, stop: async () => {} }),
      sysctls,
    });
    await daemon.start();
    await daemon.settled();
    expect(events.slice(0, 2)).toEqual(['sysctl sloppy_tcp=1', 'sysctl conn_reuse_mode=3']);
    expect(events[2]).toMatch(/^ipvs add service TCP 198\.51\.100\.10:80/);
    expect(daemon.status().sysctls).toEqual([
      expect.objectContaining({ name: 'sloppy_tcp', wanted: 1, actual: 1 }),
      expect.objectContaining({ name: 'conn_reuse_mode', wanted: 3, actual: 3 }),
    ]);
    // Someone resets it (or ip_vs was reloaded): the next full pass puts it back.
    values.set('sloppy_tcp', 0);
    events.length = 0;
    daemon.reload(mh);
    await daemon.settled();
    expect(events).toContain('sysctl sloppy_tcp=1');
    await daemon.stop();
  });

  it('holds the configured IPVS timeouts: one write before the table, drift repaired on reload', async () => {
    const events: string[] = [];
    let kernel: Timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
    const ipvs = new (class extends FakeIpvs {
      async timeouts() {
        return kernel;
      }
      async setTimeouts(t: Timeouts) {
        events.push(`timeouts tcp=${t.tcp} tcpfin=${t.tcpFin} udp=${t.udp}`);
        kernel = {
          tcp: t.tcp || kernel.tcp,
          tcpFin: t.tcpFin || kernel.tcpFin,
          udp: t.udp || kernel.udp,
        };
      }
    })(events);
    const withTimeouts = parseConfigOrThrow({ ...raw, ipvs_timeouts: { tcp: '1h', udp: 30 } });
    const daemon = new Daemon({
      config: withTimeouts,
      log: createLogger({ level: 'silent' }),
      openIpvs: async () => ipvs,
      routes: new FakeRoutes(events),
      health: () => ({ update: () => {}, stop: async () => {} }),
    });
    await daemon.start();
    await daemon.settled();
    expect(events[0]).toBe('timeouts tcp=3600 tcpfin=0 udp=30');
    expect(events[1]).toMatch(/^ipvs add service/);
    expect(daemon.status().timeouts).toEqual([
      { name: 'tcp', wanted: 3600, actual: 3600 },
      { name: 'udp', wanted: 30, actual: 30 },
    ]);
    kernel = { tcp: 900, tcpFin: 120, udp: 30 };
    events.length = 0;
    daemon.reload(withTimeouts);
    await daemon.settled();
    expect(events).toContain('timeouts tcp=3600 tcpfin=0 udp=0');
    // Nothing drifted: nothing written.
    events.length = 0;
    daemon.reload(withTimeouts);
    await daemon.settled();
    expect(events.filter((e) => e.startsWith('timeouts'))).toEqual([]);
    await daemon.stop();
  });
});
