/**
 * Primary and backup directors through BGP preference, judged by a real
 * router's forwarding table: the routes each director announces are the ones
 * anycastd derives from its configuration (director.role, bgp.backup), so the
 * router sends a VIP's traffic to the primary alone, to the backup once the
 * primary withdraws, and back when the primary returns.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigOrThrow } from '../../../src/config/parse.js';
import { toSpec } from '../../../src/daemon/desired-routes.js';
import { Director, Router, buildFabric, requirePrograms } from '../../lab/bgp-fabric.js';
import { useNetnsLab } from '../../lab/vitest.js';

const VIP = '10.99.0.7/32';

/** The VIP's route as a director with this role (and bgp.backup) announces it. */
function routeFor(role: 'primary' | 'backup', backup?: object) {
  const config = parseConfigOrThrow({
    director: { name: `lb-${role}`, router_id: '192.0.2.11', role },
    bgp: {
      asn: 65001,
      peers: [{ address: '192.0.2.1', asn: 65000 }],
      ...(backup && { backup }),
    },
    services: [
      { name: 'web', vip: '10.99.0.7', ports: [{ port: 80 }], reals: [{ address: '10.1.0.1' }] },
    ],
  });
  const vs = config.services[0];
  if (!vs) throw new Error('no service');
  return toSpec(vs.announce.route);
}

describe('BGP: a primary and a backup director', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('sends the VIP to the primary, to the backup while the primary is away, and back', async () => {
    const { router: rns, links } = await buildFabric(lab(), 2);
    const [l1, l2] = links as [(typeof links)[0], (typeof links)[0]];
    const router = await Router.start(rns, links, mkdtempSync(join(tmpdir(), 'acd-bird-')));
    const primary = await Director.start(l1, { announce: [routeFor('primary')] });
    const backup = await Director.start(l2, { announce: [routeFor('backup')] });

    // Both routes reach the router; only the primary's is used (no ECMP with a longer path).
    const bothRoutes = async () => {
      const until = Date.now() + 30_000;
      for (;;) {
        // birdc exits 1 while the router has no route at all.
        const text = await router.birdc('show', 'route', VIP, 'all').catch(() => '');
        if (/as_path: 65001 65001 65001 65001\n/.test(text) && /as_path: 65001\n/.test(text))
          return text;
        if (Date.now() > until) throw new Error(`the router has not both routes:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await bothRoutes();
    await router.waitNexthops(VIP, [l1.director4]);
    // And it stays so: the backup's route is there, unused.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await router.nexthops(VIP)).toEqual([l1.director4]);

    await primary.announce([]);
    await router.waitNexthops(VIP, [l2.director4]);
    await primary.announce([routeFor('primary')]);
    await router.waitNexthops(VIP, [l1.director4]);

    // The same with a worse MED instead of a longer path.
    await backup.announce([routeFor('backup', { med: 500 })]);
    const until = Date.now() + 30_000;
    while (
      !(await router.birdc('show', 'route', VIP, 'all').catch(() => '')).includes('BGP.med: 500')
    ) {
      if (Date.now() > until) throw new Error('the backup route with MED 500 did not arrive');
      await new Promise((r) => setTimeout(r, 100));
    }
    await router.waitNexthops(VIP, [l1.director4]);
    await primary.announce([]);
    await router.waitNexthops(VIP, [l2.director4]);
    await primary.announce([routeFor('primary')]);
    await router.waitNexthops(VIP, [l1.director4]);

    await primary.stop('withdraw');
    await backup.stop('withdraw');
    await router.waitNexthops(VIP, [], 5000);
  });
});
