/**
 * Failover benchmark: how long each failure takes to be absorbed, measured at
 * the router's forwarding table and at the client, on the fleet lab (a BIRD
 * router with ECMP, two directors running anycastd, three real servers over
 * direct routing, a client). Needs IPVS: run it in the kernel lab.
 *
 *   test/kernel/run-in-uml.sh node .lab/bench-build/bench/failover/run.js [--runs 5]
 *
 * Checks are HTTP, every 500 ms, timeout 300 ms, fall 2; BGP hold time 3 s.
 *  1. A real server's process dies: time until the client's new connections
 *     stop failing (they are refused while the real server is still served),
 *     and until every director has it at weight 0.
 *  2. Every real server dies: time until the router's table has dropped the
 *     VIP (both directors withdrew). Target: interval × fall + timeout + 150 ms.
 *  3. anycastd is killed (-9) and restarted on a director: changes of the
 *     VIP's route at the router (sampled and `ip monitor`) and broken
 *     long-lived connections. Target: none of either.
 *  4. A director is cut off (link down, nothing sent) and its processes die:
 *     time until the router has dropped it. Target: the hold time (3 s)
 *     + 100 ms; with BFD between the router and the directors (BIRD running
 *     only BFD beside gobgpd, 100 ms × 3), the BFD detection time + 100 ms.
 *
 * The router's table is followed through its notifications (`ip -timestamp
 * monitor route`: the time each change reached `ip`), the directors' weights
 * by reading /proc/PID/net/ip_vs of their anycastd every 20 ms: nothing forks
 * while a failure is timed. (Polling `ip route` and `ipvsadm` did: each fork
 * costs 25-40 ms of user-mode Linux's one CPU, taken from the processes being
 * timed.)
 * The peers' detection windows at their documented defaults are printed
 * beside ours; they are computed from their settings, not measured here.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Fleet,
  type FleetDirector,
  VIP,
  buildFleet,
  startAnycastd,
  stopDirectors,
  weightOf,
} from '../../test/lab/fleet.js';
import { LongLivedClient, serveLines } from '../../test/lab/long-lived.js';
import { NetnsLab } from '../../test/lab/netns.js';
import { procWeight } from '../../test/lab/proc-ip-vs.js';
import { fmtMs, stats, table, wholeOption } from '../lib/measure.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = wholeOption('runs', args.runs, 1, 50);
// This file runs from .lab/bench-build/bench/failover/.
const MAIN = fileURLToPath(new URL('../../../../dist/main.js', import.meta.url));
const PREFIX = `${VIP}/32`;
const INTERVAL = 500;
const TIMEOUT = 300;
const FALL = 2;
const HOLD = 3000;
/** The check window, and the bound for both real-server rows: the window + 150 ms. */
const checkWindow = INTERVAL * FALL + TIMEOUT;
const WITHDRAW_TARGET = checkWindow + 150;
/** BFD detection time: 100 ms × 3. */
const BFD_DETECT = 300;
/**
 * Time allowed for the router to act once its timer has fired (withdraw the
 * path, update the kernel's route): the BFD target names it, and the
 * hold-timer row allows the same.
 */
const ROUTER_ACTS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a new connection to the VIP every ~40 ms and logs each outcome with its time. */
const PROBER_JS = `
const net = require('net');
const tick = () => {
  const t = Date.now();
  const s = net.connect({ host: '${VIP}', port: 80 });
  let body = '';
  s.setTimeout(1000, () => s.destroy(new Error('timeout')));
  s.on('connect', () => s.write('GET / HTTP/1.0\\r\\n\\r\\n'));
  s.on('data', (d) => (body += d));
  s.on('end', () => console.log(t + ' ok ' + body.split('\\r\\n\\r\\n')[1]));
  s.on('error', (e) => console.log(t + ' err ' + (e.code || e.message)));
};
setInterval(tick, 40);
`;

