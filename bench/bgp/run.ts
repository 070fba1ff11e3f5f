/**
 * BGP benchmark: how fast announcements reach a router's forwarding table.
 * A BIRD router and one director namespace (test/lab/bgp-fabric.ts); gobgpd
 * runs in the director namespace and anycastd's BGP module drives it.
 *
 *   node .lab/bench-build/bench/bgp/run.js [--vips 10000] [--rounds 3] [--samples 50]
 *
 * 1. Bulk: N VIPs announced from empty until all N are in the router's
 *    kernel table, then all withdrawn until none is. anycastd
 *    (setAnnouncements → AddPathStream) beside the way most controllers
 *    drive GoBGP: one unary AddPath/DeletePath per route, 64 in flight.
 * 2. One VIP: the withdraw call → the router's kernel route gone, median and
 *    p90, anycastd's setAnnouncements beside a bare unary DeletePath.
 *
 * The router's table is sampled with `ip route` every few milliseconds: the
 * times include up to one sampling interval (~2 ms for one route, ~20 ms for
 * a full count).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAnnouncements, type AnnouncementSpec } from '../../src/bgp/announcement.js';
import { GobgpClient } from '../../src/bgp/client.js';
import { toPath } from '../../src/bgp/path-codec.js';
import { Bgp } from '../../src/bgp/speaker.js';
import { createLogger } from '../../src/log.js';
import { DIRECTOR_ASN, ROUTER_ASN, Router, buildFabric } from '../../test/lab/bgp-fabric.js';
import { run } from '../../test/lab/exec.js';
import { NetnsLab } from '../../test/lab/netns.js';
import { fmtMs, median, percentile, table } from '../lib/measure.js';

const { values: args } = parseArgs({
  options: {
    vips: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    samples: { type: 'string', default: '50' },
  },
});
const N = Number(args.vips);
const ROUNDS = Number(args.rounds);
const SAMPLES = Number(args.samples);

const vip = (i: number) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const specs: AnnouncementSpec[] = Array.from({ length: N }, (_, i) => ({ prefix: vip(i) }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Routes the router's kernel holds from BIRD. */
async function fibCount(router: Router): Promise<number> {
  const out = (await router.ns.ip('-4', 'route', 'show', 'proto', 'bird')).stdout;
  let n = 0;
  for (let i = out.indexOf('10.'); i !== -1; i = out.indexOf('\n10.', i + 1)) n++;
  return n;
}

async function untilCount(router: Router, want: number, started: number): Promise<number> {
  for (;;) {
    if ((await fibCount(router)) === want) return performance.now() - started;
    if (performance.now() - started > 120_000)
      throw new Error(`router never reached ${want} routes`);
    await sleep(5);
  }
}

async function untilRoute(router: Router, prefix: string, present: boolean, started: number) {
  for (;;) {
    const hops = await router.nexthops(prefix);
    if (hops.length > 0 === present) return performance.now() - started;
    if (performance.now() - started > 30_000)
      throw new Error(`${prefix} never ${present ? 'appeared' : 'left'}`);
  }
}

async function inFlight<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

