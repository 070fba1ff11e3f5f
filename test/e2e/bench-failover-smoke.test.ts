import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requirePrograms } from '../lab/bgp-fabric.js';
import { run } from '../lab/exec.js';

const BENCH = '.lab/bench-build/bench/failover/run.js';

// Keeps the failover benchmark working: one run of each failure must finish and
// print its tables. Whether the times meet their targets is the benchmark's
// business (its exit code), not this test's.
describe('failover benchmark', () => {
  it('runs each failure once and prints its tables', async () => {
    await requirePrograms();
    if (!existsSync(BENCH))
      throw new Error(`${BENCH} is missing: run ./scripts/setup (it builds the benchmarks)`);
    const r = await run('node', [BENCH, '--runs', '1'], {
      allowFailure: true,
      timeoutMs: 890_000,
    });
    expect(r.stderr, `${r.stdout}\n${r.stderr}`).not.toMatch(/Error/);
    for (const row of [
      'real server dies → client no longer refused',
      'all real servers die → VIP gone at the router',
      'director cut off → out of ECMP',
      'director cut off → out of ECMP, BFD 100 ms × 3',
      'anycastd killed (-9) and restarted, 1 times: route changes at the router',
      'keepalived TCP_CHECK',
    ])
      expect(r.stdout, r.stdout + r.stderr).toContain(row);
  }, 900_000);
});
