/**
 * Health-check lateness from the daemon's own histogram
 * (`anycastd_check_lateness_seconds`): read before and after a window, the
 * difference of the cumulative buckets is what happened inside it.
 */
export type Buckets = Map<number, number>;

/** The cumulative bucket counts, by upper bound in seconds (+Inf included). */
export function latenessBuckets(metrics: string): Buckets {
  const out: Buckets = new Map();
  const re = /^anycastd_check_lateness_seconds_bucket\{le="([^"]+)"\} (\d+(?:\.\d+)?)$/gm;
  for (const m of metrics.matchAll(re))
    out.set(m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
  return out;
}

export interface LatenessWindow {
  runs: number;
  /** Share of probe runs that started more than `lateS` after their time. */
  lateShare: number;
  /** The smallest bucket bound at or under which 99 % of the runs started. */
  p99AtMostS: number;
}

export function latenessBetween(before: Buckets, after: Buckets, lateS = 0.1): LatenessWindow {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const inWindow = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const runs = inWindow(Number.POSITIVE_INFINITY);
  const onTime = inWindow(lateS);
  const p99 = bounds.find((le) => inWindow(le) >= runs * 0.99) ?? Number.POSITIVE_INFINITY;
  return { runs, lateShare: runs ? (runs - onTime) / runs : 0, p99AtMostS: p99 };
}
