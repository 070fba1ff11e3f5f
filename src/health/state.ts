/**
 * The rise/fall state machine of one check, pure: it counts consecutive
 * passes and failures and says when the status changes. From `unknown`, the
 * first of `rise` passes or `fall` failures in a row decides.
 */
import type { InitialState } from './spec.js';

export type Status = 'unknown' | 'up' | 'down';

export interface CheckState {
  status: Status;
  /** Consecutive passes (0 after a failure). */
  passes: number;
  /** Consecutive failures (0 after a pass). */
  failures: number;
}

export function initialState(initial: InitialState): CheckState {
  return { status: initial, passes: 0, failures: 0 };
}

/** The state after one more result; `changed` when the status moved. */
export function step(
  state: CheckState,
  ok: boolean,
  rise: number,
  fall: number,
): { state: CheckState; changed: boolean } {
  if (ok) {
    const passes = state.passes + 1;
    const status = state.status !== 'up' && passes >= rise ? 'up' : state.status;
    return { state: { status, passes, failures: 0 }, changed: status !== state.status };
  }
  const failures = state.failures + 1;
  const status = state.status !== 'down' && failures >= fall ? 'down' : state.status;
  return { state: { status, passes: 0, failures }, changed: status !== state.status };
}

/** True while results are heading for a change of status (the fast interval applies). */
export function pending(state: CheckState): boolean {
  if (state.status === 'unknown') return true;
  return state.status === 'up' ? state.failures > 0 : state.passes > 0;
}
