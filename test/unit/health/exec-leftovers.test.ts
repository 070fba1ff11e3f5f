import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/health/probes/exec-leftovers.js';
import type { ChildInfo } from '../../../src/proc/subreaper.js';

const child = (state: string): ChildInfo => ({ pid: 4242, state, session: 4000, environ: [] });
const ended = { running: false };
const running = { running: true };

describe('what to do with an adopted process', () => {
  it('never touches a program libuv is still waiting for, even a zombie', () => {
    expect(classify(child('Z'), ended, false, true)).toBe('leave');
    expect(classify(child('S'), ended, true, true)).toBe('leave');
  });

  it('leaves processes that no run owns, alive or not', () => {
    expect(classify(child('S'), undefined, false, false)).toBe('leave');
    expect(classify(child('Z'), undefined, false, false)).toBe('leave');
  });

  it("leaves a running check's processes, kills an ended one's", () => {
    expect(classify(child('S'), running, false, false)).toBe('leave');
    expect(classify(child('S'), ended, false, false)).toBe('kill');
    expect(classify(child('D'), ended, false, false)).toBe('kill');
  });

  it('reaps the zombies of a run, and waits for the killed to die', () => {
    expect(classify(child('Z'), running, false, false)).toBe('reap');
    expect(classify(child('Z'), ended, false, false)).toBe('reap');
    expect(classify(child('S'), undefined, true, false)).toBe('wait');
    expect(classify(child('Z'), undefined, true, false)).toBe('reap');
  });
});
