import { describe, expect, it } from 'vitest';
import { type CheckState, initialState, pending, step } from '../../../src/health/state.js';

function feed(state: CheckState, results: string, rise: number, fall: number): string {
  const out: string[] = [];
  for (const c of results) {
    const r = step(state, c === '+', rise, fall);
    state = r.state;
    out.push(r.changed ? state.status : '.');
  }
  return out.join(' ');
}

describe('rise/fall', () => {
  it('decides from unknown after rise passes or fall failures in a row', () => {
    expect(feed(initialState('unknown'), '++', 2, 3)).toBe('. up');
    expect(feed(initialState('unknown'), '+-+---', 2, 3)).toBe('. . . . . down');
  });

  it('goes down only after fall consecutive failures, up after rise passes', () => {
    expect(feed(initialState('up'), '--+---', 2, 3)).toBe('. . . . . down');
    expect(feed(initialState('down'), '+-+++', 3, 1)).toBe('. . . . up');
  });

  it('with rise 1 and fall 1, follows every result', () => {
    expect(feed(initialState('up'), '-+-', 1, 1)).toBe('down up down');
  });

  it('is pending while unknown or while counting toward the other state', () => {
    expect(pending(initialState('unknown'))).toBe(true);
    expect(pending({ status: 'up', passes: 5, failures: 0 })).toBe(false);
    expect(pending({ status: 'up', passes: 0, failures: 1 })).toBe(true);
    expect(pending({ status: 'down', passes: 1, failures: 0 })).toBe(true);
    expect(pending({ status: 'down', passes: 0, failures: 4 })).toBe(false);
  });
});
