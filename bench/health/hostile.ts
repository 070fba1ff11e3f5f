/**
 * Configurations a daemon must refuse, parsed one after another for as long
 * as a measurement runs: the way the daemon parses a reload (a worker thread,
 * src/config/load-off-thread.ts), or, as the peer, the same parse on the
 * event loop, as a reload was parsed before.
 */
import { fileURLToPath } from 'node:url';
import { loadOffThread } from '../../src/config/load-off-thread.js';
import { parseConfigText } from '../../src/config/load.js';

/** The built worker in the repository (this file runs from .lab/bench-build/bench/health/). */
const workerFile = fileURLToPath(new URL('../../../../dist/config-worker.js', import.meta.url));

export type ParseMode = 'worker' | 'event loop';

/**
 * A 10,000 × 10 file whose last VIP is multicast (parsed whole, then
 * refused), 30,000 levels of flow nesting and 150 aliases (both refused by
 * the bounds before the parser).
 */
export function hostileConfigs(): { name: string; text: string }[] {
  const lines = [
    'director: {name: bench, router_id: 10.0.0.1}',
    'bgp: {asn: 65001, peers: [{address: 10.0.0.2, asn: 65000}]}',
    'defaults: {check: {type: tcp, port: 8080}}',
    'services:',
  ];
  for (let i = 0; i < 10_000; i++) {
    const vip = i === 9_999 ? '224.0.0.1' : `198.18.${i >> 8}.${i & 255}`;
    lines.push(`  - name: s${i}`, `    vip: ${vip}`, '    ports: [{port: 80}]', '    reals:');
    for (let j = 0; j < 10; j++) {
      const k = i * 10 + j + 1;
      lines.push(`      - address: 10.${64 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`);
    }
  }
  return [
    { name: '10,000 × 10, last VIP multicast', text: `${lines.join('\n')}\n` },
    { name: 'nesting 30,000 deep', text: `${'['.repeat(30_000)}${']'.repeat(30_000)}\n` },
    {
      name: '150 aliases',
      text: `a: &a [1]\nb: [${Array.from({ length: 150 }, () => '*a').join(', ')}]\n`,
    },
  ];
}

export interface RefusalCount {
  parses: number;
  /** The longest single parse, ms. */
  longestMs: number;
}

/** Parses `configs` in turn until `stop` says so; every one must be refused. */
export async function refuseUntil(
  mode: ParseMode,
  configs: { name: string; text: string }[],
  stop: () => boolean,
): Promise<RefusalCount> {
  let parses = 0;
  let longestMs = 0;
  while (!stop()) {
    const c = configs[parses % configs.length] as { name: string; text: string };
    const t0 = performance.now();
    const r =
      mode === 'worker'
        ? await loadOffThread({ text: c.text }, { workerFile })
        : parseConfigText(c.text);
    longestMs = Math.max(longestMs, performance.now() - t0);
    if (!r.issues) throw new Error(`${c.name}: accepted, should have been refused`);
    parses++;
    // The event-loop parse yields between files, as one reload after another would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { parses, longestMs };
}
