/**
 * The daemon's status API at table size, on the host's CPU (no kernel lab:
 * what is timed is building and serving the answer, not IPVS): a daemon of
 * N services × R real servers with every real server up, its API on a unix
 * socket, `GET /status` and `GET /metrics` through anycastd's own client.
 * The peer is Node's HTTP server handing out the same number of bytes,
 * already built, over the same kind of socket: the transport's floor.
 *
 *   npm run bench:status -- [--services 10000] [--reals 10] [--runs 5]
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Metrics } from '../../src/daemon/metrics.js';
import { callApi } from '../../src/api/client.js';
import { startApi } from '../../src/api/server.js';
import { parseConfigOrThrow } from '../../src/config/parse.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { realKey } from '../../src/daemon/health-view.js';
import type { BgpStatus } from '../../src/bgp/speaker.js';
import type { HealthEvent } from '../../src/health/engine.js';
import { createLogger } from '../../src/log.js';
import { fmtMs, median, table, wholeOption } from '../lib/measure.js';

const { values: args } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    reals: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
  },
});
const S = wholeOption('services', args.services, 1, 50_000);
const R = wholeOption('reals', args.reals, 1, 64);
const RUNS = wholeOption('runs', args.runs, 1, 100);

const services = Array.from({ length: S }, (_, i) => ({
  name: `s${i}`,
  vip: `198.18.${i >> 8}.${i & 255}`,
  ports: [{ port: 80 }],
  reals: Array.from({ length: R }, (_, j) => {
    const k = i * R + j + 1;
    return { address: `10.${64 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}` };
  }),
}));
const parseFrom = performance.now();
const config = parseConfigOrThrow({
  director: { name: 'bench', router_id: '10.0.0.1' },
  bgp: { asn: 65001, peers: [{ address: '10.0.0.2', asn: 65000 }] },
  defaults: { check: { type: 'tcp', port: 8080 } },
  services,
});
const parseMs = performance.now() - parseFrom;

let emit: (e: HealthEvent) => void = () => {};
const daemon = new Daemon({
  config,
  log: createLogger({ level: 'silent' }),
  openIpvs: () => Promise.reject(new Error('no IPVS here: not what is measured')),
  routes: {
    start: async () => {},
    setRoutes: () => {},
    updateRoutes: () => {},
    synced: async () => {},
    status: () => ({ sidecar: 'up', peers: [], announced: S, errors: 0 }) as unknown as BgpStatus,
    stop: async () => {},
  },
  health: (onEvent) => {
    emit = onEvent;
    return { update: () => {}, stop: async () => {} };
  },
  tableWaitMs: 0,
});
await daemon.start();
for (const vs of config.services)
  for (const r of vs.reals)
    emit({ id: realKey(vs, r), from: 'unknown', to: 'up', reason: 'connected' });
await daemon.settled();

const dir = mkdtempSync(join(tmpdir(), 'acd-bench-status-'));
const metrics = new Metrics(() => daemon.status());
const api = await startApi(
  { kind: 'unix', path: join(dir, 'api.sock') },
  undefined,
  {
    status: () => daemon.status(),
    metrics: () => metrics.text(),
    reload: async () => ({ ok: false, message: 'not here' }),
    drain: async () => ({ ok: false, message: 'not here' }),
    plan: async () => ({ ok: false, message: 'not here' }),
  },
  createLogger({ level: 'silent' }),
);

const time = async (address: string, path: string) => {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const from = performance.now();
    const r = await callApi(address, 'GET', path);
    ms.push(performance.now() - from);
    bytes = r.body.length;
  }
  return { ms: median(ms), bytes };
};
const status = await time(`unix://${join(dir, 'api.sock')}`, '/status');
const scrape = await time(`unix://${join(dir, 'api.sock')}`, '/metrics');

// The floor: Node's own server with the answers already built.
const bodies = new Map([
  ['/status', 'x'.repeat(status.bytes)],
  ['/metrics', 'x'.repeat(scrape.bytes)],
]);
const floor = createServer((req, res) => res.end(bodies.get(req.url ?? '') ?? ''));
await new Promise<void>((r) => floor.listen(join(dir, 'floor.sock'), r));
const floorStatus = await time(`unix://${join(dir, 'floor.sock')}`, '/status');
const floorScrape = await time(`unix://${join(dir, 'floor.sock')}`, '/metrics');
floor.close();
await api.close();
await daemon.stop('restart');

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
console.log(
  `\n### Status API at ${S} services × ${R} real servers (median of ${RUNS}; config parsed in ${fmtMs(parseMs)})\n`,
);
console.log(
  table(
    ['', 'anycastd', 'size', 'Node server, body ready', 'ratio'],
    [
      [
        'GET /status',
        fmtMs(status.ms),
        mb(status.bytes),
        fmtMs(floorStatus.ms),
        `${(status.ms / floorStatus.ms).toFixed(1)}×`,
      ],
      [
        'GET /metrics',
        fmtMs(scrape.ms),
        mb(scrape.bytes),
        fmtMs(floorScrape.ms),
        `${(scrape.ms / floorScrape.ms).toFixed(1)}×`,
      ],
    ],
  ),
);
process.exit(0);
