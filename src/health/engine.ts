/**
 * The health-check engine: given the whole set of checks (id → spec), it runs
 * each distinct probe once on its schedule, feeds the rise/fall machine, and
 * reports status changes to every check id subscribed to that probe. Updating
 * the set keeps the state and schedule of probes that did not change; probes
 * no longer wanted are stopped with everything they hold.
 */
import type { Logger } from '../log.js';
import { DESCRIPTORS_PER_RUN, type DescriptorBudget } from './descriptor-budget.js';
import { checkKey } from './key.js';
import { type Probe, type ProbeResult, ProbeRun, errorReason, fail } from './probe.js';
import { createProbe as defaultCreateProbe } from './probes/index.js';
import type { CheckSpec, ProbeSpec } from './spec.js';
import { type CheckState, type Status, initialState, pending, step } from './state.js';
import { type Clock, type Scheduled, TimerQueue, systemClock } from './timer-queue.js';

/** A change reported for one check id. */
export interface HealthEvent {
  id: string;
  from: Status;
  to: Status;
  /** Why: the last probe result's reason, or why the check itself changed. */
  reason: string;
  /** The last probe result, when there is one. */
  result?: ProbeResult | undefined;
  /** Weight reported by the target (exec dynamic weight); undefined when none. */
  weight?: number | undefined;
}

/** What the status API shows for one check id. */
export interface CheckStatus {
  id: string;
  key: string;
  type: ProbeSpec['type'];
  target: string;
  status: Status;
  passes: number;
  failures: number;
  weight?: number | undefined;
  /** Wall-clock milliseconds of the last status change (or of the check's start). */
  since: number;
  last?: (ProbeResult & { at: number; durationMs: number }) | undefined;
}

/** One finished probe run, for metrics and benchmarks. */
export interface RunRecord {
  key: string;
  type: ProbeSpec['type'];
  ok: boolean;
  reason: string;
  durationMs: number;
  /** Actual start − scheduled start. */
  latenessMs: number;
}

export interface EngineOptions {
  onEvent: (event: HealthEvent) => void;
  onRun?: ((run: RunRecord) => void) | undefined;
  log?: Logger | undefined;
  clock?: Clock | undefined;
  random?: (() => number) | undefined;
  createProbe?: ((spec: ProbeSpec) => Probe) | undefined;
  /** Descriptors the probes may hold at once; none: no bound. */
  descriptors?: DescriptorBudget | undefined;
}

interface Entry {
  key: string;
  spec: CheckSpec;
  probe: Probe;
  state: CheckState;
  subscribers: Set<string>;
  timer?: Scheduled<Entry> | undefined;
  /** The schedule entry, kept for reuse while not queued. */
  slot?: Scheduled<Entry> | undefined;
  run?: ProbeRun | undefined;
  inflight?: Promise<void> | undefined;
  weight?: number | undefined;
  since: number;
  /** The last result, kept as fields: an object per run would live an interval and be promoted. */
  last?: ProbeResult | undefined;
  lastAt: number;
  lastDurationMs: number;
  stopped: boolean;
}

/** A deadline firing this late (ms) means the thread was busy, not the target slow. */
export const STALL_MS = 100;

/** New probes in one update above which their first runs are spread (`spread`). */
export const SPREAD_ABOVE = 64;

export class HealthEngine {
  private readonly entries = new Map<string, Entry>();
  /** check id → key of the probe it follows. */
  private readonly subscriptions = new Map<string, string>();
  /** check id → status last reported to it. */
  private readonly reported = new Map<string, Status>();
  private readonly queue: TimerQueue<Entry>;
  private readonly deadlines: TimerQueue<ProbeRun>;
  private expiring: ProbeRun[] = [];
  /** Runs whose deadline fired late once and was moved on. */
  private readonly extended = new WeakSet<ProbeRun>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly makeProbe: (spec: ProbeSpec) => Probe;
  private stopping = false;

  constructor(private readonly options: EngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.makeProbe = options.createProbe ?? defaultCreateProbe;
    this.queue = new TimerQueue(this.clock, (entry, at) => this.start(entry, at));
    this.deadlines = new TimerQueue(this.clock, (run, at, entry) =>
      this.deadlineDue(run, at, entry),
    );
  }

