/**
 * The last few state changes of each real server, for the status page and
 * `anycastd status`: enough to tell a flapping server from one that went down
 * once. First verdicts at start are not kept (the current state and its
 * `since` say as much), so a table of 100,000 steady real servers holds nothing.
 */
import type { RealState } from './health-view.js';

/** Changes kept per real server; older ones are dropped first. */
export const HISTORY_LENGTH = 5;

export interface RealTransition {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly from: RealState;
  readonly to: RealState;
  readonly reason: string;
}

export class RealHistory {
  private readonly byReal = new Map<string, RealTransition[]>();

  record(real: string, change: RealTransition): void {
    let list = this.byReal.get(real);
    if (!list) {
      list = [];
      this.byReal.set(real, list);
    }
    list.push(change);
    if (list.length > HISTORY_LENGTH) list.shift();
  }

  /** Oldest first; undefined when the real server has not changed since its first verdict. */
  get(real: string): readonly RealTransition[] | undefined {
    return this.byReal.get(real);
  }

  /** Drops the history of real servers that are no longer configured. */
  keepOnly(configured: { has(real: string): boolean }): void {
    for (const real of [...this.byReal.keys()]) if (!configured.has(real)) this.byReal.delete(real);
  }
}

/** As the status shows it: times as ISO text; nothing at all when there is no change to show. */
export function historyOf(list: readonly RealTransition[] | undefined): {
  history?: { at: string; from: RealState; to: RealState; reason: string }[];
} {
  if (!list) return {};
  return { history: list.map((c) => ({ ...c, at: new Date(c.at).toISOString() })) };
}
