/**
 * Reading a configuration, as a start and every reload do: N services × R
 * real servers in flow style (as `bench/daemon` writes them), on the host's
 * CPU. Three ways, each on the same text, in turn:
 *
 * - anycastd: `parseConfigText` (js-yaml, then the checks of the configuration);
 * - the `yaml` package's document (`parseDocument` + `toJS`) and the same checks:
 *   how every file was read before js-yaml came first, and how a file with a
 *   problem to locate is still read;
 * - Node's own `JSON.parse` of the same configuration as JSON, and the same
 *   checks: the floor for reading text into values.
 *
 *   npm run bench:config -- [--sizes 100,1000,10000] [--reals 10] [--runs 5]
 */
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import { fmtMs, median, table, wholeOption } from '../lib/measure.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000' },
    reals: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
  },
});
const SIZES = (args.sizes ?? '').split(',').map((s) => wholeOption('sizes', s, 1, 50_000));
const R = wholeOption('reals', args.reals, 1, 64);
const RUNS = wholeOption('runs', args.runs, 1, 100);

const realOf = (k: number) => `10.${64 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;

function yamlText(services: number): string {
  const lines = [
    'director: {name: bench, router_id: 10.97.0.2}',
    'bgp:',
    '  asn: 65001',
    '  peers: [{address: 10.97.0.1, asn: 65000}]',
    'defaults:',
    '  check: {type: tcp, port: 8080, interval: 2s, timeout: 1s, rise: 1, fall: 1}',
    'services:',
  ];
  for (let i = 0; i < services; i++) {
    const reals = Array.from({ length: R }, (_, j) => `{address: ${realOf(i * R + j + 1)}}`);
    lines.push(
      `  - {name: s${i}, vip: 198.18.${i >> 8}.${i & 255}, ports: [{port: 80}], reals: [${reals.join(', ')}]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Milliseconds of one call, and whether it gave a configuration. */
function timed(f: () => boolean): number {
  const from = performance.now();
  if (!f()) throw new Error('the configuration was refused: the benchmark is broken');
  return performance.now() - from;
}

const rows: string[][] = [];
for (const size of SIZES) {
  const text = yamlText(size);
  const json = JSON.stringify(parseDocument(text).toJS());
  const ways = {
    anycastd: () => parseConfigText(text).config !== undefined,
    document: () =>
      parseConfig(parseDocument(text, { uniqueKeys: true }).toJS()).config !== undefined,
    json: () => parseConfig(JSON.parse(json)).config !== undefined,
  };
  const times: Record<keyof typeof ways, number[]> = { anycastd: [], document: [], json: [] };
  // In turn, so that a slow moment of the machine costs each way alike.
  for (let n = 0; n < RUNS; n++)
    for (const way of Object.keys(ways) as (keyof typeof ways)[]) times[way].push(timed(ways[way]));
  const m = (way: keyof typeof ways) => median(times[way]);
  rows.push([
    `${size} × ${R} (${(text.length / 1e6).toFixed(2)} MB)`,
    fmtMs(m('anycastd')),
    fmtMs(m('document')),
    fmtMs(m('json')),
    `${(m('document') / m('anycastd')).toFixed(1)}×`,
    `${(m('anycastd') / m('json')).toFixed(2)}×`,
  ]);
  console.error(`bench: ${size} × ${R} done`);
}
console.log(`\n### Reading a configuration (median of ${RUNS}, in turn)\n`);
console.log(
  table(
    [
      'services × reals',
      'anycastd',
      'yaml document + checks',
      'JSON.parse + checks',
      'document / anycastd',
      'anycastd / JSON',
    ],
    rows,
  ),
);
