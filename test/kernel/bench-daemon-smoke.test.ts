import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../lab/exec.js';

const BENCH = '.lab/bench-build/bench/daemon/run.js';

// Keeps the whole-daemon benchmark working: a tiny run of both tools must
// finish and fill every row. Timings are the benchmark's business.
describe('whole-daemon benchmark', () => {
  it('runs anycastd and keepalived end to end at a tiny size and prints its table', async () => {
    if (!existsSync(BENCH))
      throw new Error(`${BENCH} is missing: run ./scripts/setup (it builds the benchmarks)`);
    const keepalived = await run('sh', ['-c', 'command -v keepalived'], { allowFailure: true });
    if (keepalived.code !== 0)
      throw new Error('keepalived is missing: apt-get install keepalived (./scripts/setup does)');
    const r = await run(
      'node',
      [BENCH, '--sizes', '3', '--reals', '2', '--steady', '5', '--scrape', '5', '--window', '120'],
      { timeoutMs: 900_000 },
    );
    expect(r.stdout).toContain('### 3 services × 2 real servers (6 TCP checks every 2 s)');
    const row = (name: string) =>
      r.stdout.split('\n').find((l) => l.startsWith(`| ${name}`)) ?? `(no row ${name})`;
    for (const name of [
      'start → table programmed',
      'one real server dies → weight 0',
      '10 % die at once → at 0',
      'reload adding a real server → in the kernel',
    ]) {
      // Both tools measured: no "—" in the row.
      expect(row(name), r.stdout).not.toContain('—');
    }
    expect(row('… other kernel objects touched')).toMatch(/\| +0 \(\d for the new one\) \|/);
    expect(row('… while scraped')).toMatch(/\d+\.\d\d % > 100 ms, p99 (≤ |> 2\.5 s)/);
    expect(row('start → every VIP at the router')).toMatch(/\d+(\.\d+)? m?s/);
  }, 960_000);
});