  /**
   * A deadline that fires late means the thread was busy (a long collection,
   * a big reload, a starved CPU) while the probe waited: its reply may be in
   * the socket, unread. Such a run gets the time it lost once more, up to its
   * timeout, so detection takes at most twice the timeout under a stall and
   * a stall alone never fails a healthy real server. Expiry then waits for
   * one poll of I/O, all the runs due in a turn together.
   */
  private deadlineDue(run: ProbeRun, at: number, entry: Scheduled<ProbeRun>): void {
    const now = this.clock.now();
    const late = now - at;
    if (late > STALL_MS && !this.extended.has(run)) {
      this.extended.add(run);
      // The same entry, so the settle's cancel still finds it.
      this.deadlines.schedule(run, now + Math.min(late, run.timeoutMs), entry);
      return;
    }
    if (!this.clock.afterIo) {
      run.expire();
      return;
    }
    this.expiring.push(run);
    if (this.expiring.length > 1) return;
    this.clock.afterIo(() => {
      const runs = this.expiring;
      this.expiring = [];
      for (const r of runs) r.expire();
    });
  }

  /** Number of distinct probes running. */
  get probeCount(): number {
    return this.entries.size;
  }

  /** Number of probe runs in progress. */
  get runningCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.run) n++;
    return n;
  }

  /**
   * Replaces the set of checks. Unchanged checks keep state and schedule;
   * new ones start (spread over their interval when there are many, unless
   * told otherwise);
   * removed ones stop. Ids whose status differs from what they were last
   * told (a new check, or one now sharing a probe already up) get an event.
   */
  update(checks: Iterable<readonly [string, CheckSpec]>): void {
    if (this.stopping) throw new Error('health engine is stopped');
    const wanted = new Map<string, { spec: CheckSpec; ids: string[] }>();
    const ids = new Set<string>();
    for (const [id, spec] of checks) {
      if (ids.has(id)) throw new Error(`health check id ${id} given twice`);
      ids.add(id);
      const key = checkKey(spec);
      const w = wanted.get(key);
      if (w) w.ids.push(id);
      else wanted.set(key, { spec, ids: [id] });
    }

    for (const [key, entry] of this.entries) {
      if (!wanted.has(key)) this.remove(entry);
    }
    this.subscriptions.clear();
    for (const id of [...this.reported.keys()]) if (!ids.has(id)) this.reported.delete(id);

    let added = 0;
    for (const key of wanted.keys()) if (!this.entries.has(key)) added++;
    // Many new probes at once (a start) are spread over their interval; a few (a
    // reload that adds a real server) run at once, so its weight need not wait.
    const burst = added > SPREAD_ABOVE;
    for (const [key, { spec, ids: subscribers }] of wanted) {
      let entry = this.entries.get(key);
      if (!entry) {
        entry = this.add(key, spec, burst);
      }
      entry.subscribers = new Set(subscribers);
      for (const id of subscribers) {
        this.subscriptions.set(id, key);
        const told = this.reported.get(id);
        if (told === undefined || told !== entry.state.status) {
          this.reported.set(id, entry.state.status);
          if (told !== undefined || entry.state.status !== 'unknown') {
            this.emit({
              id,
              from: told ?? 'unknown',
              to: entry.state.status,
              reason: entry.last ? entry.last.reason : 'check added',
              result: entry.last,
              weight: entry.weight,
            });
          }
        }
      }
    }
  }

  status(id: string): CheckStatus | undefined {
    const key = this.subscriptions.get(id);
    const e = key === undefined ? undefined : this.entries.get(key);
    return e && this.describe(id, e);
  }

  statuses(): CheckStatus[] {
    const out: CheckStatus[] = [];
    for (const [id, key] of this.subscriptions) {
      const e = this.entries.get(key);
      if (e) out.push(this.describe(id, e));
    }
    return out;
  }

  /** Stops every probe, ending runs in progress, and waits for them to settle. */
  async stop(): Promise<void> {
    this.stopping = true;
    const inflight: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      if (e.inflight) inflight.push(e.inflight);
      this.remove(e);
    }
    this.subscriptions.clear();
    this.reported.clear();
    this.queue.clear();
    this.options.descriptors?.clear();
    await Promise.all(inflight);
    this.deadlines.clear();
  }

  private add(key: string, spec: CheckSpec, burst: boolean): Entry {
    let probe: Probe;
    try {
      probe = this.makeProbe(spec.probe);
    } catch (e) {
      const reason = `cannot set up check: ${errorReason(e)}`;
      probe = { run: () => Promise.resolve(fail(reason)), close() {} };
    }
    const entry: Entry = {
      key,
      spec,
      probe,
      state: initialState(spec.timing.initial),
      subscribers: new Set(),
      since: Date.now(),
      lastAt: 0,
      lastDurationMs: 0,
      stopped: false,
    };
    this.entries.set(key, entry);
    const { intervalMs, spread } = spec.timing;
    const delay = spread && burst ? this.random() * intervalMs : 0;
    entry.timer = this.queue.schedule(entry, this.clock.now() + delay);
    return entry;
  }

  private remove(entry: Entry): void {
    entry.stopped = true;
    if (entry.timer) this.queue.cancel(entry.timer);
    entry.timer = undefined;
    entry.run?.expire();
    this.entries.delete(entry.key);
    if (!entry.run) this.closeProbe(entry);
  }

  private closeProbe(entry: Entry): void {
    try {
      entry.probe.close();
    } catch (e) {
      this.options.log?.warn({
        event: 'health.close_failed',
        check: entry.key,
        err: errorReason(e),
      });
    }
  }

  private start(entry: Entry, scheduledAt: number): void {
    entry.slot = entry.timer;
    entry.timer = undefined;
    if (entry.stopped) return;
    const budget = this.options.descriptors;
    if (!budget) {
      this.begin(entry, scheduledAt, 0);
      return;
    }
    const cost = DESCRIPTORS_PER_RUN[entry.spec.probe.type] ?? 1;
    budget.acquire(cost, () => {
      if (entry.stopped) budget.release(cost);
      else this.begin(entry, scheduledAt, cost);
    });
  }

  /** Runs the probe, holding `cost` descriptors of the budget until it settles. */
  private begin(entry: Entry, scheduledAt: number, cost: number): void {
    const started = this.clock.now();
    const run = new ProbeRun(entry.spec.timing.timeoutMs);
    entry.run = run;
    // Deadlines share one heap and one timer: a Node timer per probe run
    // costs more than the rest of the engine's work for that run.
    const deadline = this.deadlines.schedule(run, started + run.timeoutMs);
    let promise: Promise<ProbeResult>;
    try {
      promise = entry.probe.run(run);
    } catch (e) {
      promise = Promise.resolve(fail(`check failed: ${errorReason(e)}`));
    }
    const settle = (result: ProbeResult) => {
      if (cost > 0) this.options.descriptors?.release(cost);
      this.deadlines.cancel(deadline);
      entry.run = undefined;
      entry.inflight = undefined;
      this.finish(entry, result, scheduledAt, started);
    };
    entry.inflight = promise.then(settle, (e: unknown) =>
      settle(fail(`check failed: ${errorReason(e)}`)),
    );
  }

  private finish(entry: Entry, result: ProbeResult, scheduledAt: number, started: number): void {
    const now = this.clock.now();
    const durationMs = now - started;
    this.options.onRun?.({
      key: entry.key,
      type: entry.spec.probe.type,
      ok: result.ok,
      reason: result.reason,
      durationMs,
      latenessMs: started - scheduledAt,
    });
    if (entry.stopped) {
      this.closeProbe(entry);
      return;
    }
    const { timing } = entry.spec;
    entry.last = result;
    entry.lastAt = now;
    entry.lastDurationMs = durationMs;
    const before = entry.state.status;
    const { state: next, changed } = step(entry.state, result.ok, timing.rise, timing.fall);
    // Copied into the entry's own state object, which lives as long as the check.
    const state = entry.state;
    state.status = next.status;
    state.passes = next.passes;
    state.failures = next.failures;
    const weightChanged = state.status === 'up' && result.ok && result.weight !== entry.weight;
    if (result.ok) entry.weight = result.weight;
    if (changed) entry.since = Date.now();
    if (changed || weightChanged) {
      // Debug: the daemon logs each change per real server (real_state) at info.
      this.options.log?.debug({
        event: changed ? 'health.transition' : 'health.weight',
        check: entry.spec.probe.type,
        target: targetText(entry.spec),
        from: before,
        to: state.status,
        reason: result.reason,
        weight: entry.weight,
      });
      for (const id of entry.subscribers) {
        this.reported.set(id, state.status);
        this.emit({
          id,
          from: before,
          to: state.status,
          reason: result.reason,
          result,
          weight: entry.weight,
        });
      }
    }
    const interval = pending(state) ? timing.fastIntervalMs : timing.intervalMs;
    // Fixed rate from the scheduled time, so runs do not drift; a run that
    // ends past its next slot starts again at once rather than catching up.
    entry.timer = this.queue.schedule(entry, Math.max(scheduledAt + interval, now), entry.slot);
  }

  private emit(event: HealthEvent): void {
    try {
      this.options.onEvent(event);
    } catch (e) {
      this.options.log?.error({
        event: 'health.listener_failed',
        id: event.id,
        err: errorReason(e),
      });
    }
  }

  private describe(id: string, e: Entry): CheckStatus {
    return {
      id,
      key: e.key,
      type: e.spec.probe.type,
      target: targetText(e.spec),
      status: e.state.status,
      passes: e.state.passes,
      failures: e.state.failures,
      weight: e.weight,
      since: e.since,
      last: e.last && {
        ...e.last,
        at: Math.round(performance.timeOrigin + e.lastAt),
        durationMs: e.lastDurationMs,
      },
    };
  }
}

function targetText(spec: CheckSpec): string {
  const { address, port } = spec.probe.target;
  if (!port) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