async function main(): Promise<void> {
  for (const program of ['gobgpd', 'bird'])
    if ((await run('sh', ['-c', `command -v ${program}`], { allowFailure: true })).code !== 0)
      throw new Error(`${program} is missing: ./scripts/setup installs it`);
  const lab = await NetnsLab.create();
  const dir = mkdtempSync(join(tmpdir(), 'acd-bench-bgp-'));
  try {
    const { router: rns, links } = await buildFabric(lab, 1);
    const link = links[0];
    if (!link) throw new Error('no link');
    const router = await Router.start(rns, links, dir);
    const socket = join(dir, 'gobgpd.sock');
    rmSync(socket, { force: true });
    link.ns.spawn('gobgpd', [`--api-hosts=unix://${socket}`, '--pprof-disable']);
    while (!existsSync(socket)) await sleep(5);

    const bgp = new Bgp({
      speaker: { asn: DIRECTOR_ASN, routerId: link.director4, listenAddresses: [link.director4] },
      peers: [{ address: link.router4, asn: ROUTER_ASN, families: ['ipv4'], connectRetry: 1 }],
      sidecar: { mode: 'external', address: `unix://${socket}` },
      log: createLogger({ level: 'warn' }),
      // The unary peer writes to the same table: no drift repair meanwhile.
      resyncIntervalMs: 3_600_000,
    });
    await bgp.start();
    bgp.setAnnouncements([]);
    await bgp.synced();
    while (!(await bgp.readPeers()).every((p) => p.state === 'ESTABLISHED')) await sleep(50);
    const raw = new GobgpClient({ address: `unix://${socket}`, deadlineMs: 30_000 });
    const paths = [...parseAnnouncements(specs).values()].map((a) => toPath(a));
    const withdrawals = [...parseAnnouncements(specs).values()].map((a) => toPath(a, true));

    const bulk: Record<string, number[]> = {
      'anycastd announce': [],
      'anycastd withdraw': [],
      'unary x64 announce': [],
      'unary x64 withdraw': [],
    };
    for (let r = 0; r < ROUNDS; r++) {
      let t = performance.now();
      bgp.setAnnouncements(specs);
      bulk['anycastd announce']?.push(await untilCount(router, N, t));
      t = performance.now();
      bgp.setAnnouncements([]);
      bulk['anycastd withdraw']?.push(await untilCount(router, 0, t));
      await bgp.synced();

      t = performance.now();
      await inFlight(paths, 64, (p) => raw.addPath(p));
      bulk['unary x64 announce']?.push(await untilCount(router, N, t));
      t = performance.now();
      await inFlight(withdrawals, 64, (p) => raw.deletePath(p));
      bulk['unary x64 withdraw']?.push(await untilCount(router, 0, t));
      process.stderr.write(`bulk round ${r + 1}/${ROUNDS} done\n`);
    }

    // One VIP among 100.
    const base = specs.slice(0, 100);
    const target = base[50] as AnnouncementSpec;
    const targetPrefix = `${target.prefix}/32`;
    const targetPath = toPath(parseAnnouncements([target]).get(targetPrefix) as never);
    bgp.setAnnouncements(base);
    await bgp.synced();
    await untilCount(router, 100, performance.now());
    const ours: number[] = [];
    const unary: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      let t = performance.now();
      // Both methods poll the router only once their call has returned, so
      // the spawned `ip` processes never compete with the call itself.
      bgp.setAnnouncements(base.filter((s) => s !== target));
      await bgp.synced();
      ours.push(await untilRoute(router, targetPrefix, false, t));
      bgp.setAnnouncements(base);
      await untilRoute(router, targetPrefix, true, performance.now());
      t = performance.now();
      await raw.deletePath({ ...targetPath, is_withdraw: true });
      unary.push(await untilRoute(router, targetPrefix, false, t));
      await raw.addPath(targetPath);
      await untilRoute(router, targetPrefix, true, performance.now());
    }
    bgp.setAnnouncements([]);
    await bgp.synced();

    console.log(
      `\n## ${N} VIPs, empty → all in the router's FIB → none (${ROUNDS} rounds, BIRD router)\n`,
    );
    console.log(
      table(
        ['method', 'median', 'min', 'max'],
        Object.entries(bulk).map(([name, v]) => [
          name,
          fmtMs(median(v)),
          fmtMs(Math.min(...v)),
          fmtMs(Math.max(...v)),
        ]),
      ),
    );
    console.log(`\n## One VIP withdrawn → gone from the router's FIB (${SAMPLES} samples)\n`);
    const row = (name: string, v: number[]) => {
      const s = [...v].sort((a, b) => a - b);
      return [name, fmtMs(percentile(s, 50)), fmtMs(percentile(s, 90)), fmtMs(s.at(-1) ?? NaN)];
    };
    console.log(
      table(
        ['method', 'p50', 'p90', 'max'],
        [row('anycastd setAnnouncements', ours), row('unary DeletePath', unary)],
      ),
    );
    raw.close();
    await bgp.stop('withdraw');
  } finally {
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
