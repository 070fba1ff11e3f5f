/**
 * What the daemon knows about each real server's health and the operator's
 * drains, keyed the same way everywhere: `<service name> <address>:<port>`.
 */
import type { RealServer, VirtualService } from '../config/model.js';

export type RealState = 'up' | 'down' | 'unknown';

export interface RealHealth {
  readonly state: RealState;
  /** A weight the check itself set (exec checks with dynamic weight). */
  readonly weight?: number | undefined;
  readonly reason?: string | undefined;
  /** ISO time of the last change. */
  readonly since?: string | undefined;
}

export function realKey(vs: VirtualService, real: RealServer): string {
  return `${vs.name} ${real.family === 'ipv6' ? `[${real.address}]` : real.address}:${real.port}`;
}

/** Operator drains (`anycastd drain`): the director, VIPs, real servers by address. */
export interface Drains {
  readonly director: boolean;
  readonly vips: ReadonlySet<string>;
  readonly reals: ReadonlySet<string>;
}

export const NO_DRAINS: Drains = { director: false, vips: new Set(), reals: new Set() };
