/** The whole-daemon benchmark's reading of the check-lateness histogram. */
import { describe, expect, it } from 'vitest';
import { latenessBetween, latenessBuckets } from '../../../bench/daemon/lateness.js';

const text = (counts: number[]) =>
  ['0.001', '0.01', '0.1', '1', '+Inf']
    .map((le, i) => `anycastd_check_lateness_seconds_bucket{le="${le}"} ${counts[i]}`)
    .join('\n');

describe('check lateness between two scrapes', () => {
  it('counts only the runs inside the window', () => {
    const before = latenessBuckets(`# TYPE x histogram\n${text([10, 10, 10, 10, 10])}\nother 1`);
    expect(before.get(Number.POSITIVE_INFINITY)).toBe(10);
    // 100 runs in the window: 90 within 1 ms, 5 within 100 ms, 4 within 1 s, 1 later.
    const after = latenessBuckets(text([100, 103, 105, 109, 110]));
    const w = latenessBetween(before, after);
    expect(w.runs).toBe(100);
    expect(w.lateShare).toBeCloseTo(0.05);
    expect(w.p99AtMostS).toBe(1);
    expect(latenessBetween(after, after)).toEqual({ runs: 0, lateShare: 0, p99AtMostS: 0.001 });
  });
});
