import { describe, expect, it } from 'vitest';
import type { VirtualService } from '../../../src/config/model.js';
import { parseConfigOrThrow } from '../../../src/config/parse.js';
import { desiredIpvs } from '../../../src/daemon/desired-ipvs.js';
import { NO_DRAINS, type RealHealth, realKey } from '../../../src/daemon/health-view.js';
import { planIpvs } from '../../../src/daemon/plan-ipvs.js';
import { type ServiceWithDestinations, ZERO_STATS } from '../../../src/ipvs/model.js';
import { describeOp } from '../../../src/ipvs/ops.js';

const config = parseConfigOrThrow({
  director: { name: 'lb1', router_id: '192.0.2.11' },
  bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }] },
  defaults: { scheduler: 'mh' },
  services: [
    {
      name: 'web',
      vip: '198.51.100.10',
      ports: [{ port: 80 }],
      reals: [{ address: '10.1.0.3' }, { address: '10.1.0.1', weight: 5 }, { address: '10.1.0.2' }],
    },
  ],
});
const web = config.services[0] as VirtualService;
const key = (address: string) => {
  const real = web.reals.find((r) => r.address === address);
  if (!real) throw new Error(address);
  return realKey(web, real);
};
const health = (states: Record<string, RealHealth['state']>) =>
  new Map(Object.entries(states).map(([a, state]) => [key(a), { state }]));

/** The kernel's view of a desired table, as a dump would return it. */
function kernelOf(weights: Record<string, number>): ServiceWithDestinations[] {
  const d = desiredIpvs(config.services, health({}), NO_DRAINS)[0];
  if (!d) throw new Error('no service');
  return [
    {
      ...d.service,
      stats: ZERO_STATS,
      destinations: d.destinations
        .filter((x) => weights[x.destination.address] !== undefined)
        .map((x) => ({
          ...x.destination,
          weight: weights[x.destination.address] ?? 0,
          activeConns: 0,
          inactiveConns: 0,
          persistentConns: 0,
          stats: ZERO_STATS,
        })),
    },
  ];
}

describe('desired IPVS table and the planner', () => {
  it('builds an empty kernel in canonical order; unknown real servers start at weight 0', () => {
    const desired = desiredIpvs(config.services, health({ '10.1.0.2': 'up' }), NO_DRAINS);
    const plan = planIpvs(desired, []);
    expect(plan.ops.map(describeOp)).toEqual([
      'add service TCP 198.51.100.10:80',
      'add destination 10.1.0.1:80 to TCP 198.51.100.10:80',
      'add destination 10.1.0.2:80 to TCP 198.51.100.10:80',
      'add destination 10.1.0.3:80 to TCP 198.51.100.10:80',
    ]);
    const weights = plan.ops.flatMap((o) =>
      o.type === 'add-destination' ? [o.destination.weight] : [],
    );
    expect(weights).toEqual([0, 1, 0]);
  });

  it('drains a failed real server with weight 0 and restores it, touching nothing else', () => {
    const kernel = kernelOf({ '10.1.0.1': 5, '10.1.0.2': 1, '10.1.0.3': 1 });
    const down = planIpvs(
      desiredIpvs(
        config.services,
        health({ '10.1.0.1': 'up', '10.1.0.2': 'down', '10.1.0.3': 'up' }),
        NO_DRAINS,
      ),
      kernel,
    );
    expect(down.ops.map(describeOp)).toEqual([
      'edit destination 10.1.0.2:80 of TCP 198.51.100.10:80',
    ]);
    expect(down.reasons).toEqual([
      'tcp 198.51.100.10:80 -> 10.1.0.2:80: weight 1 -> 0 (down: check failed)',
    ]);
    const kernelDown = kernelOf({ '10.1.0.1': 5, '10.1.0.2': 0, '10.1.0.3': 1 });
    const up = planIpvs(
      desiredIpvs(
        config.services,
        health({ '10.1.0.1': 'up', '10.1.0.2': 'up', '10.1.0.3': 'up' }),
        NO_DRAINS,
      ),
      kernelDown,
    );
    expect(up.reasons).toEqual(['tcp 198.51.100.10:80 -> 10.1.0.2:80: weight 0 -> 1 (up)']);
  });

  it('keeps the weights the kernel has while checks have no verdict (warm-up after a restart)', () => {
    const kernel = kernelOf({ '10.1.0.1': 5, '10.1.0.2': 0, '10.1.0.3': 1 });
    expect(planIpvs(desiredIpvs(config.services, health({}), NO_DRAINS), kernel).ops).toEqual([]);
  });

  it('repairs drift: a deleted real server comes back, a stranger is removed, an operator drain is weight 0', () => {
    const kernel = kernelOf({ '10.1.0.1': 5, '10.1.0.3': 1 });
    const k0 = kernel[0];
    if (!k0) throw new Error('no service');
    const stranger = {
      ...(k0.destinations[0] as (typeof k0.destinations)[0]),
      address: '10.9.9.9',
    };
    const withStranger = [{ ...k0, destinations: [...k0.destinations, stranger] }];
    const drains = { ...NO_DRAINS, reals: new Set(['10.1.0.3']) };
    const plan = planIpvs(
      desiredIpvs(
        config.services,
        health({ '10.1.0.1': 'up', '10.1.0.2': 'up', '10.1.0.3': 'up' }),
        drains,
      ),
      withStranger,
    );
    expect(plan.reasons).toEqual([
      'tcp 198.51.100.10:80 -> 10.1.0.2:80: missing, weight 1 (up)',
      'tcp 198.51.100.10:80 -> 10.1.0.3:80: weight 1 -> 0 (drained by the operator)',
      'tcp 198.51.100.10:80 -> 10.9.9.9:80: not in the configuration',
    ]);
  });

  it('leaves services it does not own alone, and deletes the ones a reload removed', () => {
    const other = {
      ...(kernelOf({})[0] as ServiceWithDestinations),
      key: { family: 'ipv4', protocol: 'tcp', address: '203.0.113.5', port: 80 },
    } as ServiceWithDestinations;
    const desired = desiredIpvs(config.services, health({}), NO_DRAINS);
    const kernel = [...kernelOf({}), other];
    expect(planIpvs(desired, kernel).ops.filter((o) => o.type !== 'add-destination')).toEqual([]);
    const removed = planIpvs(desired, kernel, [other.key]);
    expect(removed.ops.map(describeOp).at(-1)).toBe('delete service TCP 203.0.113.5:80');
  });
});