/**
 * Polls `test` every `everyMs`: 50 ms by default, for tests that fork a program (25-40 ms
 * of user-mode Linux's one CPU each), which a tighter loop would take from the daemons.
 */
async function until(what: string, timeoutMs: number, test: () => Promise<boolean>, everyMs = 50) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await test()) return;
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** A router event's time, or the failure of a run in which it never came. */
async function required(f: Fleet, at: number | undefined, what: string): Promise<number> {
  if (at === undefined)
    throw new Error(
      `${what}: not seen at the router within 15 s; ${PREFIX} via [${(await f.router.nexthops(PREFIX)).join(', ')}]`,
    );
  return at;
}

interface Results {
  clientRefused: number[];
  /** Refused connections seen after the kill, per run (0 would mean none was tried). */
  refusedCount: number[];
  /** Kill → the last director's "VIP withdraw" decision (from its log). */
  allDeadDecided: number[];
  drained: number[];
  allDead: number[];
  restartChanges: number[];
  restartBroken: number[];
  cutOff: number[];
  cutOffBfd: number[];
}

async function realDies(f: Fleet, r: Results, i: number): Promise<void> {
  const victim = f.reals[i % f.reals.length];
  if (!victim) return;
  const prober = f.client.spawn('node', ['-e', PROBER_JS]);
  // Node takes seconds to start in user-mode Linux: probe for a while before the kill.
  await prober.waitFor(/ ok /, 30_000);
  await sleep(500);
  const t0 = Date.now();
  victim.server?.kill('SIGKILL');
  const drainedAt: number[] = [];
  await Promise.all(
    f.directors.map(async (d) => {
      await until(
        `${d.ns.name} drains ${victim.address}`,
        15_000,
        () => {
          if (procWeight(d.daemon?.child.pid, victim.address) !== 0) return Promise.resolve(false);
          drainedAt.push(Date.now() - t0);
          return Promise.resolve(true);
        },
        20,
      );
    }),
  );
  await sleep(1000);
  prober.kill('SIGKILL');
  await prober.exited;
  const failures = prober
    .output()
    .split('\n')
    .map((l) => /^(\d+) err (\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) >= t0);
  const last = failures.length > 0 ? Number(failures.at(-1)?.[1]) - t0 : 0;
  r.clientRefused.push(last);
  explain(f, t0, `${victim.address} killed, client refused until`, last, WITHDRAW_TARGET);
  r.refusedCount.push(failures.length);
  r.drained.push(Math.max(...drainedAt));
  await serveLines(victim);
  for (const d of f.directors)
    await until('weight back', 15_000, async () => (await weightOf(d, victim.address)) === 1);
}

async function allDie(f: Fleet, r: Results): Promise<void> {
  await settled(f);
  const watch = await f.router.watchRoutes();
  const t0 = Date.now();
  for (const real of f.reals) real.server?.kill('SIGKILL');
  let took: number;
  try {
    took = (await required(f, await watch.until(PREFIX, [], t0, 15_000), 'VIP withdrawn')) - t0;
    r.allDead.push(took);
  } finally {
    watch.stop();
  }
  await sleep(500);
  explain(f, t0, 'all real servers killed, VIP gone after', took, WITHDRAW_TARGET);
  r.allDeadDecided.push(Math.max(...f.directors.map((d) => loggedAt(d, t0, 'withdraw') - t0)));
  for (const real of f.reals) await serveLines(real);
  // The hold-down after each withdrawal doubles (2 s, 4 s, ...): wait it out.
  await waitAll(f);
}

