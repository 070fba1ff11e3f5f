/**
 * A service's sorry server: in the kernel's table while no real server is
 * up, out of it as soon as one is; kept as the kernel has it while verdicts
 * are missing; refused where it cannot stand in for the real servers.
 */
import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../src/cli/status-format.js';
import { parseConfig, parseConfigOrThrow } from '../../../src/config/parse.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import type { HealthEvent } from '../../../src/health/engine.js';
import { createLogger } from '../../../src/log.js';
import { minimalConfig } from '../config/minimal.js';
import { FakeAddresses, FakeIpvs, FakeRoutes } from './fakes.js';

const config = parseConfigOrThrow(
  minimalConfig({
    reals: [{ address: '10.1.0.1' }, { address: '10.1.0.2' }],
    sorry_server: { address: '10.9.0.1', weight: 5 },
  }),
);

function setup() {
  const events: string[] = [];
  const ipvs = new FakeIpvs(events);
  let emit: (e: HealthEvent) => void = () => {};
  const daemon = new Daemon({
    config,
    log: createLogger({ level: 'silent' }),
    openIpvs: async () => ipvs,
    routes: new FakeRoutes(events),
    health: (onEvent) => {
      emit = onEvent;
      return { update: () => {}, stop: async () => {} };
    },
    gate: { holdDownMs: 0 },
    addresses: new FakeAddresses(events),
  });
  const health = async (address: string, to: 'up' | 'down') => {
    emit({ id: `web ${address}:0`, from: 'unknown', to, reason: to });
    await daemon.settled();
  };
  return { daemon, ipvs, health };
}

describe('sorry server', () => {
  it('is in the table only while no real server is up', async () => {
    const { daemon, ipvs, health } = setup();
    const shown = () => daemon.status().vips[0]?.healthy[0]?.sorry;
    await daemon.start();
    await daemon.settled();
    // No verdict yet: added at 0 (kept as it is when the kernel has it).
    expect(ipvs.weights()).toEqual({ '10.1.0.1': 0, '10.1.0.2': 0, '10.9.0.1': 0 });
    expect(shown()).toEqual({ address: '10.9.0.1', port: 0, state: 'kept' });
    await health('10.1.0.1', 'down');
    await health('10.1.0.2', 'down');
    expect(ipvs.weights()).toEqual({ '10.1.0.1': 0, '10.1.0.2': 0, '10.9.0.1': 5 });
    expect(shown()?.state).toBe('in');
    const s = daemon.status();
    // The fake routing side reports no peers.
    expect(formatStatus({ ...s, bgp: { ...s.bgp, peers: [] } })).toMatch(
      /^web +10\.9\.0\.1 +sorry server, in the table +- +not checked: in the table while no real server is up$/m,
    );
    await health('10.1.0.2', 'up');
    expect(ipvs.weights()).toEqual({ '10.1.0.1': 0, '10.1.0.2': 1 });
    expect(shown()?.state).toBe('out');
    await health('10.1.0.2', 'down');
    expect(ipvs.weights()).toEqual({ '10.1.0.1': 0, '10.1.0.2': 0, '10.9.0.1': 5 });
    await daemon.stop('withdraw');
  });

  it('is refused as one of the real servers, off the VIP family, or on a port only NAT changes', () => {
    const problems = (sorry: object) =>
      (parseConfig(minimalConfig({ sorry_server: sorry })).issues ?? []).map(
        (i) => `${i.path}: ${i.message}`,
      );
    expect(problems({ address: '10.1.0.1' })).toEqual([
      "services[0].sorry_server.address: 10.1.0.1 is one of the service's real servers; a sorry server stands in for them",
    ]);
    expect(problems({ address: '2001:db8::9' })).toEqual([
      'services[0].sorry_server.address: "2001:db8::9" is not of the VIP\'s address family (only tunnels may cross families)',
    ]);
    expect(problems({ address: '10.9.0.1', port: 8080 })).toEqual([
      'services[0].sorry_server.port: 8080 differs from the service port; only NAT can change the port',
    ]);
  });
});
