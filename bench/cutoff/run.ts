/**
 * Cut-off benchmark: how long a router keeps a director that is silently cut
 * off (its link goes down behind a switch: no TCP close, no BGP notification)
 * in the VIP's ECMP set, on this host's own kernel in network namespaces.
 *
 *   node .lab/bench-build/bench/cutoff/run.js [--runs 10]
 *
 * The lab of test/lab/bgp-fabric.ts, bridged: a BIRD router with ECMP, two
 * directors each running anycastd's BGP module with a spawned gobgpd (hold
 * time 3 s, keepalive 1 s), announcing one VIP. Once with the hold timer
 * alone, once with BFD (BIRD running only BFD beside gobgpd, 100 ms × 3). The
 * second director's link goes down; the time is taken from that moment until
 * the router's kernel table (`ip -timestamp monitor route`) has the first
 * director alone. Then the link comes back and the session re-forms.
 *
 * What the failover bench measures in the kernel lab (the whole fleet, with
 * IPVS) it measures here without IPVS, which detecting a lost director does
 * not involve, and without user-mode Linux's one shared CPU, which delays
 * BIRD's timers. The peers' windows at their documented defaults are printed
 * beside ours; they are computed from their settings, not measured here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Director,
  type DirectorLink,
  Router,
  buildFabric,
  requirePrograms,
} from '../../test/lab/bgp-fabric.js';
import { NetnsLab } from '../../test/lab/netns.js';
import { fmtMs, stats, table, wholeOption } from '../lib/measure.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const RUNS = wholeOption('runs', args.runs, 1, 100);
const VIP = '10.99.0.1';
const PREFIX = `${VIP}/32`;
const HOLD = 3000;
const BFD_DETECT = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Cuts the second director off RUNS times; milliseconds until the router dropped it, each time. */
async function measure(bfd: boolean): Promise<number[]> {
  const lab = await NetnsLab.create();
  const dir = mkdtempSync(join(tmpdir(), 'acd-bench-cutoff-'));
  const directors: Director[] = [];
  try {
    const { router: rns, links } = await buildFabric(lab, 2, { bridged: true });
    const [kept, cut] = links as [DirectorLink, DirectorLink];
    if (!cut.directorDev) throw new Error('the fabric did not name the director link');
    const router = await Router.start(rns, links, dir, { bfd });
    for (const l of links) {
      directors.push(
        await Director.start(l, { announce: [{ prefix: VIP }], holdTime: HOLD / 1000 }),
      );
      if (bfd) await Router.startBfdSpeaker(l.ns, l.router4, mkdtempSync(join(dir, 'bfd-')));
    }
    const both = [kept.director4, cut.director4];
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await router.waitNexthops(PREFIX, both, 60_000);
      // A cut lands anywhere between two keepalives (1 s) or BFD packets, as a real one does.
      await sleep(2000 + Math.random() * 1000);
      const watch = await router.watchRoutes();
      const t0 = Date.now();
      await cut.ns.ip('link', 'set', cut.directorDev, 'down');
      try {
        const at = await watch.until(PREFIX, [kept.director4], t0, 15_000);
        if (at === undefined)
          throw new Error(
            `the router kept the cut-off director for 15 s:\n${router.process.output().slice(-3000)}`,
          );
        times.push(at - t0);
      } finally {
        watch.stop();
      }
      console.log(`  ${bfd ? 'BFD' : 'hold timer'}, run ${i + 1}: ${fmtMs(times.at(-1) ?? 0)}`);
      await cut.ns.ip('link', 'set', cut.directorDev, 'up');
    }
    return times;
  } finally {
    for (const d of directors) await d.stop('withdraw').catch(() => undefined);
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  await requirePrograms();
  console.log(`Director cut off, ${RUNS} runs each (hold time 3 s; BFD 100 ms × 3)`);
  const hold = await measure(false);
  const bfd = await measure(true);
  const h = stats(hold);
  const b = stats(bfd);
  const row = (name: string, s: typeof h, target: string, ok: boolean) => [
    name,
    fmtMs(s.median),
    fmtMs(s.p90),
    fmtMs(s.max),
    target,
    ok ? 'met' : 'MISSED',
  ];
  console.log('');
  console.log(
    table(
      ['Director cut off → out of ECMP (host kernel)', 'median', 'p90', 'max', 'target', ''],
      [
        row('hold timer 3 s', h, `≤ ${fmtMs(HOLD)}`, h.max <= HOLD),
        row('BFD 100 ms × 3', b, `≤ ${fmtMs(BFD_DETECT + 100)}`, b.max <= BFD_DETECT + 100),
      ],
    ),
  );
  console.log('');
  // The longest a cut-off director stays in ECMP with each one's documented defaults.
  console.log(
    table(
      ['Window at documented defaults (computed)', 'worst case', 'settings'],
      [
        ['anycastd (gobgpd peer, hold_time default)', '9.00 s', 'hold 9 s; BFD when configured'],
        ['GoBGP alone', '90.00 s', 'hold 90 s'],
        ['ExaBGP (healthcheck, anycast setups)', '180.00 s', 'hold 180 s'],
        ['anycast-healthchecker (BIRD)', '240.00 s', 'BIRD hold 240 s'],
        ['keepalived (VRRP, not BGP)', '3.61 s', 'advert 1 s × 3 + skew'],
      ],
    ),
  );
  return h.max <= HOLD && b.max <= BFD_DETECT + 100 ? 0 : 1;
}

process.exitCode = await main();
