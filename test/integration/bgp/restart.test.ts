/**
 * What a router sees when parts of a director die: gobgpd alone, the
 * anycastd process (which takes its gobgpd along), or the whole host. With
 * graceful restart the router keeps forwarding through a restart and forgets
 * the director once the restart time runs out; a hung or cut-off host leaves
 * within the hold time either way.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNetnsLab } from '../../lab/vitest.js';
import {
  type DirectorLink,
  Director,
  Router,
  alive,
  buildFabric,
  requirePrograms,
} from '../../lab/bgp-fabric.js';
import type { NetnsLab } from '../../lab/netns.js';

const VIP4 = '10.99.0.1/32';
const VIP6 = 'fd99::1/128';
const ROUTES = [{ prefix: '10.99.0.1' }, { prefix: 'fd99::1' }];

async function fleet(lab: NetnsLab, opts: { restartTime: number; holdTime?: number }) {
  const { router: rns, links } = await buildFabric(lab, 2);
  const [l1, l2] = links as [DirectorLink, DirectorLink];
  const router = await Router.start(rns, links, mkdtempSync(join(tmpdir(), 'acd-bird-')));
  const d1 = await Director.start(l1, { announce: ROUTES, ...opts });
  const d2 = await Director.start(l2, { announce: ROUTES, ...opts });
  const both = { [VIP4]: [l1.director4, l2.director4], [VIP6]: [l1.director6, l2.director6] };
  const onlyD2 = { [VIP4]: [l2.director4], [VIP6]: [l2.director6] };
  await router.waitNexthops(VIP4, both[VIP4]);
  await router.waitNexthops(VIP6, both[VIP6]);
  return { router, l1, l2, d1, d2, both, onlyD2 };
}

async function waitAll(router: Router, want: Record<string, string[]>, timeoutMs?: number) {
  let ms = 0;
  for (const [prefix, hops] of Object.entries(want))
    ms = Math.max(ms, await router.waitNexthops(prefix, hops, timeoutMs));
  return ms;
}

/** Waits until both of a director's sessions are up again; returns its status. */
async function established(d: Director) {
  const until = Date.now() + 15_000;
  for (;;) {
    const { status } = await d.status();
    const states = status.peers.map((p) => p.state);
    if (states.length === 2 && states.every((s) => s === 'ESTABLISHED')) return status;
    if (Date.now() > until)
      throw new Error(`sessions not re-established: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitDead(pid: number, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('BGP: restarts and failures, graceful restart on', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('gobgpd killed: the router keeps the routes and the module restores them; anycastd killed and restarted: no route change; killed for good: gone after the restart time', async () => {
    const restartTime = 5;
    const { router, l1, d1, both, onlyD2 } = await fleet(lab(), { restartTime });

    // gobgpd alone dies: the module's supervisor starts another, the
    // publisher re-announces, and the router never drops the next hop.
    const first = await d1.status();
    const gobgpd = first.sidecarPid;
    if (!gobgpd) throw new Error('no gobgpd pid');
    let watch = await router.monitor(both);
    process.kill(gobgpd, 'SIGKILL');
    await waitDead(gobgpd);
    const restored = await established(d1);
    expect(restored.connections).toBe(2);
    expect(restored.sidecarStarts).toBe(2);
    expect(restored.announced).toBe(2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await watch.stop()).toEqual([]);

    // anycastd dies (kill -9): its gobgpd follows at once (pdeathsig); a new
    // anycastd on the same state directory takes over with no route change.
    const pid2 = (await d1.status()).sidecarPid;
    if (!pid2) throw new Error('no gobgpd pid');
    watch = await router.monitor(both);
    await d1.crash();
    await waitDead(pid2);
    const again = await Director.start(l1, { announce: ROUTES, restartTime }, d1.stateDir);
    await established(again);
    await new Promise((r) => setTimeout(r, 1000));
    const s = await again.status();
    expect(s.status.sidecar).toBe('up');
    expect(s.status.peers.map((p) => p.state)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(await watch.stop()).toEqual([]);

    // Killed for good: the router forgets it when the restart time runs out.
    const pid3 = (await again.status()).sidecarPid;
    const killedAt = performance.now();
    await again.crash();
    if (pid3) await waitDead(pid3);
    await waitAll(router, onlyD2, (restartTime + 5) * 1000);
    const gone = (performance.now() - killedAt) / 1000;
    // Not before the restart time (graceful restart held it), not long after.
    expect(gone).toBeGreaterThan(restartTime - 1);
    expect(gone).toBeLessThan(restartTime + 3);
  });

  it('a hung director (anycastd and gobgpd stopped) leaves ECMP within the hold time despite graceful restart', async () => {
    const holdTime = 3;
    const { router, d1, onlyD2 } = await fleet(lab(), { restartTime: 30, holdTime });
    const pid = d1.process.child.pid;
    const gobgpd = (await d1.status()).sidecarPid;
    if (!pid || !gobgpd) throw new Error('no director or gobgpd pid');
    // Both processes freeze, as on a hung host (gobgpd runs in a session of its own).
    process.kill(-pid, 'SIGSTOP');
    process.kill(gobgpd, 'SIGSTOP');
    try {
      const ms = await waitAll(router, onlyD2, (holdTime + 5) * 1000);
      expect(ms).toBeLessThan((holdTime + 1) * 1000);
    } finally {
      process.kill(gobgpd, 'SIGCONT');
      process.kill(-pid, 'SIGCONT');
    }
  });
});

describe('BGP: graceful restart off', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('gobgpd killed: the router drops the next hop at once, and the module restores it', async () => {
    const { router, d1, both, onlyD2 } = await fleet(lab(), { restartTime: 0 });
    const pid = (await d1.status()).sidecarPid;
    if (!pid) throw new Error('no gobgpd pid');
    process.kill(pid, 'SIGKILL');
    const dropped = await waitAll(router, onlyD2, 5000);
    expect(dropped).toBeLessThan(2000);
    await waitAll(router, both, 15_000);
  });
});
