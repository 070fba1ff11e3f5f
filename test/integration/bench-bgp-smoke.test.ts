import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

const BENCH = '.lab/bench-build/bench/bgp/run.js';

// Keeps the BGP benchmark working: a tiny run must reach the router and print
// a time for every method. The times themselves are the benchmark's business.
describe('BGP benchmark', () => {
  it('runs end to end at a tiny size and prints its tables', async () => {
    if (!existsSync(BENCH))
      throw new Error(`${BENCH} is missing: run ./scripts/setup (it builds the benchmarks)`);
    const r = await run('node', [BENCH, '--vips', '300', '--rounds', '1', '--samples', '3'], {
      timeoutMs: 120_000,
    });
    const rows = r.stdout.split('\n').filter((l) => /^\| (anycastd|unary)/.test(l));
    expect(rows.map((l) => l.split('|')[1]?.trim())).toEqual([
      'anycastd announce',
      'anycastd withdraw',
      'unary x64 announce',
      'unary x64 withdraw',
      'anycastd setAnnouncements',
      'unary DeletePath',
    ]);
    for (const line of rows) expect(line).toMatch(/\d(\.\d+)? (ms|s) \|/);
  }, 180_000);
});
