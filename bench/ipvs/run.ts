/**
 * IPVS benchmark: anycastd against ipvsadm on the same kernel, same boot.
 * Run inside the kernel lab: `npm run bench:ipvs` (see BENCHMARKS.md).
 *
 *   node .lab/bench-build/bench/ipvs/run.js [--services N] [--dests N] [--runs N]
 *
 * Whole commands are timed the same way on both sides (spawned through
 * `ip netns exec`, wall clock, peak RSS from /usr/bin/time), and the tables
 * they build or print are checked to be the same before a number counts.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IpvsClient } from '../../src/ipvs/client.js';
import type { IpvsOp } from '../../src/ipvs/ops.js';
import { destination } from '../../src/ipvs/validate.js';
import { NetnsLab } from '../../test/lab/netns.js';
import { fmtMiB, fmtMs, median, percentile, table, timed } from '../lib/measure.js';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    dests: { type: 'string', default: '10' },
    runs: { type: 'string', default: '3' },
    changes: { type: 'string', default: '1000' },
  },
});
const SERVICES = Number(values.services);
const DESTS = Number(values.dests);
const RUNS = Number(values.runs);
const CHANGES = Number(values.changes);
const MAIN = new URL('../../../../dist/main.js', import.meta.url).pathname;
const LIBRARY = new URL('./library.js', import.meta.url).pathname;

const log = (line: string) => process.stderr.write(`${line}\n`);

/** 10.x.y.z-style addresses for item `i` inside a /8. */
const addr = (first: number, i: number) =>
  `${first}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function rulesText(): string {
  const lines: string[] = [];
  for (let s = 0; s < SERVICES; s++) {
    const vip = `${addr(100, s + 1)}:80`;
    lines.push(`-A -t ${vip} -s wlc`);
    for (let d = 0; d < DESTS; d++)
      lines.push(`-a -t ${vip} -r ${addr(10, s * DESTS + d + 1)}:80 -g -w ${1 + (d % 5)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `ipvsadm -S` output as sorted service blocks (namespace-independent). */
const blocks = (saved: string) =>
  saved
    .split(/^(?=-A )/m)
    .filter(Boolean)
    .sort();

async function main(): Promise<void> {
  const lab = await NetnsLab.create();
  try {
    const theirs = await lab.namespace('ipvsadm');
    const ours = await lab.namespace('anycastd');
    const rules = rulesText();
    const rulesFile = join(tmpdir(), `anycastd-bench-${process.pid}.rules`);
    writeFileSync(rulesFile, rules);
    const opsCount = SERVICES * (DESTS + 1);
    log(
      `bench ipvs: ${SERVICES} services x ${DESTS} real servers = ${opsCount} operations, ${RUNS} runs each`,
    );

    const client = await IpvsClient.open({ netns: ours.name });
    // Listing or flushing the whole table took over a minute in slow boots of the kernel lab.
    const slow = { timeoutMs: 15 * 60_000 };
    const flush = async () => {
      await client.flush();
      await theirs.run('ipvsadm', ['-C'], slow);
    };

    // 1. Apply from empty, whole commands.
    const applyTheirs: number[] = [];
    const applyOurs: number[] = [];
    let rssApplyTheirs = 0;
    let rssApplyOurs = 0;
    for (let run = 0; run < RUNS; run++) {
      await flush();
      const t = await timed(['ip', 'netns', 'exec', theirs.name, 'ipvsadm', '-R'], rules);
      if (t.code !== 0) throw new Error(`ipvsadm -R failed: ${t.stderr}`);
      const o = await timed([
        'ip',
        'netns',
        'exec',
        ours.name,
        'node',
        MAIN,
        'ipvs',
        'restore',
        '-q',
        rulesFile,
      ]);
      if (o.code !== 0) throw new Error(`anycastd ipvs restore failed: ${o.stderr}`);
      applyTheirs.push(t.ms);
      applyOurs.push(o.ms);
      rssApplyTheirs = Math.max(rssApplyTheirs, t.maxRssKiB);
      rssApplyOurs = Math.max(rssApplyOurs, o.maxRssKiB);
      log(
        `  apply run ${run + 1}: ipvsadm -R ${fmtMs(t.ms)}, anycastd ipvs restore ${fmtMs(o.ms)}`,
      );
    }
    const savedTheirs = (await theirs.run('ipvsadm', ['-S', '-n'], slow)).stdout;
    const savedOurs = (await ours.run('ipvsadm', ['-S', '-n'], slow)).stdout;
    if (JSON.stringify(blocks(savedTheirs)) !== JSON.stringify(blocks(savedOurs))) {
      throw new Error('the two tables differ after apply');
    }
    if (savedTheirs.split('\n').length - 1 !== opsCount) throw new Error('the table is incomplete');

    // 2. Full dump, whole commands, both in the same namespace: outputs must be identical.
    const dumpTheirs: number[] = [];
    const dumpOurs: number[] = [];
    let rssDumpTheirs = 0;
    let rssDumpOurs = 0;
    for (let run = 0; run < RUNS; run++) {
      const t = await timed(['ip', 'netns', 'exec', theirs.name, 'ipvsadm', '-S', '-n']);
      const o = await timed([
        'ip',
        'netns',
        'exec',
        theirs.name,
        'node',
        MAIN,
        'ipvs',
        'save',
        '-n',
      ]);
      if (o.stdout !== t.stdout)
        throw new Error('anycastd ipvs save -n differs from ipvsadm -S -n');
      dumpTheirs.push(t.ms);
      dumpOurs.push(o.ms);
      rssDumpTheirs = Math.max(rssDumpTheirs, t.maxRssKiB);
      rssDumpOurs = Math.max(rssDumpOurs, o.maxRssKiB);
      log(
        `  dump run ${run + 1}: ipvsadm -S -n ${fmtMs(t.ms)}, anycastd ipvs save -n ${fmtMs(o.ms)}`,
      );
    }

    // 3. Library level, without process start-up: apply and dump, each in a
    //    fresh process (bench/ipvs/library.ts) so this driver's heap is not
    //    part of the measurement.
    const library = async (op: 'apply' | 'dump') => {
      const r = await timed([
        'node',
        LIBRARY,
        '--op',
        op,
        '--netns',
        ours.name,
        '--rules',
        rulesFile,
      ]);
      if (r.code !== 0) throw new Error(`library ${op} failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { ms: number }).ms;
    };
    const libApply: number[] = [];
    const libDump: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      libApply.push(await library('apply'));
      libDump.push(await library('dump'));
    }

    // 4. One destination's weight, with the whole table present.
    const svc = {
      family: 'ipv4',
      protocol: 'tcp',
      address: addr(100, SERVICES >> 1),
      port: 80,
    } as const;
    const target = (weight: number): IpvsOp => ({
      type: 'edit-destination',
      service: svc,
      destination: destination({
        address: addr(10, (SERVICES >> 1) * DESTS - DESTS + 1),
        port: 80,
        weight,
      }),
    });
    const changes = async (c: IpvsClient): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < CHANGES; i++) {
        const started = performance.now();
        await c.applyOne(target(i % 2 === 0 ? 0 : 1));
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b);
    };
    const before = client.counters();
    const latencies = await changes(client);
    const after = client.counters();
    // The same changes through the event loop (the client's path for anything
    // but a single operation on an idle socket), for comparison in this boot.
    const looped = await IpvsClient.open({ netns: ours.name, synchronousSingles: false });
    const loopLatencies = await changes(looped);
    looped.close();
    const messagesPerChange = (after.messages - before.messages) / CHANGES;
    const sendmsgPerChange = (after.sendmsg - before.sendmsg) / CHANGES;
    const ipvsadmEdit: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = await timed([
        'ip',
        'netns',
        'exec',
        ours.name,
        'ipvsadm',
        '-e',
        '-t',
        `${svc.address}:80`,
        '-r',
        `${addr(10, (SERVICES >> 1) * DESTS - DESTS + 1)}:80`,
        '-g',
        '-w',
        String(i % 2),
      ]);
      ipvsadmEdit.push(t.ms);
    }
    client.close();
    const rssLib = process.resourceUsage().maxRSS;
    // The floor under any asynchronous call from Node here: one turn of the event loop, and
    // one clock read (a system call where there is no vDSO, as in user-mode Linux). A weight
    // change through the event loop costs a turn plus its own sendmsg and reads; the
    // synchronous one costs a send and a recv; each is timed with two clock reads.
    const turns: number[] = [];
    const clocks: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const started = performance.now();
      await new Promise((r) => setImmediate(r));
      turns.push(performance.now() - started);
      const a = performance.now();
      clocks.push(performance.now() - a);
    }
    turns.sort((a, b) => a - b);
    clocks.sort((a, b) => a - b);

    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    const rows = [
      [
        'apply from empty (`ipvsadm -R` vs `anycastd ipvs restore`)',
        fmtMs(median(applyTheirs)),
        fmtMs(median(applyOurs)),
        ratio(median(applyOurs), median(applyTheirs)),
        '<= 0.5x',
      ],
      [
        'full dump (`ipvsadm -S -n` vs `anycastd ipvs save -n`)',
        fmtMs(median(dumpTheirs)),
        fmtMs(median(dumpOurs)),
        ratio(median(dumpOurs), median(dumpTheirs)),
        '<= 1.0x',
      ],
      [
        'one weight change, p50 (`ipvsadm -e` process vs client call)',
        fmtMs(median(ipvsadmEdit)),
        fmtMs(percentile(latencies, 50)),
        '',
        '< 1 ms',
      ],
      [
        'one weight change, p90 / p99 (client call)',
        '',
        `${fmtMs(percentile(latencies, 90))} / ${fmtMs(percentile(latencies, 99))}`,
        '',
        '',
      ],
      [
        'one weight change through the event loop, p50 / p90',
        '',
        `${fmtMs(percentile(loopLatencies, 50))} / ${fmtMs(percentile(loopLatencies, 90))}`,
        '',
        '',
      ],
      [
        'floor: one event-loop turn / one clock read, p50',
        '',
        `${fmtMs(percentile(turns, 50))} / ${fmtMs(percentile(clocks, 50))}`,
        '',
        '',
      ],
      [
        'netlink messages / sendmsg per weight change',
        '',
        `${messagesPerChange} / ${sendmsgPerChange}`,
        '',
        '1 message',
      ],
      ['library apply from empty (no process start-up)', '', fmtMs(median(libApply)), '', ''],
      ['library full dump (no process start-up)', '', fmtMs(median(libDump)), '', ''],
      ['peak RSS, apply', fmtMiB(rssApplyTheirs), fmtMiB(rssApplyOurs), '', ''],
      ['peak RSS, dump', fmtMiB(rssDumpTheirs), fmtMiB(rssDumpOurs), '', ''],
      ['peak RSS, this benchmark driver', '', fmtMiB(rssLib), '', ''],
    ];
    process.stdout.write(
      `IPVS benchmark: ${SERVICES} services x ${DESTS} real servers (${opsCount} operations), median of ${RUNS} runs, ${CHANGES} weight changes\n\n` +
        `${table(['measurement', 'ipvsadm 1.31', 'anycastd', 'ratio', 'target'], rows)}\n`,
    );
  } finally {
    await lab.cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench ipvs failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exitCode = 1;
});
