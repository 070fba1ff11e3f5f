import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

const BENCH = '.lab/bench-build/bench/cutoff/run.js';

// Keeps the cut-off benchmark working: one cut with the hold timer and one with
// BFD must each take the director out of the router's ECMP set and print a
// time. Whether the times meet their targets is the benchmark's business (exit 1).
describe('cut-off benchmark', () => {
  it('cuts a director off once with each timer and prints its table', async () => {
    if (!existsSync(BENCH))
      throw new Error(`${BENCH} is missing: run ./scripts/setup (it builds the benchmarks)`);
    const r = await run('node', [BENCH, '--runs', '1'], { timeoutMs: 150_000, allowFailure: true });
    expect([0, 1], r.stderr).toContain(r.code);
    const rows = r.stdout.split('\n').filter((l) => /^\| (hold timer|BFD)/.test(l));
    expect(rows.map((l) => l.split('|')[1]?.trim())).toEqual(['hold timer 3 s', 'BFD 100 ms × 3']);
    for (const line of rows) expect(line).toMatch(/\| +\d+(\.\d+)? (ms|s) \| +\d/);
  }, 180_000);
});