async function restart(f: Fleet, r: Results, client: LongLivedClient): Promise<void> {
  const d = f.directors[1];
  if (!d) return;
  const all = f.directors.map((x) => x.address);
  const monitor = await f.router.monitor({ [PREFIX]: all });
  d.daemon?.kill('SIGKILL');
  await d.daemon?.exited;
  startAnycastd(d, MAIN);
  // Until the new anycastd has the route in gobgpd again, and then until graceful restart
  // has completed at the router: gobgpd defers its End-of-RIB up to 5 s, and a second
  // restart before the router has it makes the router drop the director's routes
  // (RFC 4724: the session failed again during the restart).
  await d.daemon?.waitFor('"event":"routes_synced"', 60_000);
  await sleep(8000);
  const changes = await monitor.stop();
  const ping = await client.ping(10_000);
  r.restartChanges.push(changes.length);
  r.restartBroken.push(Object.values(ping.broken).reduce((a, b) => a + b, 0));
  if (changes.length > 0) {
    console.log(`  route changes during the restart:\n    ${changes.join('\n    ')}`);
    // What the router and the restarted anycastd saw, to tell why.
    console.log(`  the router's log:\n    ${f.router.process.lastLines(30).join('\n    ')}`);
    console.log(
      `  ${d.ns.name}'s anycastd:\n    ${(d.daemon?.lastLines(30) ?? []).join('\n    ')}`,
    );
  }
}

/** Cuts a director off; a cut that takes longer than `targetMs` prints what the router and the BFD speaker logged. */
async function cutOff(f: Fleet, into: number[], targetMs: number): Promise<void> {
  const d = f.directors[1];
  const other = f.directors[0];
  if (!d || !other) return;
  await settled(f);
  const watch = await f.router.watchRoutes();
  const t0 = Date.now();
  await d.ns.ip('link', 'set', d.lan, 'down');
  d.daemon?.kill('SIGKILL');
  let took: number;
  try {
    took =
      (await required(f, await watch.until(PREFIX, [other.address], t0, 15_000), 'cut off')) - t0;
    into.push(took);
  } finally {
    watch.stop();
  }
  if (took > targetMs) {
    console.log(
      `  over the target of ${fmtMs(targetMs)} (cut at ${new Date(t0).toISOString()}); the router's log:\n    ${f.router.process.lastLines(30).join('\n    ')}`,
    );
    if (d.bfd)
      console.log(`  ${d.ns.name}'s BFD speaker:\n    ${d.bfd.lastLines(15).join('\n    ')}`);
  }
  await d.daemon?.exited;
  await d.ns.ip('link', 'set', d.lan, 'up');
  await d.ns.ip('route', 'replace', 'default', 'via', '10.10.0.1');
  startAnycastd(d, MAIN);
  await waitAll(f);
}

/** Until every director is a next hop of the VIP; on failure, says what each director logged. */
async function waitAll(f: Fleet): Promise<void> {
  try {
    await f.router.waitNexthops(
      PREFIX,
      f.directors.map((x) => x.address),
      240_000,
    );
  } catch (error) {
    const logs = f.directors.map(
      (d) =>
        `${d.ns.name} anycastd, last lines:\n` +
        (d.daemon?.lastLines(25) ?? []).join('\n') +
        (d.bfd ? `\n${d.ns.name} BFD speaker:\n${d.bfd.lastLines(10).join('\n')}` : ''),
    );
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
  }
}

/**
 * Every director a next hop, and still so a second later: a failure is only
 * timed from a steady state (a session that flaps right after coming back
 * would otherwise be timed as the failure).
 */
async function settled(f: Fleet): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await waitAll(f);
    await sleep(1000);
    const now = await f.router.nexthops(PREFIX);
    if (now.length === f.directors.length) return;
    console.log(`  (not steady: ${PREFIX} via [${now.join(', ')}] a second after all were back)`);
  }
  throw new Error(`${PREFIX}: the directors' routes do not stay up`);
}

/** When a director logged its decision to take the VIP to `route`, after `since`. */
/**
 * Each director's decisions after `since` (real server and VIP state changes, milliseconds
 * after `since`), printed for a run over its target so that the table's outliers are explained.
 */
