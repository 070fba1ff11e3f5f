/**
 * The BGP module against a real router: BIRD in a namespace with ECMP into
 * its kernel table, two directors each running the module with a spawned
 * gobgpd. Everything is judged by the router's kernel routes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNetnsLab } from '../../lab/vitest.js';
import { Director, Router, buildFabric, requirePrograms } from '../../lab/bgp-fabric.js';

const VIP4 = '10.99.0.1/32';
const VIP6 = 'fd99::1/128';
const ROUTES = [
  { prefix: '10.99.0.1', med: 50, communities: ['65001:100'], largeCommunities: ['65001:7:8'] },
  { prefix: 'fd99::1', communities: ['65001:600'] },
];

describe('BGP: two directors, one router', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('announces from both (two next hops, v4 and v6), withdraws one, and carries MED and communities', async () => {
    const { router: rns, links } = await buildFabric(lab(), 2);
    const [l1, l2] = links as [(typeof links)[0], (typeof links)[0]];
    const router = await Router.start(rns, links, mkdtempSync(join(tmpdir(), 'acd-bird-')));
    const d1 = await Director.start(l1, { announce: ROUTES });
    const d2 = await Director.start(l2, { announce: ROUTES });

    await router.waitNexthops(VIP4, [l1.director4, l2.director4]);
    await router.waitNexthops(VIP6, [l1.director6, l2.director6]);

    const detail = await router.birdc('show', 'route', VIP4, 'all');
    expect(detail).toMatch(/BGP\.med: 50/);
    expect(detail).toMatch(/BGP\.community: \(65001,100\)/);
    expect(detail).toMatch(/BGP\.large_community: \(65001, 7, 8\)/);
    expect(await router.birdc('show', 'route', VIP6, 'all')).toMatch(
      /BGP\.community: \(65001,600\)/,
    );

    await d2.announce([ROUTES[1] as (typeof ROUTES)[1]]);
    await router.waitNexthops(VIP4, [l1.director4]);
    await router.waitNexthops(VIP6, [l1.director6, l2.director6]);

    const s = await d1.status();
    expect(s.status.sidecar).toBe('up');
    expect(s.status.peers.map((p) => [p.address, p.state])).toEqual([
      [l1.router4, 'ESTABLISHED'],
      [l1.router6, 'ESTABLISHED'],
    ]);
    expect(s.status.announced).toBe(2);

    // Graceful exit of d1: GRACEFUL_SHUTDOWN and a drain MED for a while (the
    // router moves the VIP away at once), then withdrawal, then gobgpd stops.
    await d2.announce(ROUTES);
    await router.waitNexthops(VIP6, [l1.director6, l2.director6]);
    await router.waitNexthops(VIP4, [l1.director4, l2.director4]);
    const stopping = d1.stop('withdraw', {
      gracefulShutdownCommunity: true,
      med: 1000,
      durationMs: 3000,
    });
    await router.waitNexthops(VIP4, [l2.director4], 2500);
    await router.waitNexthops(VIP6, [l2.director6], 500);
    const drained = await router.birdc('show', 'route', VIP4, 'all');
    expect(drained).toMatch(/BGP\.community: \(65001,100\) \(65535,0\)/);
    expect(drained).toMatch(/BGP\.med: 1000/);
    await stopping;
    expect(await router.birdc('show', 'route', VIP4, 'all')).not.toContain('65535,0');
    expect(await router.nexthops(VIP4)).toEqual([l2.director4]);

    await d2.stop('withdraw');
    await router.waitNexthops(VIP4, [], 2000);
    await router.waitNexthops(VIP6, [], 2000);
  });
});
