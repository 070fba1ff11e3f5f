/**
 * The loop against an in-memory kernel whose reads cross its writes: random
 * sequences of health changes, drains, reloads and changes made to the
 * kernel behind the daemon's back. After one full read, the kernel must hold
 * exactly the desired table for the services the daemon owns, no service it
 * dropped, and everyone else's services untouched.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigOrThrow } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/model.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { desiredIpvs } from '../../../src/daemon/desired-ipvs.js';
import {
  type Drains,
  NO_DRAINS,
  type RealHealth,
  realKey,
} from '../../../src/daemon/health-view.js';
import type { HealthEvent } from '../../../src/health/engine.js';
import {
  type ServiceWithDestinations,
  ZERO_STATS,
  destinationKeyString,
  sameServiceConfig,
  serviceKeyString,
} from '../../../src/ipvs/model.js';
import { createLogger } from '../../../src/log.js';
import { prng } from '../../kernel/random-rules.js';
import { FakeIpvs, FakeRoutes } from './fakes.js';

const ADDRESSES = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5'];

/** A configuration drawn at random from a small space, so reloads add, drop and change things. */
function randomConfig(r: () => number): Config {
  const services = [];
  for (const [i, vip] of ['198.51.100.10', '198.51.100.11', '198.51.100.12'].entries()) {
    if (i > 0 && r() < 0.25) continue;
    const reals = ADDRESSES.filter(() => r() < 0.7).map((address) => ({
      address,
      ...(r() < 0.3 && { weight: 1 + Math.floor(r() * 5) }),
    }));
    services.push({
      name: `svc${i}`,
      vip,
      ports: r() < 0.3 ? [{ port: 80 }, { port: 443 }] : [{ port: 80 }],
      scheduler: r() < 0.5 ? 'mh' : 'wlc',
      reals: reals.length > 0 ? reals : [{ address: ADDRESSES[0] as string }],
      announce: { min_healthy: 1 },
    });
  }
  return parseConfigOrThrow({
    director: { name: 'lb1', router_id: '192.0.2.11' },
    bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }] },
    services,
  });
}

const FOREIGN: ServiceWithDestinations = {
  key: { family: 'ipv4', protocol: 'udp', address: '203.0.113.5', port: 53 },
  scheduler: 'rr',
  flags: [],
  timeout: 0,
  netmask: 0xffffffff,
  stats: ZERO_STATS,
  destinations: [],
};

/**
 * `outside`: the kernel is also changed behind the daemon's back. Without
 * that, the view must be right without any further read: every operation
 * succeeds and the kernel matches as soon as the loop is idle.
 */
