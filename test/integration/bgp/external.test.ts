/**
 * External mode: a gobgpd anycastd does not run. The module must survive it
 * being absent (retrying, saying so in status), start it if it is unstarted,
 * and re-announce everything within a second of a restarted one answering.
 */
import { eventually } from '../../lab/eventually.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BgpStatus } from '../../../src/bgp/speaker.js';
import { useNetnsLab } from '../../lab/vitest.js';
import {
  type DirectorLink,
  Director,
  Router,
  alive,
  buildFabric,
  requirePrograms,
} from '../../lab/bgp-fabric.js';

const VIP4 = '10.99.0.1/32';

async function until(d: Director, ok: (s: BgpStatus) => boolean, timeoutMs = 10_000) {
  let last: BgpStatus | undefined;
  await eventually('the status', async () => ok((last = (await d.status()).status)), {
    timeoutMs,
    everyMs: 20,
    explain: () => `last seen: ${JSON.stringify(last)}`,
  });
  return last as BgpStatus;
}

describe('BGP: external sidecar', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('waits for an absent sidecar, starts an unstarted one, and re-announces within 1 s of a restart', async () => {
    const { router: rns, links } = await buildFabric(lab(), 1);
    const [l1] = links as [DirectorLink];
    const router = await Router.start(rns, links, mkdtempSync(join(tmpdir(), 'acd-bird-')));
    const dir = mkdtempSync(join(tmpdir(), 'acd-ext-'));
    const socket = join(dir, 'gobgpd.sock');
    const director = await Director.start(l1, {
      announce: [{ prefix: '10.99.0.1' }, { prefix: 'fd99::1' }],
      external: `unix://${socket}`,
    });

    // Nothing there: retrying, reported, alive.
    const absent = await until(director, (s) => s.sidecar === 'unreachable');
    expect(absent.lastError).toMatch(/UNAVAILABLE/);
    expect(absent.mode).toBe('external');

    const startGobgpd = async () => {
      // gobgpd does not replace a socket file a killed one left behind.
      rmSync(socket, { force: true });
      const p = l1.ns.spawn('gobgpd', [`--api-hosts=unix://${socket}`, '--pprof-disable']);
      while (!existsSync(socket)) await new Promise((r) => setTimeout(r, 2));
      return { p, at: Date.now() };
    };
    const first = await startGobgpd();
    await until(director, (s) => s.sidecar === 'up' && s.connections === 1);
    await router.waitNexthops(VIP4, [l1.director4]);

    // A restart of the sidecar: the new one starts empty and unstarted.
    const pid = first.p.child.pid ?? 0;
    first.p.kill('SIGKILL');
    while (alive(pid)) await new Promise((r) => setTimeout(r, 5));
    await until(director, (s) => s.sidecar === 'unreachable');
    const second = await startGobgpd();
    const back = await until(director, (s) => s.sidecar === 'up' && s.connections === 2);
    const reannouncedMs = Date.parse(back.lastSync?.at ?? '') - second.at;
    expect(back.lastSync?.announced).toBe(2);
    expect(reannouncedMs).toBeLessThan(1000);
    await router.waitNexthops(VIP4, [l1.director4]);
    await until(director, (s) => s.peers.every((p) => p.state === 'ESTABLISHED'));
    await director.stop('withdraw');
    await router.waitNexthops(VIP4, [], 2000);
  });
});

describe('BGP: the sidecar guard (external mode)', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('keeps the routes through an anycastd restart and withdraws them once anycastd stays dead for the dead time', async () => {
    const main = fileURLToPath(new URL('../../../dist/main.js', import.meta.url));
    if (!existsSync(main)) throw new Error(`${main} is missing: run ./scripts/setup`);
    const { router: rns, links } = await buildFabric(lab(), 1);
    const [l1] = links as [DirectorLink];
    const router = await Router.start(rns, links, mkdtempSync(join(tmpdir(), 'acd-bird-')));
    const dir = mkdtempSync(join(tmpdir(), 'acd-guard-'));
    const socket = join(dir, 'gobgpd.sock');
    const guardSocket = join(dir, 'guard.sock');
    l1.ns.spawn('gobgpd', [`--api-hosts=unix://${socket}`, '--pprof-disable']);
    while (!existsSync(socket)) await new Promise((r) => setTimeout(r, 5));
    const deadTime = 3;
    const guard = l1.ns.spawn('node', [
      main,
      'sidecar-guard',
      '--gobgp',
      `unix://${socket}`,
      '--listen',
      guardSocket,
      '--dead-time',
      `${deadTime}s`,
    ]);
    await guard.waitFor('guard_started');
    const opts = {
      announce: [{ prefix: '10.99.0.1' }],
      external: `unix://${socket}`,
      guard: guardSocket,
    };
    const first = await Director.start(l1, opts);
    await router.waitNexthops(VIP4, [l1.director4]);
    await guard.waitFor('controller_connected');

    // Restart within the dead time: the route never moves.
    const watch = await router.monitor({ [VIP4]: [l1.director4] });
    await first.crash();
    // Started without a set of routes yet (a daemon warming up): GoBGP is left as found.
    const second = await Director.start(l1, { ...opts, announce: undefined });
    const waiting = await until(second, (s) => s.sidecar === 'up');
    expect(waiting.waitingForFirstSet).toBe(true);
    expect(waiting.announced).toBe(1);
    await new Promise((r) => setTimeout(r, 2500));
    await second.announce([{ prefix: '10.99.0.1' }]);
    await new Promise((r) => setTimeout(r, (deadTime + 1) * 1000));
    expect(await watch.stop()).toEqual([]);
    expect(guard.output()).not.toContain('routes_withdrawn_controller_dead');

    // Dead for good: withdrawn after the dead time, by the guard.
    const killedAt = performance.now();
    await second.crash();
    await router.waitNexthops(VIP4, [], (deadTime + 5) * 1000);
    const gone = (performance.now() - killedAt) / 1000;
    expect(gone).toBeGreaterThan(deadTime - 0.5);
    expect(gone).toBeLessThan(deadTime + 2);
    await guard.waitFor('routes_withdrawn_controller_dead', 2000);
  });
});
