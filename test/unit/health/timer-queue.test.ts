import { describe, expect, it } from 'vitest';
import { FIRE_PER_TURN, TimerQueue } from '../../../src/health/timer-queue.js';
import { ManualClock } from './manual-clock.js';

describe('TimerQueue', () => {
  it('fires entries in due order with their scheduled time, on one timer', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const q = new TimerQueue<string>(clock, (item, at) => fired.push(`${item}@${at}`));
    for (const [item, at] of [
      ['c', 30],
      ['a', 10],
      ['b', 20],
      ['a2', 10],
    ] as const)
      q.schedule(item, at);
    expect(clock.armed).toBe(1);
    clock.advance(25);
    expect(fired).toEqual(['a@10', 'a2@10', 'b@20']);
    clock.advance(10);
    expect(fired).toEqual(['a@10', 'a2@10', 'b@20', 'c@30']);
    expect(clock.armed).toBe(0);
  });

  it('cancels from anywhere in the heap', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const q = new TimerQueue<number>(clock, (item) => fired.push(item));
    const entries = Array.from({ length: 200 }, (_, i) => q.schedule(i, (i * 37) % 101));
    for (const e of entries) if (e.item % 3 === 0) q.cancel(e);
    clock.advance(1000);
    const expected = entries
      .filter((e) => e.item % 3 !== 0)
      .sort((x, y) => x.at - y.at || x.item - y.item)
      .map((e) => e.item);
    expect(fired).toEqual(expected);
  });

  it('runs an entry rescheduled for now on the next turn, not in the same one', () => {
    const clock = new ManualClock();
    let runs = 0;
    const q: TimerQueue<string> = new TimerQueue<string>(clock, (item) => {
      runs++;
      q.schedule(item, clock.now());
    });
    q.schedule('x', 5);
    clock.advance(5);
    expect(runs).toBe(1);
    clock.advance(0);
    expect(runs).toBe(2);
  });

  it('fires at most FIRE_PER_TURN entries per turn when it has fallen behind, the rest next turn', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const q = new TimerQueue<number>(clock, (item) => fired.push(item));
    for (let i = 0; i < FIRE_PER_TURN + 10; i++) q.schedule(i, 1);
    clock.advance(1);
    expect(fired).toHaveLength(FIRE_PER_TURN);
    clock.advance(0);
    expect(fired).toEqual(Array.from({ length: FIRE_PER_TURN + 10 }, (_, i) => i));
  });
});
