/**
 * The announce gate, pure: per VIP, whether to announce it, announce it with
 * the draining attributes, or withdraw it, and always why. Withdrawal is
 * immediate: a VIP whose services fall below their healthy threshold must
 * stop attracting traffic now. Announcing again needs the (higher or equal)
 * re-announce threshold and the end of a hold-down that doubles with each
 * withdrawal inside the flap window, so a flapping VIP settles down instead
 * of churning every router's table.
 */
import { type Threshold, needed } from '../config/model.js';

export interface GateParams {
  /** Hold-down after the first withdrawal in the window. */
  holdDownMs: number;
  /** The hold-down never grows beyond this. */
  maxHoldDownMs: number;
  /** Withdrawals older than this no longer count as flaps. */
  flapWindowMs: number;
  /** How long an operator drain keeps the route with draining attributes before withdrawing. */
  drainTimeMs: number;
}

export const DEFAULT_GATE: GateParams = {
  holdDownMs: 2000,
  maxHoldDownMs: 60_000,
  flapWindowMs: 300_000,
  drainTimeMs: 0,
};

export interface ServiceHealth {
  readonly name: string;
  readonly healthy: number;
  readonly total: number;
  readonly minHealthy: Threshold;
  readonly reannounceHealthy: Threshold;
}

export interface GateInputs {
  readonly services: readonly ServiceHealth[];
  /** The VIP or the whole director is drained by the operator. */
  readonly drained: boolean;
  /** False when the kernel's IPVS table cannot be programmed. */
  readonly ipvsOk: boolean;
}

export type RouteState = 'announce' | 'drain' | 'withdraw';

export interface GateState {
  readonly route: RouteState;
  /** Withdrawals inside the flap window (ms timestamps). */
  readonly withdrawals: readonly number[];
  readonly holdUntil: number;
  readonly drainingSince: number | undefined;
  readonly reason: string;
  /** When `route` last changed. */
  readonly since: number;
}

export function stepGate(
  prev: GateState | undefined,
  inputs: GateInputs,
  now: number,
  params: GateParams = DEFAULT_GATE,
): GateState {
  const was: GateState = prev ?? {
    route: 'withdraw',
    withdrawals: [],
    holdUntil: 0,
    drainingSince: undefined,
    reason: 'starting',
    since: now,
  };
  const withdrawals = was.withdrawals.filter((t) => now - t < params.flapWindowMs);
  const announced = was.route !== 'withdraw';
  const next = (route: RouteState, reason: string, extra: Partial<GateState> = {}): GateState => {
    let w = withdrawals;
    let holdUntil = was.holdUntil;
    if (announced && route === 'withdraw') {
      w = [...withdrawals, now];
      holdUntil = now + Math.min(params.maxHoldDownMs, params.holdDownMs * 2 ** (w.length - 1));
    }
    return {
      route,
      withdrawals: w,
      holdUntil,
      drainingSince: undefined,
      reason,
      since: route === was.route ? was.since : now,
      ...extra,
    };
  };

  if (!inputs.ipvsOk) return next('withdraw', 'IPVS cannot be programmed on this director');
  if (inputs.drained) {
    if (!announced) return next('withdraw', 'drained by the operator');
    const since = was.drainingSince ?? now;
    if (now - since >= params.drainTimeMs) return next('withdraw', 'drained by the operator');
    return next('drain', 'draining: announced with the draining attributes until withdrawal', {
      drainingSince: since,
    });
  }

  const short = (pick: (s: ServiceHealth) => Threshold) =>
    inputs.services.find((s) => s.healthy < needed(pick(s), s.total));
  if (announced) {
    const failing = short((s) => s.minHealthy);
    if (failing)
      return next('withdraw', belowMessage(failing, needed(failing.minHealthy, failing.total)));
    return next('announce', 'healthy');
  }
  const failing = short((s) => s.reannounceHealthy);
  if (failing)
    return next(
      'withdraw',
      belowMessage(failing, needed(failing.reannounceHealthy, failing.total)),
    );
  if (now < was.holdUntil)
    return next(
      'withdraw',
      `held down for ${Math.ceil((was.holdUntil - now) / 1000)} s more after ${withdrawals.length} withdrawal${withdrawals.length === 1 ? '' : 's'} in ${Math.round(params.flapWindowMs / 60_000)} min`,
    );
  return next('announce', 'healthy');
}

function belowMessage(s: ServiceHealth, need: number): string {
  return `${s.name}: ${s.healthy} of ${s.total} real servers healthy, needs ${need}`;
}
