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

/**
 * Operator drains (`anycastd drain`): the director, VIPs (route withdrawn),
 * services by name and real servers by address (weight 0).
 */
export interface Drains {
  readonly director: boolean;
  readonly vips: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
  readonly reals: ReadonlySet<string>;
}

export const NO_DRAINS: Drains = {
  director: false,
  vips: new Set(),
  services: new Set(),
  reals: new Set(),
};

/** A real server of a service that the operator drained, directly or through its service. */
export function realDrained(drains: Drains, vs: VirtualService, real: RealServer): boolean {
  return drains.reals.has(real.address) || drains.services.has(vs.name);
}
