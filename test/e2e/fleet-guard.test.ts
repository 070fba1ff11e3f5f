/**
 * The fleet guard on real packets: two directors peer with each other (bgp.fleet) and with
 * a BIRD router. When every check on both fails at once, neither withdraws the VIP: both
 * announce it fail-open and the router keeps it throughout. When only one director's checks
 * fail, it withdraws, because the other announces the VIP healthy.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../lab/bgp-fabric.js';
import {
  type FleetDirector,
  VIP,
  buildFleet,
  directorConfig,
  serve,
  startAnycastd,
  stopDirectors,
} from '../lab/fleet.js';
import { useNetnsLab } from '../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');
const PREFIX = `${VIP}/32`;

interface VipView {
  route: string;
  reason: string;
}

async function status(d: FleetDirector) {
  const r = await d.ns.run('node', [MAIN, 'status', '--json', '--api', `unix://${d.dir}/api.sock`]);
  return JSON.parse(r.stdout) as {
    vips: VipView[];
    fleet?: { established: number };
  };
}

/** Waits for the VIP's route (and reason, when given) on `d`. */
async function waitVip(
  d: FleetDirector,
  route: string,
  timeoutMs: number,
  reason?: RegExp,
): Promise<VipView> {
  const until = Date.now() + timeoutMs;
  let last: VipView | undefined;
  while (Date.now() < until) {
    last = (await status(d)).vips[0];
    if (last?.route === route && (reason === undefined || reason.test(last.reason))) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${d.ns.name}: VIP ${JSON.stringify(last)}, wanted ${route}`);
}

describe('the fleet guard', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('keeps the VIP announced when every director fails, withdraws a lone failing one', async () => {
    const fleet = await buildFleet(lab(), { directors: 2, reals: 3, fleetGuard: true });
    const [d1, d2] = fleet.directors;
    if (!d1 || !d2) throw new Error('two directors expected');
    for (const r of fleet.reals) await serve(r);
    for (const d of fleet.directors) startAnycastd(d, MAIN);
    try {
      const both = [d1.address, d2.address];
      await fleet.router.waitNexthops(PREFIX, both, 180_000);
      for (const d of fleet.directors) {
        const until = Date.now() + 30_000;
        while ((await status(d)).fleet?.established !== 1) {
          if (Date.now() > until) throw new Error(`${d.ns.name}: fleet session not up`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }

      // Every check fails on both directors at once (all real servers gone).
      let lost = 0;
      let sampling = true;
      const started = Date.now();
      const sampler = (async () => {
        // Stops with the test; a lab torn down under a failure ends it too.
        while (sampling && Date.now() < started + 60_000) {
          const hops = await fleet.router.nexthops(PREFIX).catch(() => ['(router gone)']);
          if (hops.length === 0) lost++;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      for (const r of fleet.reals) r.server?.kill('SIGKILL');
      // A director that fails first sees the other still healthy and is fail-open for the
      // settle time ("withdrawing once that holds"); once both fail, neither withdraws.
      for (const d of fleet.directors)
        await waitVip(d, 'fail-open', 15_000, /fail-open: no other director announces it healthy/);
      // Both stay fail-open: the router keeps both next hops.
      await new Promise((r) => setTimeout(r, 3000));
      for (const d of fleet.directors) expect((await status(d)).vips[0]?.route).toBe('fail-open');
      expect(await fleet.router.nexthops(PREFIX)).toEqual(both);
      sampling = false;
      await sampler;
      expect(lost, 'samples with the VIP gone from the router').toBe(0);

      // Real servers back: healthy again on both.
      for (const r of fleet.reals) await serve(r);
      for (const d of fleet.directors) await waitVip(d, 'announce', 15_000);

      // Only the first director's checks fail (they now probe a closed port): the other
      // announces the VIP healthy, so the first withdraws after the settle time.
      writeFileSync(
        d1.config,
        directorConfig(d1, fleet.reals, 'mh', { fleetPeers: [d2.address], checkPort: 81 }),
      );
      d1.daemon?.kill('SIGHUP');
      const v = await waitVip(d1, 'withdraw', 15_000);
      expect(v.reason).toContain('1 other director announces it healthy');
      await fleet.router.waitNexthops(PREFIX, [d2.address], 10_000);
      expect((await status(d2)).vips[0]?.route).toBe('announce');
    } finally {
      await stopDirectors(fleet.directors);
    }
  });
});
