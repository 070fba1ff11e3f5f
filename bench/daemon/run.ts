/**
 * The whole director beside keepalived: `anycastd run` (with its spawned
 * gobgpd, peering with a BIRD router) and keepalived's checker (`-C`, Debian's
 * keepalived, `inhibit_on_failure` so a failed real server goes to weight 0
 * as with anycastd) on the same services, real servers and TCP checks, one
 * tool at a time in fresh namespaces of the same kernel-lab boot.
 *
 *   npm run bench:daemon -- [--sizes 100,1000,10000] [--reals 10] [--tools anycastd,keepalived]
 *     [--interval 2] [--steady 60] [--scrape 30] [--window 600] [--logs DIR] [--log-level info]
 *
 * Real servers are addresses of 10.64.0.0/10, all routed from the director
 * to one namespace where a `local` route makes the prefix local and one
 * listener (sink.c) accepts every check. A real server "dies" when the
 * director routes its address to another namespace where nothing listens
 * (the next SYN gets a reset) and returns when that route goes.
 *
 * Checks: TCP connect to port 8080 every --interval seconds (2), timeout 1 s, the first failure
 * counts and the first success after it too (anycastd rise 1, fall 1;
 * keepalived retry 0). The kernel's table is followed over netlink from this
 * process (nothing forks while a change is timed); the router's routes by
 * `birdc`. Each phase waits at most --window seconds; a tool that has not got
 * there by then is reported as such.
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { callApi } from '../../src/api/client.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import type { ServiceKey } from '../../src/ipvs/model.js';
import { type LabProcess, type Netns, NetnsLab } from '../../test/lab/netns.js';
import { fmtMs, percentile, table, wholeOption } from '../lib/measure.js';
import { type LatenessWindow, latenessBetween, latenessBuckets } from './lateness.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000' },
    reals: { type: 'string', default: '10' },
    tools: { type: 'string', default: 'anycastd,keepalived' },
    steady: { type: 'string', default: '60' },
    scrape: { type: 'string', default: '30' },
    window: { type: 'string', default: '600' },
    logs: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    interval: { type: 'string', default: '2' },
  },
});
/** Where each tool's log is copied at the end of its run (a directory the host can read). */
const LOGS = args.logs;
const SIZES = (args.sizes ?? '').split(',').map((s) => wholeOption('sizes', s, 1, 20_000));
const REALS = wholeOption('reals', args.reals, 1, 64);
const TOOLS = (args.tools ?? '').split(',') as Tool[];
for (const t of TOOLS)
  if (t !== 'anycastd' && t !== 'keepalived') {
    console.error(`--tools ${args.tools}: anycastd and/or keepalived`);
    process.exit(2);
  }
const STEADY_S = wholeOption('steady', args.steady, 5, 600);
const WINDOW_MS = wholeOption('window', args.window, 10, 7200) * 1000;
/** Check interval in seconds; larger tables than the kernel lab's CPU can check every 2 s need more. */
const INTERVAL_S = wholeOption('interval', args.interval, 1, 600);
const TIMEOUT_S = 1;
const SCRAPE_WINDOW_MS = wholeOption('scrape', args.scrape, 5, 600) * 1000;
/** A dead real server is seen at its next check: one interval, plus the timeout's worth of slack. */
const DETECTION_MS = INTERVAL_S * 1000 + TIMEOUT_S * 1000;

