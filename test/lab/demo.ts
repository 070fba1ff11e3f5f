/**
 * The fleet demo: a live anycast fleet in network namespaces, driven through
 * the failures it exists to absorb. Each step checks what it claims on real
 * packets and at the router's forwarding table, and reports how long it took;
 * the first step that fails ends the demo with the evidence.
 *
 * Used by the README's first command (scripts/demo, through demo-main.ts)
 * and by the e2e tier, which runs the same steps.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Fleet,
  type FleetDirector,
  VIP,
  buildFleet,
  ipvsConnections,
  requests,
  serve,
  startAnycastd,
  stopDirectors,
  weightOf,
} from './fleet.js';
import type { NetnsLab } from './netns.js';

const PREFIX = `${VIP}/32`;
/**
 * How long directors get to announce the VIP after anycastd starts. About 25 s in a
 * fresh kernel lab; right after the survival tests (namespaces with hundreds of IPVS
 * connections torn down) the same took over 60 s, with a load average near 4 and no
 * memory pressure.
 */
const START_MS = 180_000;

export interface DemoOptions {
  /** anycastd's compiled entry point (dist/main.js), or an installed program (/usr/bin/anycastd). */
  main: string;
  directors?: number;
  reals?: number;
  /** Requests the client makes in each traffic step. */
  requests?: number;
  /** Receives every line of the narration. */
  print: (line: string) => void;
  /** A directory to write each director's anycastd log to (DIRECTOR.log, one run after another). */
  logs?: string | undefined;
}

export interface DemoStep {
  title: string;
  ok: boolean;
  ms: number;
  /** What was seen, or why it failed. */
  detail: string[];
}

export interface DemoResult {
  ok: boolean;
  steps: DemoStep[];
  ms: number;
}

class StepFailed extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connection entries (active + inactive) per real server in a director's table. */
async function connections(d: FleetDirector): Promise<Map<string, number>> {
  const byReal = await ipvsConnections(d);
  return new Map([...byReal].map(([real, c]) => [real, c.active + c.inactive]));
}

async function waitWeight(d: FleetDirector, real: string, want: number, timeoutMs: number) {
  const started = performance.now();
  let last: number | undefined;
  while (performance.now() - started < timeoutMs) {
    last = await weightOf(d, real);
    if (last === want) return performance.now() - started;
    await sleep(50);
  }
  throw new StepFailed(
    `${d.ns.name}: ${real} has weight ${last ?? '(absent)'}, wanted ${want} within ${timeoutMs} ms`,
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * What anycastd logged on the way to announcing, as offsets from its spawn.
 * Its log can trail the router's view by a moment: wait briefly for every mark.
 */
async function timeline(d: FleetDirector, since: number): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const t = timelineNow(d, since);
    if (!t.includes('not seen')) return t;
    await sleep(100);
  }
  return timelineNow(d, since);
}

function timelineNow(d: FleetDirector, since: number): string {
  const marks: [string, (e: Record<string, unknown>) => boolean][] = [
    ['gobgpd spawned', (e) => e.event === 'sidecar_started'],
    ['gobgpd API', (e) => e.event === 'sidecar_ready' || e.event === 'sidecar_slow'],
    ['running', (e) => e.event === 'daemon_started'],
    ['GoBGP connected', (e) => e.event === 'sidecar_connected'],
    ['warm-up over', (e) => e.event === 'warmup_done'],
    ['VIP healthy', (e) => e.event === 'vip_state' && e.route === 'announce'],
    ['route in gobgpd', (e) => e.event === 'routes_synced' && Number(e.announced) > 0],
    ['BGP session up', (e) => e.event === 'peer_state' && e.state === 'ESTABLISHED'],
  ];
  const events = (d.daemon?.output() ?? '').split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  const found = marks.map(([label, match]) => {
    const e = events.find((x) => Number(x.time) >= since && match(x));
    return e ? `${label} +${seconds(Number(e.time) - since)}` : `${label} (not seen)`;
  });
  return `${d.ns.name.split('-').pop()}: ${found.join(', ')}`;
}

