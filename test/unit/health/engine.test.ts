import { describe, expect, it } from 'vitest';
import { type HealthEvent, HealthEngine, SPREAD_ABOVE } from '../../../src/health/engine.js';
import type { Probe, ProbeResult, ProbeRun } from '../../../src/health/probe.js';
import { type CheckSpec, type ProbeSpec, parseCheckOrThrow } from '../../../src/health/spec.js';
import { DescriptorBudget } from '../../../src/health/descriptor-budget.js';
import { ManualClock } from './manual-clock.js';

/** Probes whose answers the test sets per target address; each run settles after `delay` ms. */
class FakeTargets {
  answers = new Map<string, ProbeResult | 'hang' | 'throw'>();
  runs: string[] = [];
  open = 0;
  closed: string[] = [];

  constructor(private readonly clock: ManualClock) {}

  create = (spec: ProbeSpec): Probe => {
    const address = spec.target.address;
    this.open++;
    return {
      run: (run: ProbeRun) => {
        this.runs.push(`${address}@${this.clock.now()}`);
        const answer = this.answers.get(address) ?? { ok: true, reason: 'fine' };
        if (answer === 'throw') throw new Error('probe bug');
        return new Promise<ProbeResult>((resolve) => {
          run.onExpire(() => resolve({ ok: false, reason: 'timeout' }));
          if (answer !== 'hang') resolve(answer);
        });
      },
      close: () => {
        this.open--;
        this.closed.push(address);
      },
    };
  };
}

function check(address: string, extra: Record<string, unknown> = {}): CheckSpec {
  return parseCheckOrThrow({
    type: 'tcp',
    address,
    port: 80,
    interval: '1s',
    timeout: '500ms',
    rise: 2,
    fall: 2,
    spread: false,
    ...extra,
  });
}

function setup(descriptors?: DescriptorBudget) {
  const clock = new ManualClock();
  const targets = new FakeTargets(clock);
  const events: HealthEvent[] = [];
  const engine = new HealthEngine({
    onEvent: (e) => events.push(e),
    clock,
    createProbe: targets.create,
    random: () => 0.5,
    descriptors,
  });
  const tick = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      // Let probe promises settle between timer turns.
      await new Promise((r) => setImmediate(r));
    }
  };
  const summary = () => events.map((e) => `${e.id}:${e.from}->${e.to}`);
  return { clock, targets, events, engine, tick, summary };
}

