/**
 * A priority queue of due times served by a single Node timer: ten thousand
 * checks cost one armed timer, and each due entry is handed back with the
 * time it was scheduled for, so lateness can be measured. The clock and timer
 * are injected so tests drive time by hand.
 */

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
  /**
   * Runs `fn` once the event loop has polled for I/O; absent, at once. A
   * deadline is judged there, so a reply that arrived while the thread was
   * busy wins over a timer that fired late.
   */
  afterIo?(fn: () => void): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, delayMs) => {
    const t = setTimeout(fn, delayMs);
    // Health checks alone must not keep the process alive.
    t.unref();
    return t;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
  afterIo: (fn) => setImmediate(fn),
};

/**
 * One queued item. A class rather than an object literal: V8 may decide to
 * allocate a literal's objects straight into the old generation once many
 * of them live long (the schedules of thousands of checks do), and then the
 * short-lived ones from the same site (probe deadlines) become old-space
 * garbage.
 */
export class Scheduled<T> {
  constructor(
    public at: number,
    readonly item: T,
    /** Position in the heap; -1 once fired or cancelled. */
    public index: number,
    public seq: number,
  ) {}
}

/** Entries fired by one timer callback; the rest of those due go in the next turn. */
export const FIRE_PER_TURN = 256;

export class TimerQueue<T> {
  private heap: Scheduled<T>[] = [];
  private armedAt = Infinity;
  private handle: unknown;
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (item: T, scheduledAt: number, entry: Scheduled<T>) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /**
   * Queues `item` for `at`. Passing back a fired or cancelled entry of the
   * same item reuses it: a long-lived schedule then allocates nothing, and
   * nothing it holds outlives a young-generation collection.
   */
  schedule(item: T, at: number, reuse?: Scheduled<T>): Scheduled<T> {
    let entry: Scheduled<T>;
    if (reuse && reuse.index < 0 && reuse.item === item) {
      entry = reuse;
      entry.at = at;
      entry.seq = this.seq++;
      entry.index = this.heap.length;
    } else {
      entry = new Scheduled(at, item, this.heap.length, this.seq++);
    }
    this.heap.push(entry);
    this.up(entry.index);
    this.arm();
    return entry;
  }

  cancel(entry: Scheduled<T>): void {
    const i = entry.index;
    if (i < 0) return;
    const last = this.heap.pop() as Scheduled<T>;
    entry.index = -1;
    if (last !== entry) {
      this.heap[i] = last;
      last.index = i;
      this.down(i);
      this.up(last.index);
    }
    if (this.heap.length === 0) this.disarm();
  }

  clear(): void {
    for (const e of this.heap) e.index = -1;
    this.heap = [];
    this.disarm();
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first) return;
    if (first.at >= this.armedAt) return;
    this.disarm();
    this.armedAt = first.at;
    this.handle = this.clock.setTimer(() => this.run(), Math.max(0, first.at - this.clock.now()));
  }

  private disarm(): void {
    if (this.handle !== undefined) this.clock.clearTimer(this.handle);
    this.handle = undefined;
    this.armedAt = Infinity;
  }

  private run(): void {
    this.handle = undefined;
    this.armedAt = Infinity;
    const now = this.clock.now();
    // Entries scheduled by the callbacks below for `now` or earlier wait for
    // the next turn, so a callback that reschedules at once cannot spin.
    // At most FIRE_PER_TURN at a time: a queue that has fallen behind (more checks due
    // than the CPU keeps up with) must leave I/O its turn between batches, or the
    // netlink replies, the API and everything else the daemon does wait behind it.
    const due: Scheduled<T>[] = [];
    while (
      due.length < FIRE_PER_TURN &&
      this.heap.length &&
      (this.heap[0] as Scheduled<T>).at <= now
    )
      due.push(this.pop());
    for (const e of due) this.fire(e.item, e.at, e);
    this.arm();
  }

  private pop(): Scheduled<T> {
    const top = this.heap[0] as Scheduled<T>;
    const last = this.heap.pop() as Scheduled<T>;
    if (last !== top) {
      this.heap[0] = last;
      last.index = 0;
      this.down(0);
    }
    top.index = -1;
    return top;
  }

  private less(a: Scheduled<T>, b: Scheduled<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i] as Scheduled<T>;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Scheduled<T>;
      if (!this.less(e, parent)) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = e;
    e.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i] as Scheduled<T>;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r] as Scheduled<T>, h[l] as Scheduled<T>) ? r : l;
      const child = h[c] as Scheduled<T>;
      if (!this.less(child, e)) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
  }
}