type Tool = 'anycastd' | 'keepalived';
const MAIN = fileURLToPath(new URL('../../../../dist/main.js', import.meta.url));
const SINK_SRC = fileURLToPath(new URL('../../../../bench/daemon/sink.c', import.meta.url));
const SINK = fileURLToPath(new URL('../../sink', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NOFILE = 262_144;

const vipOf = (i: number) => `198.18.${i >> 8}.${i & 255}`;
const realOf = (k: number) => `10.${64 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
const realsOf = (i: number) => Array.from({ length: REALS }, (_, j) => realOf(i * REALS + j + 1));
const keyOf = (i: number): ServiceKey => ({
  family: 'ipv4',
  protocol: 'tcp',
  address: vipOf(i),
  port: 80,
});

interface Row {
  programmed?: number | undefined;
  weightsRight?: number | undefined;
  atRouter?: number | undefined;
  cpuPct?: number | undefined;
  rssMiB?: number | undefined;
  treeRssMiB?: number | undefined;
  oneDead?: number[];
  tenPctP50?: number | undefined;
  tenPctMax?: number | undefined;
  tenPctAll?: number | undefined;
  backAll?: number | undefined;
  reloadInKernel?: number | undefined;
  reloadAtWeight?: number | undefined;
  reloadTouched?: string | undefined;
  statusMs?: number | undefined;
  statusBytes?: number | undefined;
  metricsMs?: number | undefined;
  metricsBytes?: number | undefined;
  /** Check lateness without scrapes, then while scraped as Prometheus and an open page would. */
  quiet?: LatenessWindow | undefined;
  scraped?: LatenessWindow | undefined;
  scrapeMs?: { metricsMax: number; statusMax: number } | undefined;
  notes: string[];
}

function buildSink(): void {
  if (existsSync(SINK)) return;
  execFileSync('gcc', ['-O2', '-o', SINK, SINK_SRC], { stdio: 'pipe' });
}

/** Namespaces: the director, the real servers' listener, a namespace where nothing listens, the router. */
async function topology(lab: NetnsLab, dir: string) {
  const director = await lab.namespace('dir');
  const reals = await lab.namespace('reals');
  const dead = await lab.namespace('dead');
  const router = await lab.namespace('router');
  await lab.link(director, reals, { addressA: '10.99.0.1/30', addressB: '10.99.0.2/30' });
  await lab.link(director, dead, { addressA: '10.98.0.1/30', addressB: '10.98.0.2/30' });
  await lab.link(director, router, { addressA: '10.97.0.2/30', addressB: '10.97.0.1/30' });
  for (const ns of [reals, dead]) await ns.ip('route', 'add', 'local', '10.64.0.0/10', 'dev', 'lo');
  await director.ip('route', 'add', '10.64.0.0/10', 'via', '10.99.0.2');
  // Checks make tens of thousands of connections a second: let ports and TIME-WAIT keep up.
  await director.sysctl('net.ipv4.ip_local_port_range', '1024 65535');
  await director.sysctl('net.ipv4.tcp_tw_reuse', '1');
  const sink = reals.spawn(SINK, ['8080']);
  await sink.waitFor('listening');
  const birdConf = join(dir, 'bird.conf');
  writeFileSync(
    birdConf,
    `router id 10.97.0.1;
protocol device { scan time 10; }
protocol bgp director { local as 65000; neighbor 10.97.0.2 as 65001; hold time 9; connect retry time 1;
  ipv4 { import all; export none; }; }
`,
  );
  const birdSock = join(dir, 'bird.ctl');
  router.spawn('bird', ['-f', '-c', birdConf, '-s', birdSock]);
  return { director, reals, dead, router, birdSock };
}

function anycastdConfig(dir: string, services: number, extraReal?: string): string {
  const lines = [
    'director: {name: bench, router_id: 10.97.0.2}',
    `api: {listen: "unix://${dir}/api.sock"}`,
    `state_file: ${dir}/state.json`,
    'bgp:',
    '  asn: 65001',
    `  sidecar: {mode: spawn, state_dir: ${dir}/gobgp}`,
    '  peers: [{address: 10.97.0.1, asn: 65000, families: [ipv4], connect_retry: 1s}]',
    'defaults:',
    '  scheduler: wlc',
    `  check: {type: tcp, port: 8080, interval: ${INTERVAL_S}s, timeout: ${TIMEOUT_S}s, rise: 1, fall: 1}`,
    'services:',
  ];
  for (let i = 0; i < services; i++) {
    const reals = realsOf(i);
    if (i === 0 && extraReal) reals.push(extraReal);
    lines.push(
      `  - {name: s${i}, vip: ${vipOf(i)}, ports: [{port: 80}], reals: [${reals.map((a) => `{address: ${a}}`).join(', ')}]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function keepalivedConfig(services: number, extraReal?: string): string {
  const out = ['global_defs {', '  router_id bench', '}'];
  for (let i = 0; i < services; i++) {
    const reals = realsOf(i);
    if (i === 0 && extraReal) reals.push(extraReal);
    out.push(
      `virtual_server ${vipOf(i)} 80 {`,
      `  delay_loop ${INTERVAL_S}`,
      '  lb_algo wlc',
      '  lb_kind DR',
      '  protocol TCP',
    );
    for (const r of reals)
      out.push(
        `  real_server ${r} 80 {`,
        '    weight 1',
        '    inhibit_on_failure',
        `    TCP_CHECK { connect_port 8080 connect_timeout ${TIMEOUT_S} retry 0 }`,
        '  }',
      );
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

/** CPU seconds (user + system) and peak RSS (KiB) of a process and all its descendants. */
function treeUsage(root: number): {
  cpuS: number;
  rootHwmKiB: number;
  treeHwmKiB: number;
  byName: Map<string, number>;
} {
  const parents = new Map<number, number>();
  const stat = new Map<number, string>();
  for (const entry of execFileSync('ls', ['/proc'], { encoding: 'utf8' }).split('\n')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parents.set(pid, Number(fields[1]));
      stat.set(pid, s);
    } catch {
      // Gone.
    }
  }
  const tree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents)
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
  }
  let ticks = 0;
  let treeHwm = 0;
  let rootHwm = 0;
  const byName = new Map<string, number>();
  for (const pid of tree) {
    const s = stat.get(pid);
    if (!s) continue;
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    ticks += own;
    const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
    byName.set(name, (byName.get(name) ?? 0) + own / 100);
    try {
      const hwm = Number(
        /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
      );
      treeHwm += hwm;
      if (pid === root) rootHwm = hwm;
    } catch {
      // Gone.
    }
  }
  return { cpuS: ticks / 100, rootHwmKiB: rootHwm, treeHwmKiB: treeHwm, byName };
}

/** The pid of the tool itself inside `ip netns exec` / `prlimit` wrappers (they exec). */
function toolPid(p: LabProcess): number {
  return p.child.pid as number;
}

async function until(
  ms: number,
  test: () => Promise<boolean> | boolean,
  everyMs = 20,
): Promise<number | undefined> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (await test()) return performance.now() - start;
    await sleep(everyMs);
  }
  return undefined;
}

