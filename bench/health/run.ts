/**
 * Health-check benchmark. Targets run in a separate process on the other core
 * (bench/health/servers.ts); each measurement runs in a fresh checker process
 * pinned to one core, so CPU time and peak RSS belong to that measurement.
 *
 *   node .lab/bench-build/bench/health/run.js [--seconds 10] [--sustain 60] [--targets 10000]
 *     [--only throughput|sustained|hostile] [--hostile-seconds 30]  (hostile: npm run build first)
 *
 * 1. Throughput: TCP and HTTP checks per CPU-second, anycastd's probes
 *    against the same checks written on Node's net/http (bench/health/peers.ts).
 *    On loopback the kernel processes both ends of every connection in the
 *    checker's system calls, so its system time includes the targets' TCP
 *    work too; user and system time per check are shown apart. A C loop
 *    making the same system calls at the same rate (connect-floor.c, built
 *    with gcc when present) shows the floor the kernel sets. ICMP echo checks
 *    (raw socket, loopback targets) are measured beside them the same way.
 * 2. Sustained: 10,000 TCP targets at a 1 s interval on one core: lateness
 *    (actual − scheduled start) percentiles, CPU, peak RSS; meanwhile a
 *    target server is killed and the time to each down transition measured
 *    against interval × fall + timeout + 20 ms.
 * 3. The same while the checker refuses hostile configurations one after
 *    another (bench/health/hostile.ts): parsed in a worker thread, as the
 *    daemon parses a reload, against the same parse on the event loop.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HealthEngine } from '../../src/health/engine.js';
import { type CheckSpec, parseCheckOrThrow } from '../../src/health/spec.js';
import { percentile, table } from '../lib/measure.js';
import { type ParseMode, type RefusalCount, hostileConfigs, refuseUntil } from './hostile.js';
import { naiveProbe } from './peers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The C floor's source in the repository (this file runs from .lab/bench-build/bench/health/). */
const floorSource = fileURLToPath(
  new URL('../../../../bench/health/connect-floor.c', import.meta.url),
);
const floorBinary = fileURLToPath(new URL('../../connect-floor', import.meta.url));

