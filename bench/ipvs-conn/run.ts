/**
 * Connection-table listing benchmark: `anycastd ipvs list -c -n` against
 * `ipvsadm -L -c -n` on the same kernel and the same table of entries.
 * Run inside the kernel lab: `npm run bench:ipvs-conn` (see BENCHMARKS.md).
 *
 *   node .lab/bench-build/bench/ipvs-conn/run.js [--entries N] [--runs N]
 *
 * The entries are real: a client namespace sends one UDP datagram from each
 * of N (address, port) pairs to a UDP service, and the director's IPVS makes
 * one entry per pair (UDP timeout raised to an hour so none expires meanwhile).
 * Both commands run the same way (`ip netns exec`, wall clock, peak RSS from
 * /usr/bin/time), and their outputs are checked to be the same, apart from
 * seconds ticking down, before a number counts.
 */
import { parseArgs } from 'node:util';
import { NetnsLab } from '../../test/lab/netns.js';
import { fmtMiB, fmtMs, median, table, timed, wholeOption } from '../lib/measure.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
  },
});
const ENTRIES = wholeOption('entries', values.entries, 1, 500_000);
const RUNS = wholeOption('runs', values.runs, 1, 50);
const MAIN = new URL('../../../../dist/main.js', import.meta.url).pathname;
const PORTS_PER_ADDRESS = 50_000;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Sends one datagram from each source address and port, a few hundred sockets at a time. */
const SENDER_JS = `
const dgram = require('dgram');
const [count, perAddress] = process.argv.slice(1).map(Number);
let next = 0, done = 0;
const one = () => {
  if (next >= count) return;
  const i = next++;
  const s = dgram.createSocket('udp4');
  s.on('error', () => { s.close(); finish(); });
  s.bind({ address: '10.1.' + (1 + Math.floor(i / perAddress)) + '.2', port: 10000 + (i % perAddress) }, () =>
    s.send('x', 9, '192.0.2.10', () => { s.close(); finish(); }));
};
const finish = () => { if (++done === count) console.log('sent ' + count); else one(); };
for (let k = 0; k < 256; k++) one();
`;

async function main(): Promise<void> {
  const lab = await NetnsLab.create();
  try {
    const client = await lab.namespace('client');
    const director = await lab.namespace('director');
    const addresses = Math.ceil(ENTRIES / PORTS_PER_ADDRESS);
    const link = await lab.link(client, director, {
      addressA: '10.1.1.2/16',
      addressB: '10.1.0.1/16',
    });
    for (let a = 2; a <= addresses; a++) await client.addAddress(link.a, `10.1.${a}.2/16`);
    await client.ip('route', 'add', '192.0.2.0/24', 'via', '10.1.0.1');
    await director.addAddress('lo', '192.0.2.10/32');
    const ipvsadm = (...args: string[]) => director.run('ipvsadm', args);
    // Entries of a UDP service live for the udp timeout after their last packet.
    await ipvsadm('--set', '0', '0', '3600');
    await ipvsadm('-A', '-u', '192.0.2.10:9', '-s', 'rr');
    // Direct routing to a server that is not there: scheduling alone makes the entry.
    await ipvsadm('-a', '-u', '192.0.2.10:9', '-r', '10.1.200.200:9', '-g');

    const started = performance.now();
    const sent = await client.run(
      'node',
      ['-e', SENDER_JS, String(ENTRIES), String(PORTS_PER_ADDRESS)],
      {
        timeoutMs: 600_000,
      },
    );
    log(`${sent.stdout.trim()} datagrams in ${fmtMs(performance.now() - started)}`);
    const count = (await director.run('sh', ['-c', 'tail -n +2 /proc/net/ip_vs_conn | wc -l']))
      .stdout;
    const entries = Number(count.trim());
    log(`${entries} connection entries in the director's table`);
    if (entries < ENTRIES * 0.99)
      throw new Error(`only ${entries} of ${ENTRIES} entries were made; nothing to measure`);

    const mask = (text: string) => text.replace(/^(\S+ )\d+:\d\d/gm, '$1mm:ss');
    const ours: number[] = [];
    const theirs: number[] = [];
    let oursRss = 0;
    let theirsRss = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = await timed(['ip', 'netns', 'exec', director.name, 'ipvsadm', '-L', '-c', '-n']);
      const o = await timed([
        'ip',
        'netns',
        'exec',
        director.name,
        'node',
        MAIN,
        'ipvs',
        'list',
        '-c',
        '-n',
      ]);
      if (t.code !== 0 || o.code !== 0)
        throw new Error(
          `a listing failed: ipvsadm ${t.code} ${t.stderr}, anycastd ${o.code} ${o.stderr}`,
        );
      // The kernel lists its hash table in the same order both times.
      if (mask(o.stdout) !== mask(t.stdout))
        throw new Error('anycastd and ipvsadm listed different entries; nothing counts');
      theirs.push(t.ms);
      ours.push(o.ms);
      theirsRss = Math.max(theirsRss, t.maxRssKiB);
      oursRss = Math.max(oursRss, o.maxRssKiB);
      log(`run ${i + 1}: ipvsadm ${fmtMs(t.ms)}, anycastd ${fmtMs(o.ms)}`);
    }
    const node = await timed(['ip', 'netns', 'exec', director.name, 'node', '-e', '0']);
    console.log(
      table(
        ['List the connection table', 'median', 'peak RSS', 'vs ipvsadm'],
        [
          [
            `ipvsadm -L -c -n, ${entries} entries`,
            fmtMs(median(theirs)),
            fmtMiB(theirsRss),
            '1.00×',
          ],
          [
            `anycastd ipvs list -c -n, ${entries} entries`,
            fmtMs(median(ours)),
            fmtMiB(oursRss),
            `${(median(ours) / median(theirs)).toFixed(2)}×`,
          ],
          ['(node -e 0: start-up alone)', fmtMs(node.ms), fmtMiB(node.maxRssKiB), '-'],
        ],
      ),
    );
  } finally {
    await lab.cleanup();
  }
}

await main();