async function routesAt(router: Netns, sock: string): Promise<number> {
  const r = await router.run('birdc', ['-s', sock, 'show', 'route', 'count'], {
    allowFailure: true,
  });
  return Number(/(\d+) of \d+ routes/.exec(r.stdout)?.[1] ?? 0);
}

async function benchOne(tool: Tool, services: number): Promise<Row> {
  const row: Row = { notes: [] };
  const lab = await NetnsLab.create();
  const dir = mkdtempSync(join(tmpdir(), `acd-bench-${tool}-`));
  try {
    const t = await topology(lab, dir);
    const total = services * REALS;
    const conf = join(dir, tool === 'anycastd' ? 'anycastd.yaml' : 'keepalived.conf');
    writeFileSync(
      conf,
      tool === 'anycastd' ? anycastdConfig(dir, services) : keepalivedConfig(services),
    );
    const log = join(dir, `${tool}.log`);
    const argv =
      tool === 'anycastd'
        ? ['node', MAIN, 'run', '--config', conf, '--log-level', args['log-level'] ?? 'info']
        : [
            'keepalived',
            '-n',
            '-l',
            '-C',
            '-f',
            conf,
            '-p',
            join(dir, 'k.pid'),
            '-c',
            join(dir, 'kc.pid'),
          ];
    const ipvs = await IpvsClient.open({ netns: t.director.name });
    const started = performance.now();
    const proc = t.director.spawn('sh', [
      '-c',
      `exec prlimit --nofile=${NOFILE}:${NOFILE} -- "$@" >${log} 2>&1`,
      'sh',
      ...argv,
    ]);
    const since = () => performance.now() - started;

    // Start: the whole table in the kernel, then every weight right (every real server is up).
    let weightsOk = false;
    const programmed = await until(
      WINDOW_MS,
      async () => {
        const table = await ipvs.dump().catch(() => []);
        const mine = table.filter((s) => 'address' in s.key && s.key.address.startsWith('198.18.'));
        const dests = mine.reduce((n, s) => n + s.destinations.length, 0);
        if (mine.length === services && dests === total) {
          weightsOk = mine.every((s) => s.destinations.every((d) => d.weight === 1));
          return true;
        }
        return false;
      },
      services >= 1000 ? 200 : 20,
    );
    row.programmed = programmed;
    if (programmed === undefined)
      row.notes.push(`table not programmed within ${WINDOW_MS / 1000} s`);
    if (weightsOk) row.weightsRight = programmed;
    else if (programmed !== undefined) {
      const right = await until(
        WINDOW_MS,
        async () => (await ipvs.dump()).every((s) => s.destinations.every((d) => d.weight === 1)),
        services >= 1000 ? 200 : 20,
      );
      row.weightsRight = right === undefined ? undefined : since();
      if (right === undefined) row.notes.push(`weights not all right within ${WINDOW_MS / 1000} s`);
    }
    if (tool === 'anycastd') {
      const at = await until(
        WINDOW_MS,
        async () => (await routesAt(t.router, t.birdSock)) >= services,
        250,
      );
      row.atRouter = at === undefined ? undefined : since();
      if (at === undefined)
        row.notes.push(
          `${await routesAt(t.router, t.birdSock)} of ${services} VIPs at the router after ${WINDOW_MS / 1000} s`,
        );
    }

    // Steady state: CPU of the whole process tree over STEADY_S seconds.
    const pid = toolPid(proc);
    const before = treeUsage(pid);
    await sleep(STEADY_S * 1000);
    const after = treeUsage(pid);
    row.cpuPct = ((after.cpuS - before.cpuS) / STEADY_S) * 100;
    row.notes.push(
      `steady CPU by process: ${[...after.byName]
        .map(
          ([name, s]) =>
            `${name} ${(((s - (before.byName.get(name) ?? 0)) / STEADY_S) * 100).toFixed(1)} %`,
        )
        .join(', ')}`,
    );

    if (tool === 'anycastd') {
      const api = `unix://${dir}/api.sock`;
      for (const [path, key] of [
        ['/status', 'status'],
        ['/metrics', 'metrics'],
      ] as const) {
        const from = performance.now();
        const r = await callApi(api, 'GET', path).catch(() => undefined);
        const ms = performance.now() - from;
        if (key === 'status') {
          row.statusMs = ms;
          row.statusBytes = r?.body.length;
        } else {
          row.metricsMs = ms;
          row.metricsBytes = r?.body.length;
        }
      }
    }

    if (tool === 'anycastd') {
      // Scrapes: a window without, then one with /metrics every 5 s (a busy Prometheus)
      // and /status every 3 s (an open status page), compared by how late checks start.
      const api = `unix://${dir}/api.sock`;
      const read = async () => latenessBuckets((await callApi(api, 'GET', '/metrics')).body);
      const a = await read();
      await sleep(SCRAPE_WINDOW_MS);
      const b = await read();
      const times = { metrics: [] as number[], status: [] as number[] };
      const scrape = async (path: '/metrics' | '/status', every: number, into: number[]) => {
        for (let at = 0; at < SCRAPE_WINDOW_MS; at += every) {
          const from = performance.now();
          await callApi(api, 'GET', path);
          const ms = performance.now() - from;
          into.push(ms);
          await sleep(Math.max(0, every - ms));
        }
      };
      await Promise.all([
        scrape('/metrics', 5000, times.metrics),
        scrape('/status', 3000, times.status),
      ]);
      const c = await read();
      row.quiet = latenessBetween(a, b);
      row.scraped = latenessBetween(b, c);
      row.scrapeMs = {
        metricsMax: Math.max(...times.metrics),
        statusMax: Math.max(...times.status),
      };
    }

    // One real server dies, five times over: kill → its weight 0.
    row.oneDead = [];
    for (let n = 0; n < 5; n++) {
      const i = Math.floor(((n + 0.5) / 5) * services);
      const real = realsOf(i)[n % REALS] as string;
      await t.director.ip('route', 'add', `${real}/32`, 'via', '10.98.0.2');
      const ms = await until(WINDOW_MS, async () =>
        (await ipvs.destinations(keyOf(i))).some((d) => d.address === real && d.weight === 0),
      );
      if (ms === undefined) row.notes.push(`${real} not drained within ${WINDOW_MS / 1000} s`);
      else row.oneDead.push(ms);
      await t.director.ip('route', 'del', `${real}/32`);
      await until(WINDOW_MS, async () =>
        (await ipvs.destinations(keyOf(i))).some((d) => d.address === real && d.weight === 1),
      );
    }

    // 10 % of the real servers die at once (the first of each service, then more as needed).
    const victims: { i: number; real: string }[] = [];
    for (let j = 0; victims.length < Math.ceil(total / 10); j++)
      for (let i = 0; i < services && victims.length < Math.ceil(total / 10); i++)
        victims.push({ i, real: realsOf(i)[j] as string });
    const batch = (verb: string) =>
      writeFileSync(
        join(dir, `routes-${verb}`),
        victims
          .map((v) => `route ${verb} ${v.real}/32${verb === 'add' ? ' via 10.98.0.2' : ''}`)
          .join('\n'),
      );
    batch('add');
    batch('del');
    const weightsNow = async () => {
      const w = new Map<string, number>();
      for (const s of await ipvs.dump()) for (const d of s.destinations) w.set(d.address, d.weight);
      return w;
    };
    const follow = async (want: number) => {
      const from = performance.now();
      const seen = new Map<string, number>();
      while (seen.size < victims.length && performance.now() - from < WINDOW_MS) {
        const w = await weightsNow();
        const at = performance.now() - from;
        for (const v of victims)
          if (!seen.has(v.real) && w.get(v.real) === want) seen.set(v.real, at);
        await sleep(services >= 1000 ? 100 : 20);
      }
      return [...seen.values()].sort((a, b) => a - b);
    };
    await t.director.ip('-batch', join(dir, 'routes-add'));
    const down = await follow(0);
    row.tenPctP50 = percentile(down, 50);
    row.tenPctMax = down.at(-1);
    row.tenPctAll = down.length === victims.length ? down.at(-1) : undefined;
    if (down.length < victims.length)
      row.notes.push(`${down.length} of ${victims.length} drained in the window`);
    await t.director.ip('-batch', join(dir, 'routes-del'));
    const back = await follow(1);
    row.backAll = back.length === victims.length ? back.at(-1) : undefined;
    if (back.length < victims.length)
      row.notes.push(`${back.length} of ${victims.length} back in the window`);

    // A reload that adds one real server to the first service.
    const extra = realOf(total + 1000);
    const logBefore = readFileSync(log, 'utf8').length;
    writeFileSync(
      conf,
      tool === 'anycastd'
        ? anycastdConfig(dir, services, extra)
        : keepalivedConfig(services, extra),
    );
    const hupAt = performance.now();
    process.kill(pid, 'SIGHUP');
    const inKernel = await until(WINDOW_MS, async () =>
      (await ipvs.destinations(keyOf(0))).some((d) => d.address === extra),
    );
    row.reloadInKernel = inKernel;
    const atWeight = await until(WINDOW_MS, async () =>
      (await ipvs.destinations(keyOf(0))).some((d) => d.address === extra && d.weight === 1),
    );
    row.reloadAtWeight = atWeight === undefined ? undefined : performance.now() - hupAt;
    if (tool === 'anycastd') {
      await sleep(1000);
      const reasons = readFileSync(log, 'utf8')
        .slice(logBefore)
        .split('\n')
        .filter(
          (l) => l.includes('"event":"ipvs_changed"') || l.includes('"event":"ipvs_repaired"'),
        )
        .flatMap((l) => (JSON.parse(l) as { reasons: string[] }).reasons);
      const other = reasons.filter((r) => !r.includes(extra));
      row.reloadTouched = `${other.length} (${reasons.length - other.length} for the new one)`;
    } else row.reloadTouched = 'not observable';

    const end = treeUsage(pid);
    row.rssMiB = end.rootHwmKiB / 1024;
    row.treeRssMiB = end.treeHwmKiB / 1024;
    proc.kill('SIGTERM');
    await Promise.race([proc.exited, sleep(30_000)]);
    ipvs.close();
    if (LOGS) {
      mkdirSync(LOGS, { recursive: true });
      copyFileSync(log, join(LOGS, `${tool}-${services}x${REALS}.log`));
    }
  } finally {
    await lab.cleanup();
  }
  return row;
}

