/** A clock for tests: time moves only when the test says so. */
import type { Clock } from '../../../src/health/timer-queue.js';

interface Timer {
  at: number;
  fn: () => void;
  seq: number;
}

export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers = new Set<Timer>();

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, delayMs: number): unknown {
    const t = { at: this.time + delayMs, fn, seq: this.seq++ };
    this.timers.add(t);
    return t;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as Timer);
  }

  get armed(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward, firing due timers in order. Timers set meanwhile fire
   * too if due before the end; one due exactly at the end waits for the next
   * call, like a zero-delay timer waits for the next turn of the event loop.
   */
  advance(ms: number): void {
    const end = this.time + ms;
    const firstNew = this.seq;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers) {
        const due = t.at < end || (t.at === end && t.seq < firstNew);
        if (due && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.timers.delete(next);
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = end;
  }

  /** Time passes with the thread busy: nothing fires until the next advance. */
  stall(ms: number): void {
    this.time += ms;
  }
}
