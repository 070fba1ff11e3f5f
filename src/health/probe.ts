/**
 * What every probe shares: the result it returns (never an exception), the
 * run handle through which the engine expires it, and the factory shape that
 * lets a probe keep state between runs (a TLS context, a gRPC channel).
 */
import { errnoName } from '../netlink/errno.js';
import type { ProbeSpec } from './spec.js';

/** The outcome of one probe run. */
export interface ProbeResult {
  ok: boolean;
  /** Why, in a few words: `connected`, `status 503`, `ECONNREFUSED`, `timeout after 1s`. */
  reason: string;
  /** A weight reported by the target (exec checks with dynamic weight). */
  weight?: number | undefined;
}

export const pass = (reason: string, weight?: number): ProbeResult =>
  weight === undefined ? { ok: true, reason } : { ok: true, reason, weight };
export const fail = (reason: string): ProbeResult => ({ ok: false, reason });

/**
 * One run of a probe. The engine calls `expire()` when the timeout is reached
 * or the check is removed; the probe must then release what it holds and
 * settle. Callbacks run once, in registration order. Cheaper than an
 * AbortController, which matters at tens of thousands of runs per second.
 */
export class ProbeRun {
  expired = false;
  // Almost every probe registers one callback: a field, not an array per run.
  private first: (() => void) | undefined;
  private more: (() => void)[] | undefined;

  constructor(readonly timeoutMs: number) {}

  /** Registers cleanup for expiry; runs at once if already expired. */
  onExpire(fn: () => void): void {
    if (this.expired) fn();
    else if (this.first === undefined) this.first = fn;
    else (this.more ??= []).push(fn);
  }

  expire(): void {
    if (this.expired) return;
    this.expired = true;
    const first = this.first;
    const more = this.more;
    this.first = undefined;
    this.more = undefined;
    first?.();
    if (more) for (const fn of more) fn();
  }
}

/** A probe bound to one spec; created once, run every interval, closed when removed. */
export interface Probe {
  run(run: ProbeRun): Promise<ProbeResult>;
  close(): void;
}

export type ProbeFactory<S extends ProbeSpec = ProbeSpec> = (spec: S) => Probe;

/** `ECONNREFUSED` and friends as a short reason. */
export function errorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string') return codeReason(e.code);
  return e instanceof Error ? e.message : String(err);
}

/** The same for an errno number, as system calls return it. */
export function errnoReason(errno: number): string {
  return codeReason(errnoName(errno));
}

function codeReason(code: string): string {
  const text = ERRNO_TEXT[code];
  return text ? `${code} (${text})` : code;
}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'source address not available',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'timed out',
};