// NaN: the percentile of nothing (none of them got there in the window).
const f = (ms: number | undefined) =>
  ms === undefined || Number.isNaN(ms) ? '—' : ms === Infinity ? '∞' : fmtMs(ms);

async function main(): Promise<void> {
  buildSink();
  const results = new Map<number, Map<Tool, Row>>();
  for (const size of SIZES) {
    const byTool = new Map<Tool, Row>();
    for (const tool of TOOLS) {
      const from = performance.now();
      console.error(`bench: ${tool} at ${size} × ${REALS} ...`);
      byTool.set(tool, await benchOne(tool, size));
      console.error(
        `bench: ${tool} at ${size} × ${REALS} done in ${fmtMs(performance.now() - from)}`,
      );
    }
    results.set(size, byTool);
    const a = byTool.get('anycastd');
    const k = byTool.get('keepalived');
    const rows: string[][] = [];
    const add = (name: string, pick: (r: Row) => string) =>
      rows.push([name, ...TOOLS.map((tool) => pick(byTool.get(tool) as Row))]);
    add('start → table programmed', (r) => f(r.programmed));
    add('start → weights right', (r) => f(r.weightsRight));
    add('start → every VIP at the router', (r) => (r.atRouter === undefined ? '—' : f(r.atRouter)));
    add(`steady CPU (${STEADY_S} s, process tree)`, (r) => `${(r.cpuPct ?? 0).toFixed(1)} %`);
    add(
      'peak RSS (main process / tree)',
      (r) => `${(r.rssMiB ?? 0).toFixed(0)} / ${(r.treeRssMiB ?? 0).toFixed(0)} MiB`,
    );
    add('one real server dies → weight 0 (p50, max of 5)', (r) => {
      const s = [...(r.oneDead ?? [])].sort((x, y) => x - y);
      return s.length ? `${f(percentile(s, 50))}, ${f(s.at(-1))}` : '—';
    });
    add('10 % die at once → at 0 (p50, all)', (r) => `${f(r.tenPctP50)}, ${f(r.tenPctAll)}`);
    add('they return → weights back (all)', (r) => f(r.backAll));
    add('reload adding a real server → in the kernel', (r) => f(r.reloadInKernel));
    add('… → at weight', (r) => f(r.reloadAtWeight));
    add('… other kernel objects touched', (r) => r.reloadTouched ?? '—');
    add('`status` / `/metrics` (answer, size)', (r) =>
      r.statusMs === undefined
        ? '—'
        : `${f(r.statusMs)} ${((r.statusBytes ?? 0) / 1e6).toFixed(1)} MB / ${f(r.metricsMs)} ${((r.metricsBytes ?? 0) / 1e6).toFixed(1)} MB`,
    );
    const late = (w: LatenessWindow | undefined) =>
      w
        ? `${(w.lateShare * 100).toFixed(2)} % > 100 ms, p99 ${w.p99AtMostS === Infinity ? '> 2.5 s' : `≤ ${f(w.p99AtMostS * 1000)}`}`
        : '—';
    add(`checks started late, no scrapes (${SCRAPE_WINDOW_MS / 1000} s)`, (r) => late(r.quiet));
    add('… while scraped (/metrics 5 s, /status 3 s)', (r) => late(r.scraped));
    add('… slowest scrape (/metrics, /status)', (r) =>
      r.scrapeMs ? `${f(r.scrapeMs.metricsMax)}, ${f(r.scrapeMs.statusMax)}` : '—',
    );
    console.log(
      `\n### ${size} services × ${REALS} real servers (${size * REALS} TCP checks every ${INTERVAL_S} s)\n`,
    );
    console.log(table(['', ...TOOLS], rows));
    for (const tool of TOOLS) {
      const notes = byTool.get(tool)?.notes ?? [];
      if (notes.length) console.log(`\n${tool}: ${notes.join('; ')}`);
    }
    if (a && k) {
      const target = DETECTION_MS + 100;
      const worst = Math.max(...(a.oneDead ?? [Number.POSITIVE_INFINITY]));
      console.log(
        `\nanycastd: one drain within interval + timeout + 100 ms (${target} ms): ${worst <= target ? 'yes' : 'no'} (max ${f(worst)}); ` +
          `CPU ${(a.cpuPct ?? 0).toFixed(1)} % vs keepalived ${(k.cpuPct ?? 0).toFixed(1)} %`,
      );
    }
  }
  if (SIZES.length > 1) {
    const rows: string[][] = [];
    for (let n = 1; n < SIZES.length; n++) {
      const from = SIZES[n - 1] as number;
      const to = SIZES[n] as number;
      for (const tool of TOOLS) {
        const x = results.get(from)?.get(tool);
        const y = results.get(to)?.get(tool);
        const ratio = (p: (r: Row) => number | undefined) => {
          const a = x && p(x);
          const b = y && p(y);
          return a && b ? `${(b / a).toFixed(2)}×` : '—';
        };
        rows.push([
          `${tool} ${from} → ${to}`,
          ratio((r) => r.programmed),
          ratio((r) => r.cpuPct),
          ratio((r) => (r.oneDead?.length ? Math.max(...r.oneDead) : undefined)),
          ratio((r) => r.reloadInKernel),
        ]);
      }
    }
    console.log(`\n### Growth between sizes (${SIZES.map(String).join(' → ')} services)\n`);
    console.log(
      table(['', 'table programmed', 'steady CPU', 'one drain (max)', 'reload in kernel'], rows),
    );
  }
}

await main();