function explain(f: Fleet, since: number, what: string, took: number, targetMs: number): void {
  if (took <= targetMs) return;
  console.log(`  ${what}: ${fmtMs(took)}, over the target of ${fmtMs(targetMs)}; decisions:`);
  for (const d of f.directors) {
    for (const line of (d.daemon?.output() ?? '').split('\n')) {
      if (!/"event":"(real_state|vip_state)"/.test(line)) continue;
      const e = JSON.parse(line) as Record<string, unknown> & { time: number };
      if (e.time < since) continue;
      const { time, event, real, vip, from, to, route, was, reason } = e;
      const detail =
        event === 'real_state'
          ? `${String(real)} ${String(from)} -> ${String(to)}`
          : `${String(vip)} ${String(was)} -> ${String(route)}`;
      console.log(
        `    ${d.ns.name} +${time - since} ms ${String(event)} ${detail} (${String(reason)})`,
      );
    }
  }
}

function loggedAt(d: FleetDirector, since: number, route: string): number {
  for (const line of (d.daemon?.output() ?? '').split('\n')) {
    if (!line.includes('"event":"vip_state"')) continue;
    const e = JSON.parse(line) as { time: number; route: string };
    if (e.time >= since && e.route === route) return e.time;
  }
  return Number.NaN;
}

