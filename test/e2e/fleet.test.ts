/**
 * A fleet on real packets: two directors running anycastd announce the VIP
 * to a BIRD router with ECMP, forward client connections over direct routing
 * to three real servers, which answer the client directly.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requirePrograms } from '../lab/bgp-fabric.js';
import { VIP, buildFleet, requests, serve } from '../lab/fleet.js';
import { useNetnsLab } from '../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');
const PREFIX = `${VIP}/32`;

describe('a fleet: ECMP over directors, direct routing to real servers', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('spreads client requests over directors and real servers, drains a dead real server, survives a dead director', async () => {
    const fleet = await buildFleet(lab(), { directors: 2, reals: 3 });
    for (const r of fleet.reals) await serve(r);
    for (const d of fleet.directors)
      d.daemon = d.ns.spawn('node', [MAIN, 'run', '--config', d.config]);
    try {
      const [d1, d2] = fleet.directors;
      if (!d1 || !d2) throw new Error('two directors expected');
      await fleet.router.waitNexthops(PREFIX, [d1.address, d2.address], 60_000);

      const seen = await requests(fleet.client, 60);
      expect(Object.keys(seen).sort()).toEqual(['real1', 'real2', 'real3']);
      // Both directors forwarded some of them.
      // (The kernel folds its per-CPU counters into the totals every ~2 s.)
      for (const d of fleet.directors) {
        let stats = '';
        let conns = 0;
        for (let waited = 0; conns === 0 && waited < 8000; waited += 250) {
          stats = (await d.ns.run('ipvsadm', ['-L', '-n', '--stats'])).stdout;
          conns = Number(/TCP\s+\S+\s+(\d+)/.exec(stats)?.[1] ?? 0);
          if (conns === 0) await new Promise((r) => setTimeout(r, 250));
        }
        expect(conns, `${d.ns.name}:\n${stats}`).toBeGreaterThan(0);
      }

      // A real server dies: drained on both directors, requests keep succeeding.
      fleet.reals[2]?.server?.kill('SIGKILL');
      for (const d of fleet.directors) {
        for (let i = 0; i < 50; i++) {
          const saved = (await d.ns.run('ipvsadm', ['-S', '-n'])).stdout;
          if (saved.includes('-r 10.10.0.23:80 -g -w 0')) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect((await d.ns.run('ipvsadm', ['-S', '-n'])).stdout).toContain(
          '-r 10.10.0.23:80 -g -w 0',
        );
      }
      expect(Object.keys(await requests(fleet.client, 20)).sort()).toEqual(['real1', 'real2']);

      // A director host dies: cut off silently (no TCP close reaches the router), then its
      // processes die. The router drops it at hold-time expiry (3 s); requests keep succeeding.
      await d2.ns.ip('link', 'set', d2.lan, 'down');
      d2.daemon?.kill('SIGKILL');
      const dropped = await fleet.router.waitNexthops(PREFIX, [d1.address], 15_000);
      expect(dropped).toBeLessThan(5000);
      expect(Object.keys(await requests(fleet.client, 20)).sort()).toEqual(['real1', 'real2']);
    } finally {
      // Leave no mh service behind: a namespace's IPVS table goes with the namespace only
      // when the kernel gets round to it, and later tests unload the ip_vs modules.
      for (const d of fleet.directors) {
        d.daemon?.kill('SIGKILL');
        await d.daemon?.exited;
        await d.ns.run('ipvsadm', ['-C'], { allowFailure: true });
      }
    }
  });
});
