/** The last few state changes of each real server, as the status and its page show them. */
import { describe, expect, it } from 'vitest';
import { HISTORY_LENGTH, RealHistory, historyOf } from '../../../src/daemon/real-history.js';

describe('real-server history', () => {
  it('keeps the last few changes, oldest first, and drops what is no longer configured', () => {
    const h = new RealHistory();
    expect(h.get('web 10.0.0.1:0')).toBeUndefined();
    expect(historyOf(h.get('web 10.0.0.1:0'))).toEqual({});
    for (let i = 0; i < HISTORY_LENGTH + 2; i++)
      h.record('web 10.0.0.1:0', {
        at: Date.UTC(2026, 0, 1, 0, 0, i),
        from: i % 2 ? 'down' : 'up',
        to: i % 2 ? 'up' : 'down',
        reason: `r${i}`,
      });
    h.record('web 10.0.0.2:0', { at: 0, from: 'up', to: 'down', reason: 'refused' });
    const kept = h.get('web 10.0.0.1:0') ?? [];
    expect(kept.map((c) => c.reason)).toEqual(['r2', 'r3', 'r4', 'r5', 'r6']);
    expect(historyOf(kept).history?.[0]).toEqual({
      at: '2026-01-01T00:00:02.000Z',
      from: 'up',
      to: 'down',
      reason: 'r2',
    });
    h.keepOnly(new Set(['web 10.0.0.2:0']));
    expect(h.get('web 10.0.0.1:0')).toBeUndefined();
    expect(h.get('web 10.0.0.2:0')).toHaveLength(1);
  });
});