async function main(): Promise<number> {
  const lab = await NetnsLab.create();
  const r: Results = {
    clientRefused: [],
    refusedCount: [],
    allDeadDecided: [],
    drained: [],
    allDead: [],
    restartChanges: [],
    restartBroken: [],
    cutOff: [],
    cutOffBfd: [],
  };
  let fleet: Fleet | undefined;
  const stopFleet = async () => {
    await stopDirectors(fleet?.directors ?? []);
    fleet = undefined;
  };
  const upFleet = async (lab: NetnsLab, bfd: boolean) => {
    const started = Date.now();
    fleet = await buildFleet(lab, { directors: 2, reals: 3, bfd });
    for (const real of fleet.reals) await serveLines(real);
    for (const d of fleet.directors) startAnycastd(d, MAIN);
    await waitAll(fleet);
    console.log(`fleet${bfd ? ' with BFD' : ''} up in ${fmtMs(Date.now() - started)}`);
    return fleet;
  };
  try {
    const f = await upFleet(lab, false);
    console.log(`${RUNS} runs of each failure`);
    for (let i = 0; i < RUNS; i++) {
      await realDies(f, r, i);
      console.log(`  real server dies, run ${i + 1}: client ${fmtMs(r.clientRefused.at(-1) ?? 0)}`);
    }
    for (let i = 0; i < RUNS; i++) {
      await allDie(f, r);
      console.log(`  all real servers die, run ${i + 1}: ${fmtMs(r.allDead.at(-1) ?? 0)}`);
    }
    const client = await LongLivedClient.open(f.client, 100);
    for (let i = 0; i < RUNS; i++) {
      await restart(f, r, client);
      console.log(`  anycastd restart, run ${i + 1}: ${r.restartChanges.at(-1)} route changes`);
    }
    client.close();
    for (let i = 0; i < RUNS; i++) {
      await cutOff(f, r.cutOff, HOLD + ROUTER_ACTS);
      console.log(`  director cut off, run ${i + 1}: ${fmtMs(r.cutOff.at(-1) ?? 0)}`);
    }
  } finally {
    await stopFleet();
    await lab.cleanup();
  }
  // The same cut-off with BFD between the router and the directors.
  const lab2 = await NetnsLab.create();
  try {
    const f = await upFleet(lab2, true);
    for (let i = 0; i < RUNS; i++) {
      await cutOff(f, r.cutOffBfd, BFD_DETECT + ROUTER_ACTS);
      console.log(`  director cut off (BFD), run ${i + 1}: ${fmtMs(r.cutOffBfd.at(-1) ?? 0)}`);
    }
  } finally {
    await stopFleet();
    await lab2.cleanup();
  }

  const row = (name: string, v: readonly number[], target: string, ok: boolean) => {
    const s = stats(v);
    return [name, fmtMs(s.median), fmtMs(s.p90), fmtMs(s.max), target, ok ? 'met' : 'MISSED'];
  };
  const all = stats(r.allDead);
  const cut = stats(r.cutOff);
  const bfd = stats(r.cutOffBfd);
  console.log('');
  console.log(
    table(
      ['Failure (anycastd)', 'median', 'p90', 'max', 'target', ''],
      [
        row(
          'real server dies → client no longer refused',
          r.clientRefused,
          `< ${fmtMs(WITHDRAW_TARGET)}`,
          stats(r.clientRefused).max < WITHDRAW_TARGET,
        ),
        row('real server dies → weight 0 on every director', r.drained, '-', true),
        row(
          'all real servers die → last director decides to withdraw',
          r.allDeadDecided,
          '-',
          true,
        ),
        row(
          'all real servers die → VIP gone at the router',
          r.allDead,
          `< ${fmtMs(WITHDRAW_TARGET)}`,
          all.max < WITHDRAW_TARGET,
        ),
        row(
          'director cut off → out of ECMP',
          r.cutOff,
          `≤ hold ${fmtMs(HOLD)} + ${ROUTER_ACTS} ms`,
          cut.max <= HOLD + ROUTER_ACTS,
        ),
        row(
          'director cut off → out of ECMP, BFD 100 ms × 3',
          r.cutOffBfd,
          `≤ ${fmtMs(BFD_DETECT + ROUTER_ACTS)}`,
          bfd.max <= BFD_DETECT + ROUTER_ACTS,
        ),
      ],
    ),
  );
  console.log(`refused connections seen after each kill: ${r.refusedCount.join(', ')}`);
  console.log('');
  console.log(
    `anycastd killed (-9) and restarted, ${RUNS} times: route changes at the router ` +
      `${r.restartChanges.join(', ')}; broken connections (of 100) ${r.restartBroken.join(', ')}`,
  );
  console.log('');
  // Worst-case windows from each peer's documented defaults (interval, timeout, retries):
  // a real server that refuses at once, and one that stops answering (timeout).
  console.log(
    table(
      ['Detection window (computed)', 'refuses', 'silent', 'settings'],
      [
        [
          'anycastd, timers of this run',
          fmtMs(INTERVAL * FALL),
          fmtMs(checkWindow),
          '0.5 s, timeout 0.3 s, fall 2',
        ],
        ['anycastd defaults', '6.00 s', '7.00 s', '2 s, timeout 1 s, fall 3'],
        [
          'keepalived TCP_CHECK',
          '61.00 s',
          '71.00 s',
          'delay_loop 60 s, connect_timeout 5 s, retry 1 after 1 s',
        ],
        ['Seesaw', '5.00 s', '35.00 s', 'interval 5 s, timeout 30 s, retries 0'],
        ['GLB healthcheck', '6.00 s', '6.00 s', 'interval 2 s, timeout 1 s, 3 failures'],
        ['anycast-healthchecker', '20.00 s', '22.00 s', 'interval 10 s, timeout 2 s, fail 2'],
        ['ExaBGP healthcheck', '7.00 s', '22.00 s', 'interval 5 s, fast 1 s, timeout 5 s, fall 3'],
      ],
    ),
  );
  const met =
    stats(r.clientRefused).max < WITHDRAW_TARGET &&
    all.max < WITHDRAW_TARGET &&
    cut.max <= HOLD + ROUTER_ACTS &&
    bfd.max <= BFD_DETECT + ROUTER_ACTS &&
    r.restartChanges.every((c) => c === 0) &&
    r.restartBroken.every((c) => c === 0);
  return met ? 0 : 1;
}

process.exitCode = await main();