/** Builds the C floor; undefined with the reason when there is no compiler. */
function buildFloor(): string | undefined {
  try {
    execFileSync('gcc', ['-O2', '-o', floorBinary, floorSource, '-lm'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `not measured: cannot compile bench/health/connect-floor.c (${(e as Error).message.split('\n')[0]}; apt-get install gcc)`;
  }
}

/** Runs the C floor pinned to CPU 0, at the TCP throughput run's rate. */
async function floor(seconds: string, port: number): Promise<ThroughputResult> {
  const child = spawn('taskset', ['-c', '0', floorBinary, String(port), '1000', '100', seconds], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`connect-floor exited with ${code}`);
  const r = JSON.parse(out) as { checks: number; failed: number; cpuS: number; userS: number };
  return { ...r, wallS: Number(seconds), rssKiB: 0, reasons: {} };
}

interface Ports {
  tcp: number;
  http: number;
}

/** 127.1.0.1, 127.1.0.2, ...: distinct loopback addresses, one per target. */
function address(i: number): string {
  const n = i + 1;
  return `127.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

async function startServers(core: string): Promise<{ child: ChildProcess; ports: Ports }> {
  const child = spawn('taskset', ['-c', core, process.execPath, `${here}servers.js`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const m = /^ready (\d+) (\d+)/.exec(line.toString());
  if (!m) throw new Error(`target servers did not start: ${line.toString()}`);
  return { child, ports: { tcp: Number(m[1]), http: Number(m[2]) } };
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

interface ThroughputResult {
  checks: number;
  failed: number;
  cpuS: number;
  userS: number;
  wallS: number;
  rssKiB: number;
  reasons: Record<string, number>;
}

async function throughput(
  type: 'tcp' | 'http' | 'icmp',
  impl: 'ours' | 'peer',
  seconds: number,
  ports: Ports,
): Promise<ThroughputResult> {
  // A demand the target servers keep up with (checks/s = targets × 10):
  // what is measured is the checker's CPU per check, not anyone's saturation.
  const targets = type === 'http' ? 500 : 1000;
  let checks = 0;
  let failed = 0;
  const reasons: Record<string, number> = {};
  const engine = new HealthEngine({
    onEvent: () => {},
    createProbe: impl === 'peer' ? naiveProbe : undefined,
    onRun: (r) => {
      checks++;
      if (!r.ok) {
        failed++;
        reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
      }
    },
  });
  const specs: [string, CheckSpec][] = [];
  for (let i = 0; i < targets; i++) {
    const port = type === 'tcp' ? ports.tcp : ports.http;
    specs.push([
      `t${i}`,
      parseCheckOrThrow({
        type,
        address: address(i),
        ...(type !== 'icmp' && { port }),
        interval: '100ms',
        timeout: '80ms',
      }),
    ]);
  }
  engine.update(specs);
  // Warm up the JIT and the connection paths before measuring.
  await new Promise((r) => setTimeout(r, 1000));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const n0 = checks;
  const f0 = failed;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  const result = {
    checks: checks - n0,
    failed: failed - f0,
    cpuS: cpuSeconds(cpu),
    userS: cpu.user / 1e6,
    wallS,
    rssKiB: 0,
    reasons,
  };
  await engine.stop();
  result.rssKiB = process.resourceUsage().maxRSS;
  return result;
}

interface SustainResult {
  targets: number;
  checks: number;
  failed: number;
  cpuS: number;
  wallS: number;
  rssKiB: number;
  lateness: { p50: number; p99: number; max: number };
  heapUsed: number;
  victims: number;
  detection: { p50: number; max: number; bound: number; detected: number };
  refusals: RefusalCount | undefined;
}

async function sustain(
  targets: number,
  seconds: number,
  ports: Ports,
  hostile?: ParseMode,
): Promise<SustainResult> {
  const interval = 1000;
  const timeout = 500;
  const fall = 3;
  const victims = Math.min(100, Math.floor(targets / 10));
  const victimServer = await startServers('1');
  // Built before the checks start: generating the large file is not what is measured.
  const configs = hostile ? hostileConfigs() : [];
  let checks = 0;
  let failed = 0;
  const lateness: number[] = [];
  const downAt = new Map<string, number>();
  let measuring = false;
  const engine = new HealthEngine({
    onEvent: (e) => {
      if (e.to === 'down' && e.id.startsWith('v')) downAt.set(e.id, performance.now());
    },
    onRun: (r) => {
      if (!measuring) return;
      checks++;
      if (!r.ok) failed++;
      lateness.push(r.latenessMs);
    },
  });
  const specs: [string, CheckSpec][] = [];
  for (let i = 0; i < targets; i++) {
    const victim = i < victims;
    specs.push([
      `${victim ? 'v' : 't'}${i}`,
      parseCheckOrThrow({
        type: 'tcp',
        address: address(i),
        port: victim ? victimServer.ports.tcp : ports.tcp,
        interval: `${interval}ms`,
        timeout: `${timeout}ms`,
        rise: 2,
        fall,
      }),
    ]);
  }
  engine.update(specs);
  // The first interval spreads the start; measure from the third second on.
  await new Promise((r) => setTimeout(r, 2000));
  measuring = true;
  const refusing = hostile ? refuseUntil(hostile, configs, () => !measuring) : undefined;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 600));
  const killedAt = performance.now();
  victimServer.child.kill('SIGKILL');
  // At least the detection bound and a second more, so that short runs see the victims go down.
  await new Promise((r) =>
    setTimeout(r, Math.max(seconds * 400, interval * fall + timeout + 1000)),
  );
  measuring = false;
  const cpu = process.cpuUsage(c0);
  const wallS = (performance.now() - t0) / 1000;
  const refusals = await refusing;
  await engine.stop();
  lateness.sort((a, b) => a - b);
  const detections = [...downAt.values()].map((t) => t - killedAt).sort((a, b) => a - b);
  return {
    targets,
    checks,
    failed,
    cpuS: cpuSeconds(cpu),
    wallS,
    rssKiB: process.resourceUsage().maxRSS,
    heapUsed: process.memoryUsage().heapUsed,
    lateness: {
      p50: percentile(lateness, 50),
      p99: percentile(lateness, 99),
      max: lateness[lateness.length - 1] ?? NaN,
    },
    victims,
    detection: {
      p50: percentile(detections, 50),
      max: detections[detections.length - 1] ?? NaN,
      bound: interval * fall + timeout + 20,
      detected: detections.length,
    },
    refusals,
  };
}

/** Milliseconds, or "none" for a measurement with no samples (NaN becomes null in JSON). */
function msOrNone(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? 'none' : `${value.toFixed(digits)} ms`;
}

async function phase(args: string[], cpus = '0'): Promise<unknown> {
  const child = spawn(
    'taskset',
    ['-c', cpus, process.execPath, fileURLToPath(import.meta.url), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`benchmark phase ${args.join(' ')} exited with ${code}`);
  return JSON.parse(out) as unknown;
}

function printThroughput(seconds: string, rows: string[][], perCpu: Record<string, number>): void {
  console.log(
    `Health-check benchmark: checker pinned to CPU 0, targets on CPU 1 (loopback), ${seconds} s per throughput run`,
  );
  console.log(
    table(
      [
        'throughput',
        'checks',
        'failed',
        'CPU s',
        'checks/s',
        'checks/CPU-s',
        'user µs/check',
        'sys µs/check',
        'peak RSS',
        'target',
      ],
      rows,
    ),
  );
  if (perCpu['tcp-floor']) {
    console.log(
      `\nanycastd TCP checks per CPU-second as a share of the C floor: ${((100 * (perCpu['tcp-ours'] ?? 0)) / perCpu['tcp-floor']).toFixed(0)}%`,
    );
  }
  console.log(
    `\nanycastd vs peer, checks per CPU-second: TCP ${((perCpu['tcp-ours'] ?? 0) / (perCpu['tcp-peer'] ?? 1)).toFixed(2)}x, HTTP ${((perCpu['http-ours'] ?? 0) / (perCpu['http-peer'] ?? 1)).toFixed(2)}x\n`,
  );
}

/** Part 3: lateness while refusing hostile configurations, worker thread against event loop. */
async function hostilePart(targets: string, seconds: string, portArgs: string[]): Promise<void> {
  const results: Record<ParseMode, SustainResult> = {} as Record<ParseMode, SustainResult>;
  for (const mode of ['worker', 'event loop'] as const) {
    process.stderr.write(
      `bench health: ${targets} TCP targets at 1 s for ${seconds} s, refusing hostile configurations (${mode})\n`,
    );
    results[mode] = (await phase(
      [
        '--phase',
        'sustain',
        '--targets',
        targets,
        '--sustain',
        seconds,
        '--hostile',
        mode,
        ...portArgs,
        // Both CPUs: the parsing worker needs a core of its own, as it has on a director.
      ],
      '0,1',
    )) as SustainResult;
  }
  const w = results.worker;
  const e = results['event loop'];
  const row = (name: string, f: (r: SustainResult) => string, target = '') => [
    name,
    f(w),
    f(e),
    target,
  ];
  console.log(
    '\n' +
      table(
        [
          `sustained while refusing hostile configurations: ${targets} TCP targets, 1 s interval, checker on CPUs 0-1`,
          'anycastd: parse in a worker',
          'peer: parse on the event loop',
          'target',
        ],
        [
          row('configurations refused', (r) => String(r.refusals?.parses ?? 0)),
          row('longest parse', (r) => msOrNone(r.refusals?.longestMs ?? null, 0)),
          row('checks completed (failed)', (r) => `${r.checks} (${r.failed})`),
          row('lateness p50', (r) => msOrNone(r.lateness.p50, 2)),
          row('lateness p99', (r) => msOrNone(r.lateness.p99, 2), '< 50 ms'),
          row('lateness max', (r) => msOrNone(r.lateness.max, 2)),
          row('peak RSS', (r) => `${(r.rssKiB / 1024).toFixed(0)} MiB`),
          row(
            'detection time max',
            (r) => `${msOrNone(r.detection.max, 0)} (${r.detection.detected}/${r.victims})`,
            `<= ${w.detection.bound} ms`,
          ),
        ],
      ),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      type: { type: 'string' },
      impl: { type: 'string' },
      tcp: { type: 'string' },
      http: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      sustain: { type: 'string', default: '60' },
      targets: { type: 'string', default: '10000' },
      only: { type: 'string' },
      'hostile-seconds': { type: 'string', default: '30' },
      hostile: { type: 'string' },
    },
  });
  if (values.phase) {
    const ports = { tcp: Number(values.tcp), http: Number(values.http) };
    const result =
      values.phase === 'throughput'
        ? await throughput(
            values.type as 'tcp' | 'http' | 'icmp',
            values.impl as 'ours' | 'peer',
            Number(values.seconds),
            ports,
          )
        : await sustain(
            Number(values.targets),
            Number(values.sustain),
            ports,
            values.hostile as ParseMode | undefined,
          );
    process.stdout.write(JSON.stringify(result));
    process.exit(0);
  }

  const servers = await startServers('1');
  const portArgs = ['--tcp', String(servers.ports.tcp), '--http', String(servers.ports.http)];
  try {
    const rows: string[][] = [];
    const perCpu: Record<string, number> = {};
    const only = values.only;
    if (only !== undefined && !['throughput', 'sustained', 'hostile'].includes(only)) {
      throw new Error(`--only takes throughput, sustained or hostile, not ${only}`);
    }
    if (only === 'hostile') {
      await hostilePart(values.targets, values['hostile-seconds'], portArgs);
      return;
    }
    const floorProblem = only === 'sustained' ? 'skipped (--only sustained)' : buildFloor();
    if (floorProblem)
      rows.push(['TCP checks, floor: C epoll loop', floorProblem, '', '', '', '', '', '', '', '']);
    else {
      process.stderr.write(`bench health: tcp throughput, C floor, ${values.seconds} s\n`);
      const r = await floor(values.seconds, servers.ports.tcp);
      perCpu['tcp-floor'] = r.checks / r.cpuS;
      rows.push([
        'TCP checks, floor: C epoll loop, same syscalls',
        String(r.checks),
        String(r.failed),
        r.cpuS.toFixed(2),
        (r.checks / r.wallS).toFixed(0),
        (r.checks / r.cpuS).toFixed(0),
        ((r.userS * 1e6) / r.checks).toFixed(1),
        (((r.cpuS - r.userS) * 1e6) / r.checks).toFixed(1),
        '',
        '',
      ]);
    }
    for (const type of only === 'sustained' ? [] : (['tcp', 'icmp', 'http'] as const)) {
      // No ICMP peer: Node has no ICMP socket, and a ping program per check is the
      // approach this check exists to replace. It is measured beside the TCP check.
      for (const impl of type === 'icmp' ? (['ours'] as const) : (['ours', 'peer'] as const)) {
        process.stderr.write(
          `bench health: ${type} throughput, ${impl === 'ours' ? 'anycastd' : 'Node net/http'}, ${values.seconds} s\n`,
        );
        const r = (await phase([
          '--phase',
          'throughput',
          '--type',
          type,
          '--impl',
          impl,
          '--seconds',
          values.seconds,
          ...portArgs,
        ])) as ThroughputResult;
        if (r.failed > 0)
          process.stderr.write(
            `bench health: failed checks by reason ${JSON.stringify(r.reasons)}\n`,
          );
        const rate = r.checks / r.cpuS;
        perCpu[`${type}-${impl}`] = rate;
        rows.push([
          `${type.toUpperCase()} checks, ${impl === 'ours' ? 'anycastd' : 'peer: Node ' + (type === 'tcp' ? 'net.connect' : 'http.get')}`,
          String(r.checks),
          String(r.failed),
          r.cpuS.toFixed(2),
          (r.checks / r.wallS).toFixed(0),
          rate.toFixed(0),
          ((r.userS * 1e6) / r.checks).toFixed(1),
          (((r.cpuS - r.userS) * 1e6) / r.checks).toFixed(1),
          `${(r.rssKiB / 1024).toFixed(0)} MiB`,
          impl !== 'ours'
            ? ''
            : type === 'tcp'
              ? '>= 20000/CPU-s'
              : type === 'http'
                ? '>= 8000/CPU-s'
                : 'beside TCP',
        ]);
      }
    }
    if (only !== 'sustained') printThroughput(values.seconds, rows, perCpu);
    if (only === 'throughput') return;
    process.stderr.write(
      `bench health: ${values.targets} TCP targets at 1 s for ${values.sustain} s on one core\n`,
    );
    const s = (await phase([
      '--phase',
      'sustain',
      '--targets',
      values.targets,
      '--sustain',
      values.sustain,
      ...portArgs,
    ])) as SustainResult;

    console.log(
      table(
        [
          'sustained: ' + `${s.targets} TCP targets, 1 s interval, ${s.wallS.toFixed(0)} s`,
          'value',
          'target',
        ],
        [
          ['checks completed (failed)', `${s.checks} (${s.failed})`, ''],
          [
            'CPU used (share of one core)',
            `${s.cpuS.toFixed(1)} s (${((100 * s.cpuS) / s.wallS).toFixed(0)}%)`,
            '',
          ],
          ['lateness p50', msOrNone(s.lateness.p50, 2), ''],
          ['lateness p99', msOrNone(s.lateness.p99, 2), '< 50 ms'],
          ['lateness max', msOrNone(s.lateness.max, 2), ''],
          [
            'peak RSS',
            `${(s.rssKiB / 1024).toFixed(0)} MiB (${((s.rssKiB * 1024) / 1e6).toFixed(0)} MB)`,
            '< 250 MB',
          ],
          ['JS heap used at the end', `${(s.heapUsed / 1048576).toFixed(0)} MiB`, ''],
          [
            `detection, ${s.victims} targets killed (detected)`,
            String(s.detection.detected),
            String(s.victims),
          ],
          ['detection time p50', msOrNone(s.detection.p50, 0), ''],
          ['detection time max', msOrNone(s.detection.max, 0), `<= ${s.detection.bound} ms`],
        ],
      ),
    );
    if (only === undefined) await hostilePart(values.targets, values['hostile-seconds'], portArgs);
  } finally {
    servers.child.kill('SIGKILL');
  }
}

await main();