/** Runs the demo in `lab`; never throws for a failed step, only reports it. */
export async function runDemo(lab: NetnsLab, opts: DemoOptions): Promise<DemoResult> {
  const nDirectors = opts.directors ?? 2;
  const nReals = opts.reals ?? 3;
  const count = opts.requests ?? 60;
  const steps: DemoStep[] = [];
  const started = performance.now();
  let fleet: Fleet | undefined;

  const spawnedAt = new Map<FleetDirector, number>();
  const saveLog = (d: FleetDirector) => {
    if (!opts.logs || !d.daemon) return;
    mkdirSync(opts.logs, { recursive: true });
    const name = d.ns.name.split('-').pop() ?? d.ns.name;
    const since = new Date(spawnedAt.get(d) ?? Date.now()).toISOString();
    appendFileSync(
      join(opts.logs, `${name}.log`),
      `--- anycastd started ${since}\n${d.daemon.output()}\n`,
    );
  };
  const startDaemon = (d: FleetDirector) => {
    saveLog(d);
    spawnedAt.set(d, Date.now());
    startAnycastd(d, opts.main);
  };
  const fleetOf = (): Fleet => {
    if (!fleet) throw new StepFailed('the fleet was not built');
    return fleet;
  };
  const total = 9;
  const step = async (title: string, body: (detail: string[]) => Promise<void>) => {
    const n = steps.length + 1;
    opts.print(`[${n}/${total}] ${title}`);
    const detail: string[] = [];
    const t0 = performance.now();
    let ok = true;
    try {
      await body(detail);
    } catch (error) {
      ok = false;
      detail.push(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
    const ms = performance.now() - t0;
    for (const line of detail) opts.print(`      ${line}`);
    opts.print(`      ${ok ? 'ok' : 'FAILED'} in ${seconds(ms)}`);
    steps.push({ title, ok, ms, detail });
    return ok;
  };

  /** Client traffic: every request must succeed and reach exactly `expect` real servers. */
  const traffic = async (detail: string[], expect: readonly string[]) => {
    const f = fleetOf();
    const before = await Promise.all(f.directors.map((d) => connections(d)));
    const seen = await requests(f.client, count);
    const failures = Object.entries(seen).filter(([k]) => k.startsWith('error'));
    detail.push(
      `${count} requests from the client to ${VIP}:80 answered by: ` +
        Object.entries(seen)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    );
    const after = await Promise.all(f.directors.map((d) => connections(d)));
    f.directors.forEach((d, i) => {
      const per = f.reals.map(
        (r) => `${r.name} ${(after[i]?.get(r.address) ?? 0) - (before[i]?.get(r.address) ?? 0)}`,
      );
      detail.push(`  forwarded by ${d.ns.name.split('-').pop()}: ${per.join(', ')}`);
    });
    if (failures.length > 0)
      throw new StepFailed(
        `failed requests: ${failures.map(([k, v]) => `${v} × ${k}`).join('; ')}`,
      );
    const got = Object.keys(seen).sort();
    if (got.join(',') !== [...expect].sort().join(','))
      throw new StepFailed(`answered by [${got.join(', ')}], expected [${expect.join(', ')}]`);
  };

  const run = async (): Promise<void> => {
    if (
      !(await step(
        `build the lab: a BIRD router with ECMP, ${nDirectors} directors, ${nReals} real servers, a client`,
        async (detail) => {
          fleet = await buildFleet(lab, { directors: nDirectors, reals: nReals, main: opts.main });
          detail.push(
            `directors ${fleet.directors.map((d) => d.address).join(', ')}; real servers ` +
              `${fleet.reals.map((r) => r.address).join(', ')} (set up by anycastd realserver up: VIP on lo, arp_ignore=1, arp_announce=2)`,
          );
        },
      ))
    )
      return;
    const f = fleetOf();
    const addresses = f.directors.map((d) => d.address);
    const names = f.reals.map((r) => r.name);
    const victim = f.reals[f.reals.length - 1];
    const lost = f.directors[f.directors.length - 1];
    if (!victim || !lost) return;

    if (
      !(await step(
        'start an HTTP server on each real server and anycastd on each director',
        async (detail) => {
          for (const r of f.reals) await serve(r);
          for (const d of f.directors) startDaemon(d);
          detail.push(
            `anycastd run --config <dir>/anycastd.yaml on ${f.directors.length} directors (gobgpd spawned by each)`,
          );
        },
      ))
    )
      return;

    if (
      !(await step('the router learns the VIP with one next hop per director', async (detail) => {
        const ms = await f.router.waitNexthops(PREFIX, addresses, START_MS).catch((e: unknown) => {
          throw new StepFailed(String(e instanceof Error ? e.message : e));
        });
        const since = Math.min(...f.directors.map((d) => spawnedAt.get(d) ?? Date.now()));
        detail.push(
          `${PREFIX} via ${(await f.router.nexthops(PREFIX)).join(', ')}, ` +
            `${seconds(Date.now() - since)} after anycastd was started (${seconds(ms)} in this step)`,
        );
        for (const d of f.directors) detail.push(`  ${await timeline(d, spawnedAt.get(d) ?? 0)}`);
      }))
    )
      return;

    if (
      !(await step('client requests spread over directors and real servers', (d) =>
        traffic(d, names),
      ))
    )
      return;

    if (
      !(await step(
        `${victim.name}'s HTTP server is killed: every director drains it (weight 0)`,
        async (detail) => {
          victim.server?.kill('SIGKILL');
          for (const d of f.directors) {
            const ms = await waitWeight(d, victim.address, 0, 10_000);
            detail.push(
              `${d.ns.name.split('-').pop()}: ${victim.address} weight 0 after ${seconds(ms)}`,
            );
          }
          await traffic(
            detail,
            names.filter((n) => n !== victim.name),
          );
        },
      ))
    )
      return;

    if (
      !(await step(
        `director ${lost.address} is cut off (link down, no BGP close) and its processes die: the router drops it`,
        async (detail) => {
          await lost.ns.ip('link', 'set', lost.lan, 'down');
          lost.daemon?.kill('SIGKILL');
          const left = addresses.filter((a) => a !== lost.address);
          const ms = await f.router.waitNexthops(PREFIX, left, 15_000);
          detail.push(`${PREFIX} via ${left.join(', ')} after ${seconds(ms)} (BGP hold time 3 s)`);
          // Later than the hold time and the route polling allow: show what the router saw.
          if (ms > 4000) {
            detail.push(
              "the router's log, last lines:",
              ...f.router.process.lastLines(20).map((l) => `  ${l}`),
            );
          }
          await traffic(
            detail,
            names.filter((n) => n !== victim.name),
          );
        },
      ))
    )
      return;

    if (
      !(await step(`${victim.name} and director ${lost.address} come back`, async (detail) => {
        await lost.ns.ip('link', 'set', lost.lan, 'up');
        await lost.ns.ip('route', 'replace', 'default', 'via', '10.10.0.1');
        await lost.daemon?.exited;
        startDaemon(lost);
        await serve(victim);
        const ms = await f.router.waitNexthops(PREFIX, addresses, START_MS);
        detail.push(`${PREFIX} via ${addresses.join(', ')} again after ${seconds(ms)}`);
        detail.push(`  ${await timeline(lost, spawnedAt.get(lost) ?? 0)}`);
        for (const d of f.directors) {
          const w = await waitWeight(d, victim.address, 1, 15_000);
          detail.push(
            `${d.ns.name.split('-').pop()}: ${victim.address} weight 1 after ${seconds(w)}`,
          );
        }
      }))
    )
      return;

    if (
      !(await step('client requests spread over every director and real server again', (d) =>
        traffic(d, names),
      ))
    )
      return;

    await step(
      'anycastd stops cleanly on every director (SIGTERM: drain, withdraw)',
      async (detail) => {
        for (const d of f.directors) d.daemon?.kill('SIGTERM');
        for (const d of f.directors) {
          const code = await d.daemon?.exited;
          if (code !== 0) throw new StepFailed(`${d.ns.name}: anycastd exited with ${code}`);
        }
        const ms = await f.router.waitNexthops(PREFIX, [], 15_000);
        detail.push(
          `every director exited 0; ${PREFIX} gone from the router ${seconds(ms)} after the last exit`,
        );
      },
    );
  };

  try {
    await run();
  } finally {
    if (steps.some((s) => !s.ok) && fleet) {
      for (const d of fleet.directors) {
        const tail = d.daemon?.lastLines(15) ?? [];
        if (tail.length > 0)
          opts.print(`--- last lines of anycastd on ${d.ns.name}:\n${tail.join('\n')}`);
      }
    }
    await stopDirectors(fleet?.directors ?? []);
    for (const d of fleet?.directors ?? []) saveLog(d);
    if (opts.logs) opts.print(`anycastd's logs: ${opts.logs}/DIRECTOR.log`);
  }
  const ok = steps.length === total && steps.every((s) => s.ok);
  return { ok, steps, ms: performance.now() - started };
}
