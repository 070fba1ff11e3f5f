/**
 * The announce gate, pure: per VIP, whether to announce it, announce it with
 * the draining attributes, or withdraw it, and always why. Withdrawal is
 * immediate: a VIP whose services fall below their healthy threshold must
 * stop attracting traffic now. Announcing again needs the (higher or equal)
 * re-announce threshold and the end of a hold-down that doubles with each
 * withdrawal inside the flap window, so a flapping VIP settles down instead
 * of churning every router's table.
 *
 * The fleet guard (with bgp.fleet and the VIP's fail_open) changes one thing:
 * a VIP that fails its threshold stays announced (or is announced again),
 * marked fail-open, while no other director announces it healthy, and is
 * withdrawn once one does. Going
 * from healthy to failing it stays fail-open for the settle time first, so
 * that directors failing together see each other's marks instead of all
 * withdrawing on a view that is a moment old.
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
  /** Fail-open before a failing VIP may be withdrawn (the fleet guard). */
  settleMs: number;
}

export const DEFAULT_GATE: GateParams = {
  holdDownMs: 2000,
  maxHoldDownMs: 60_000,
  flapWindowMs: 300_000,
  drainTimeMs: 0,
  settleMs: 1000,
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
  /** The fleet guard's view of this VIP; absent when there is none (no bgp.fleet, no session up). */
  readonly fleet?: FleetInputs | undefined;
}

export interface FleetInputs {
  /** The VIP's announce.fail_open. */
  readonly failOpen: boolean;
  /** Other directors announcing it normally. */
  readonly healthyOthers: number;
  /** Other directors announcing it at all (fail-open and draining included). */
  readonly anyOthers: number;
}

export type RouteState = 'announce' | 'drain' | 'fail-open' | 'withdraw';

/**
 * Why, as a stable code beside the sentence: for scripts, tests and metrics,
 * which must not depend on the wording.
 */
export type GateCode =
  | 'starting'
  | 'healthy'
  | 'ipvs-unavailable'
  | 'drained'
  | 'draining'
  | 'below-min-healthy'
  | 'below-reannounce-healthy'
  | 'fail-open'
  | 'fail-open-settling'
  | 'held-down';

export interface GateState {
  readonly route: RouteState;
  /** Withdrawals inside the flap window (ms timestamps). */
  readonly withdrawals: readonly number[];
  readonly holdUntil: number;
  readonly drainingSince: number | undefined;
  /** When the VIP went fail-open (kept while it stays so). */
  readonly failOpenSince?: number | undefined;
  readonly reason: string;
  readonly code: GateCode;
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
    code: 'starting',
    since: now,
  };
  const withdrawals = was.withdrawals.filter((t) => now - t < params.flapWindowMs);
  const announced = was.route !== 'withdraw';
  const next = (
    route: RouteState,
    code: GateCode,
    reason: string,
    extra: Partial<GateState> = {},
  ): GateState => {
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
      failOpenSince: undefined,
      reason,
      code,
      since: route === was.route ? was.since : now,
      ...extra,
    };
  };

  if (!inputs.ipvsOk)
    return next('withdraw', 'ipvs-unavailable', 'IPVS cannot be programmed on this director');
  if (inputs.drained) {
    if (!announced) return next('withdraw', 'drained', 'drained by the operator');
    const since = was.drainingSince ?? now;
    if (now - since >= params.drainTimeMs)
      return next('withdraw', 'drained', 'drained by the operator');
    return next(
      'drain',
      'draining',
      'draining: announced with the draining attributes until withdrawal',
      {
        drainingSince: since,
      },
    );
  }

  const short = (pick: (s: ServiceHealth) => Threshold) =>
    inputs.services.find((s) => s.healthy < needed(pick(s), s.total));
  const guard = inputs.fleet?.failOpen ? inputs.fleet : undefined;
  const others = (n: number) =>
    n === 1 ? '1 other director announces' : `${n} other directors announce`;
  if (announced) {
    const failing = short((s) => s.minHealthy);
    if (!failing) return next('announce', 'healthy', 'healthy');
    const why = belowMessage(failing, needed(failing.minHealthy, failing.total));
    if (guard) {
      const since = was.route === 'fail-open' ? (was.failOpenSince ?? now) : now;
      if (guard.healthyOthers === 0)
        return next(
          'fail-open',
          'fail-open',
          `${why}; fail-open: no other director announces it healthy`,
          {
            failOpenSince: since,
          },
        );
      if (now - since < params.settleMs)
        return next(
          'fail-open',
          'fail-open-settling',
          `${why}; ${others(guard.healthyOthers)} it healthy: withdrawing once that holds for ${params.settleMs} ms`,
          { failOpenSince: since },
        );
      return next(
        'withdraw',
        'below-min-healthy',
        `${why}; ${others(guard.healthyOthers)} it healthy`,
      );
    }
    return next('withdraw', 'below-min-healthy', why);
  }
  const failing = short((s) => s.reannounceHealthy);
  if (failing) {
    const why = belowMessage(failing, needed(failing.reannounceHealthy, failing.total));
    // Back fail-open when the others are all failing too: the fleet then shares the
    // traffic instead of leaving it all to whichever director failed last.
    if (guard && guard.healthyOthers === 0)
      return next(
        'fail-open',
        'fail-open',
        `${why}; fail-open: no other director announces it healthy (${others(guard.anyOthers)} it fail-open)`,
        { failOpenSince: now },
      );
    if (guard)
      return next(
        'withdraw',
        'below-reannounce-healthy',
        `${why}; ${others(guard.healthyOthers)} it healthy`,
      );
    return next('withdraw', 'below-reannounce-healthy', why);
  }
  if (now < was.holdUntil)
    return next(
      'withdraw',
      'held-down',
      `held down for ${Math.ceil((was.holdUntil - now) / 1000)} s more after ${withdrawals.length} withdrawal${withdrawals.length === 1 ? '' : 's'} in ${Math.round(params.flapWindowMs / 60_000)} min`,
    );
  return next('announce', 'healthy', 'healthy');
}

function belowMessage(s: ServiceHealth, need: number): string {
  return `${s.name}: ${s.healthy} of ${s.total} real servers healthy, needs ${need}`;
}