describe('HealthEngine', () => {
  it('reports up after rise passes and down after fall failures, with the reason', async () => {
    const { engine, targets, events, tick, summary } = setup();
    engine.update([['web', check('10.0.0.1')]]);
    await tick(1500);
    expect(summary()).toEqual(['web:unknown->up']);
    targets.answers.set('10.0.0.1', { ok: false, reason: 'ECONNREFUSED' });
    await tick(2000);
    expect(summary()).toEqual(['web:unknown->up', 'web:up->down']);
    expect(events[1]).toMatchObject({ reason: 'ECONNREFUSED', result: { ok: false } });
    expect(engine.status('web')).toMatchObject({
      status: 'down',
      failures: 2,
      target: '10.0.0.1:80',
      type: 'tcp',
    });
    await engine.stop();
  });

  it('runs identical checks once and tells every subscriber', async () => {
    const { engine, targets, tick, summary } = setup();
    engine.update([
      ['vip1/web', check('10.0.0.1')],
      ['vip2/web', check('10.0.0.1')],
      ['vip3/web', check('10.0.0.1', { rise: 3 })],
    ]);
    expect(engine.probeCount).toBe(2);
    await tick(1005);
    expect(targets.runs).toEqual(['10.0.0.1@0', '10.0.0.1@0', '10.0.0.1@1000', '10.0.0.1@1000']);
    expect(summary().sort()).toEqual(['vip1/web:unknown->up', 'vip2/web:unknown->up']);
    await engine.stop();
  });

  it('keeps state and schedule of unchanged checks across updates, stops removed ones, starts new ones', async () => {
    const { engine, targets, tick, summary } = setup();
    engine.update([
      ['a', check('10.0.0.1')],
      ['b', check('10.0.0.2')],
    ]);
    await tick(1500);
    const runsBefore = targets.runs.filter((r) => r.startsWith('10.0.0.1')).length;
    engine.update([
      ['a', check('10.0.0.1')],
      ['c', check('10.0.0.3')],
    ]);
    expect(targets.closed).toEqual(['10.0.0.2']);
    expect(engine.status('a')).toMatchObject({ status: 'up' });
    expect(engine.status('b')).toBeUndefined();
    await tick(600);
    // a kept its schedule (next run at 2000), c started at once.
    expect(targets.runs.filter((r) => r.startsWith('10.0.0.1')).length).toBe(runsBefore + 1);
    expect(targets.runs).toContain('10.0.0.3@1500');
    expect(summary()).toEqual(['a:unknown->up', 'b:unknown->up']);
    await tick(1000);
    expect(summary()).toEqual(['a:unknown->up', 'b:unknown->up', 'c:unknown->up']);
    await engine.stop();
    expect(targets.open).toBe(0);
  });

  it('tells a check that joins a probe already up, and one whose check changed', async () => {
    const { engine, tick, summary } = setup();
    engine.update([['a', check('10.0.0.1')]]);
    await tick(1500);
    engine.update([
      ['a', check('10.0.0.1')],
      ['late', check('10.0.0.1')],
    ]);
    expect(summary()).toEqual(['a:unknown->up', 'late:unknown->up']);
    engine.update([
      ['a', check('10.0.0.9')],
      ['late', check('10.0.0.1')],
    ]);
    expect(summary()).toEqual(['a:unknown->up', 'late:unknown->up', 'a:up->unknown']);
    await engine.stop();
  });

  it('treats a probe that throws as a failed check, and expires one that hangs', async () => {
    const { engine, targets, events, tick } = setup();
    targets.answers.set('10.0.0.1', 'throw');
    targets.answers.set('10.0.0.2', 'hang');
    engine.update([
      ['bug', check('10.0.0.1', { initial: 'up' })],
      ['slow', check('10.0.0.2', { initial: 'up' })],
    ]);
    await tick(1600);
    expect(events.map((e) => `${e.id}:${e.to}:${e.reason}`).sort()).toEqual([
      'bug:down:check failed: probe bug',
      'bug:up:check added',
      'slow:down:timeout',
      'slow:up:check added',
    ]);
    expect(engine.runningCount).toBe(0);
    await engine.stop();
  });

  it('gives a run whose deadline fired late the time the stall took from it, once', async () => {
    const clock = new ManualClock();
    const events: { id: string; to: string; at: number }[] = [];
    const pendingRuns: ((r: ProbeResult) => void)[] = [];
    const engine = new HealthEngine({
      onEvent: (e) => events.push({ id: e.id, to: e.to, at: clock.now() }),
      clock,
      createProbe: () => ({
        run: (run: ProbeRun) =>
          new Promise<ProbeResult>((resolve) => {
            run.onExpire(() => resolve({ ok: false, reason: 'timeout' }));
            pendingRuns.push(resolve);
          }),
        close: () => {},
      }),
    });
    const settle = () => new Promise((r) => setImmediate(r));
    engine.update([['a', check('10.0.0.1', { initial: 'up', fall: 1, interval: '10s' })]]);
    clock.advance(0);
    expect(pendingRuns).toHaveLength(1);
    // The thread is busy past the 500 ms timeout; the reply came in meanwhile.
    clock.stall(800);
    clock.advance(0);
    pendingRuns[0]?.({ ok: true, reason: 'connected' });
    await settle();
    expect(events.filter((e) => e.to === 'down')).toEqual([]);

    // A run that never answers still fails: at the extended deadline, 800 + 300.
    clock.advance(10_000 - 800);
    expect(pendingRuns).toHaveLength(2);
    clock.stall(800);
    clock.advance(0);
    await settle();
    expect(events.filter((e) => e.to === 'down')).toEqual([]);
    clock.advance(299);
    await settle();
    expect(events.filter((e) => e.to === 'down')).toEqual([]);
    clock.advance(1);
    await settle();
    expect(events.filter((e) => e.to === 'down')).toEqual([{ id: 'a', to: 'down', at: 11_100 }]);
    await engine.stop();
  });

  it('uses the fast interval while a transition is pending', async () => {
    const { engine, targets, tick } = setup();
    engine.update([['a', check('10.0.0.1', { fast_interval: '600ms', rise: 3, initial: 'down' })]]);
    await tick(2500);
    // 0, 600, 1200 (up after the third pass), then the normal 1 s interval: 2200.
    expect(targets.runs).toEqual(['10.0.0.1@0', '10.0.0.1@600', '10.0.0.1@1200', '10.0.0.1@2200']);
    await engine.stop();
  });

  it('spreads the first runs of many new checks over the interval, and runs a few at once', async () => {
    const clock = new ManualClock();
    const targets = new FakeTargets(clock);
    let n = 0;
    const engine = new HealthEngine({
      onEvent: () => {},
      clock,
      createProbe: targets.create,
      // 0, 1/SPREAD_ABOVE, 2/SPREAD_ABOVE, ... of the interval.
      random: () => (n++ % (SPREAD_ABOVE + 1)) / (SPREAD_ABOVE + 1),
    });
    const many = Array.from({ length: SPREAD_ABOVE + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    engine.update(many.map((a) => [a, check(a, { spread: true })]));
    clock.advance(0);
    expect(targets.runs).toEqual(['10.0.0.0@0']);
    clock.advance(999);
    expect(targets.runs).toHaveLength(SPREAD_ABOVE + 1);
    expect(new Set(targets.runs.map((r) => r.split('@')[1])).size).toBe(SPREAD_ABOVE + 1);
    // A reload that adds two: both run now.
    const before = targets.runs.length;
    engine.update([...many, '10.9.0.1', '10.9.0.2'].map((a) => [a, check(a, { spread: true })]));
    clock.advance(0);
    expect(targets.runs.slice(before).filter((r) => r.startsWith('10.9.'))).toEqual([
      '10.9.0.1@999',
      '10.9.0.2@999',
    ]);
    await engine.stop();
  });

  it('reports a dynamic weight change while up', async () => {
    const { engine, targets, events, tick } = setup();
    targets.answers.set('10.0.0.1', { ok: true, reason: 'exit 12', weight: 10 });
    engine.update([['a', check('10.0.0.1', { initial: 'up' })]]);
    await tick(100);
    targets.answers.set('10.0.0.1', { ok: true, reason: 'exit 7', weight: 5 });
    await tick(1000);
    expect(events.map((e) => `${e.from}->${e.to} w${e.weight}`)).toEqual([
      'unknown->up wundefined',
      'up->up w10',
      'up->up w5',
    ]);
    await engine.stop();
  });

  it('survives a listener that throws', async () => {
    const clock = new ManualClock();
    const targets = new FakeTargets(clock);
    const engine = new HealthEngine({
      onEvent: () => {
        throw new Error('listener bug');
      },
      clock,
      createProbe: targets.create,
    });
    engine.update([['a', check('10.0.0.1', { rise: 1 })]]);
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
    expect(engine.status('a')?.status).toBe('up');
    await engine.stop();
  });
});

describe('descriptor budget', () => {
  it('holds runs beyond the budget until descriptors are free, in order, and counts each wait', async () => {
    const budget = new DescriptorBudget(2);
    const { engine, targets, tick } = setup(budget);
    for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'])
      targets.answers.set(a, 'hang');
    engine.update(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((a) => [a, check(a)]));
    await tick(10);
    // Two run, two wait; nothing fails for want of a descriptor.
    expect(targets.runs).toEqual(['10.0.0.1@0', '10.0.0.2@0']);
    expect(budget.inUse).toBe(2);
    expect(budget.waits).toBe(2);
    // At their 500 ms timeout the first two settle and the waiting ones start, oldest first.
    await tick(500);
    expect(targets.runs.slice(2)).toEqual(['10.0.0.3@500', '10.0.0.4@500']);
    expect(budget.inUse).toBe(2);
    await engine.stop();
    await tick(600);
    expect(budget.inUse).toBe(0);
  });

  it('gives a check that waited its full timeout from the moment it starts', async () => {
    const budget = new DescriptorBudget(1);
    const { engine, targets, tick, summary } = setup(budget);
    targets.answers.set('10.0.0.1', 'hang');
    engine.update([
      ['a', check('10.0.0.1', { rise: 1, fall: 1 })],
      ['b', check('10.0.0.2', { rise: 1, fall: 1 })],
    ]);
    await tick(600);
    // b waited 500 ms behind a's timeout, then passed: its result is not a timeout.
    expect(summary()).toEqual(['a:unknown->down', 'b:unknown->up']);
    await engine.stop();
  });
});
