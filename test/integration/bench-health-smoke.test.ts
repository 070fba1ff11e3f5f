import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

const BENCH = '.lab/bench-build/bench/health/run.js';

// Keeps the health benchmark working: a tiny run must finish and print its
// tables with every check passing. Rates are the benchmark's business.
describe('health benchmark', () => {
  it('runs end to end at a tiny size and prints its tables', async () => {
    if (!existsSync(BENCH))
      throw new Error(`${BENCH} is missing: run ./scripts/setup (it builds the benchmarks)`);
    const r = await run(
      'node',
      [BENCH, '--seconds', '1', '--sustain', '3', '--targets', '200', '--hostile-seconds', '3'],
      {
        timeoutMs: 200_000,
      },
    );
    for (const row of [
      'TCP checks, anycastd',
      'TCP checks, peer: Node net.connect',
      'HTTP checks, anycastd',
      'HTTP checks, peer: Node http.get',
      'lateness p99',
      'detection time max',
    ]) {
      expect(r.stdout).toContain(row);
    }
    // Throughput rows ran checks. Rates and the odd timeout on a busy
    // machine are the benchmark's business; a probe that is broken outright
    // (every check failing) is this test's.
    const rows = r.stdout
      .split('\n')
      .filter((l) => /^\| (TCP|HTTP) checks, (anycastd|peer)/.test(l));
    expect(rows).toHaveLength(4);
    for (const line of rows) {
      const [, name, checks, failed] = line.split('|').map((c) => c.trim());
      expect(Number(checks), r.stdout + r.stderr).toBeGreaterThan(0);
      if (name?.includes('anycastd'))
        expect(Number(failed), r.stdout + r.stderr).toBeLessThan(Number(checks) / 2);
    }
    // Victims killed in the sustained run are all seen going down (how fast is the bench's business).
    const detected = /\| detection, (\d+) targets killed \(detected\) *\| *(\d+) \|/.exec(r.stdout);
    if (!detected) throw new Error(`no detection row in the bench's output:\n${r.stdout}`);
    expect(Number(detected[1])).toBeGreaterThan(0);
    expect(detected[2], r.stdout).toBe(detected[1]);
    // The hostile part refused configurations both ways and kept checking meanwhile.
    const refused = /\| configurations refused *\| *(\d+) *\| *(\d+) *\|/.exec(r.stdout);
    if (!refused) throw new Error(`no hostile-configuration table:\n${r.stdout}`);
    expect(Number(refused[1])).toBeGreaterThan(0);
    expect(Number(refused[2])).toBeGreaterThan(0);
    const hostileChecks =
      /\| checks completed \(failed\) *\| *(\d+) \(\d+\) *\| *(\d+) \(\d+\) *\|/.exec(r.stdout);
    expect(Number(hostileChecks?.[1]), r.stdout).toBeGreaterThan(0);
  }, 240_000);
});