async function scenario(seed: number, steps: number, outside: boolean): Promise<void> {
  const r = prng(seed);
  const events: string[] = [];
  const kernel = new FakeIpvs(events, () =>
    r() < 0.5 ? Promise.resolve() : new Promise((res) => setTimeout(res, Math.floor(r() * 3))),
  );
  let config = randomConfig(r);
  const owned = new Set<string>();
  const own = (c: Config) => {
    for (const vs of c.services) for (const s of vs.services) owned.add(serviceKeyString(s.key));
  };
  own(config);
  let emit: (e: HealthEvent) => void = () => {};
  const health = new Map<string, RealHealth>();
  let drains: Drains = NO_DRAINS;
  const daemon = new Daemon({
    config,
    log: createLogger({ level: 'silent' }),
    openIpvs: async () => kernel,
    routes: new FakeRoutes(events),
    health: (onEvent) => {
      emit = onEvent;
      return { update: () => {}, stop: async () => {} };
    },
    gate: { holdDownMs: 0 },
    warmupMaxMs: 5,
    readSlice: 1 + Math.floor(r() * 3),
    failedRetryMs: 10,
  });
  await daemon.start();
  let foreign: ServiceWithDestinations | undefined;

  for (let step = 0; step < steps; step++) {
    const pick = r();
    if (pick < 0.4) {
      const vs = config.services[Math.floor(r() * config.services.length)];
      const real = vs?.reals[Math.floor(r() * vs.reals.length)];
      if (vs && real) {
        const id = realKey(vs, real);
        const to = r() < 0.6 ? 'up' : 'down';
        health.set(id, { state: to });
        emit({ id, from: 'unknown', to, reason: to });
      }
    } else if (pick < 0.55) {
      config = randomConfig(r);
      own(config);
      // As the daemon does: a real server a reload removes loses its verdict.
      const ids = new Set(config.services.flatMap((vs) => vs.reals.map((x) => realKey(vs, x))));
      for (const id of [...health.keys()]) if (!ids.has(id)) health.delete(id);
      daemon.reload(config);
    } else if (pick < 0.65) {
      const address = ADDRESSES[Math.floor(r() * ADDRESSES.length)] as string;
      const reals = new Set(drains.reals);
      if (reals.has(address)) reals.delete(address);
      else reals.add(address);
      drains = { ...drains, reals };
      daemon.setDrains(drains);
    } else if (outside) {
      // Behind the daemon's back.
      const owned = [...kernel.table.values()].filter((s) => s !== foreign);
      const victim = owned[Math.floor(r() * owned.length)];
      const what = r();
      if (what < 0.1) {
        kernel.table.clear();
        foreign = undefined;
      } else if (what < 0.3 && !foreign) {
        foreign = FOREIGN;
        kernel.table.set(serviceKeyString(FOREIGN.key), FOREIGN);
      } else if (victim && what < 0.5) kernel.table.delete(serviceKeyString(victim.key));
      else if (victim && victim.destinations.length > 0) {
        const i = Math.floor(r() * victim.destinations.length);
        const destinations =
          what < 0.75
            ? victim.destinations.filter((_, j) => j !== i)
            : victim.destinations.map((d, j) => (j === i ? { ...d, weight: 42 } : d));
        kernel.table.set(serviceKeyString(victim.key), { ...victim, destinations });
      }
    }
    if (r() < 0.3) await new Promise((res) => setTimeout(res, Math.floor(r() * 3)));
  }

  await daemon.settled();
  const label = `seed ${seed}${outside ? ' with outside changes' : ''}`;
  if (outside) {
    // One full read (a reload of the same file starts one), then the kernel must match.
    daemon.reload(config);
    await daemon.settled();
  } else {
    expect(kernel.refused, `${label}: operations refused`).toBe(0);
  }
  await daemon.stop('restart');

  const desired = desiredIpvs(config.services, health, drains);
  const wanted = new Set(desired.map((d) => serviceKeyString(d.service.key)));
  for (const d of desired) {
    const id = serviceKeyString(d.service.key);
    const have = kernel.table.get(id);
    expect(have, `${label}: ${id} missing`).toBeDefined();
    if (!have) continue;
    expect(sameServiceConfig(have, d.service), `${label}: ${id} settings`).toBe(true);
    const got = new Map(have.destinations.map((x) => [destinationKeyString(x), x]));
    expect([...got.keys()].sort(), `${label}: ${id} destinations`).toEqual(
      d.destinations.map((x) => destinationKeyString(x.destination)).sort(),
    );
    for (const x of d.destinations) {
      const k = got.get(destinationKeyString(x.destination));
      if (x.weight !== 'keep') expect(k?.weight, `${label}: ${id} weight`).toBe(x.weight);
      expect(k?.forward).toBe(x.destination.forward);
    }
  }
  for (const id of owned)
    if (!wanted.has(id))
      expect(kernel.table.has(id), `${label}: dropped ${id} still there`).toBe(false);
  if (foreign) expect(kernel.table.get(serviceKeyString(FOREIGN.key))).toBe(FOREIGN);
}

describe('the loop under random changes, with reads crossing writes', () => {
  it('keeps the kernel equal to the desired table from the view alone, nothing refused', async () => {
    for (let seed = 1; seed <= 40; seed++) await scenario(seed, 60, false);
  }, 120_000);

  it('leaves the kernel equal to the desired table after one full read', async () => {
    for (let seed = 1; seed <= 40; seed++) await scenario(seed, 60, true);
  }, 120_000);
});
