import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

const BENCH = '.lab/bench-build/bench/ipvs/run.js';

// Keeps the IPVS benchmark working: a tiny run must finish, with both tools
// building and printing the same tables (the benchmark checks that itself).
// Timings are the benchmark's business, not this test's.
describe('IPVS benchmark', () => {
  it('runs end to end at a tiny size and prints its table', async () => {
    if (!existsSync(BENCH))
      throw new Error(`${BENCH} is missing: run ./scripts/setup (it builds the benchmarks)`);
    const r = await run(
      'node',
      [BENCH, '--services', '20', '--dests', '3', '--runs', '1', '--changes', '20'],
      { timeoutMs: 600_000 },
    );
    expect(r.stdout).toContain('IPVS benchmark: 20 services x 3 real servers (80 operations)');
    for (const row of [
      'apply from empty',
      'full dump',
      'one weight change, p50',
      'netlink messages / sendmsg per weight change',
    ]) {
      expect(r.stdout).toContain(row);
    }
    expect(r.stdout).toMatch(/netlink messages \/ sendmsg per weight change\s+\|\s+\|\s+1 \/ 1 \|/);
    // The kernel lab is sometimes ten times slower than usual; this is not a timing test.
  }, 660_000);
});
