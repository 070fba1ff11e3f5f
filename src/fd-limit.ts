/**
 * The process's open-file limit (RLIMIT_NOFILE). The daemon needs its soft
 * limit at the hard one: a service manager's default soft limit (1024) is far
 * below what thousands of health checks need. Node raises it at start-up
 * where it can; this makes sure of it (setrlimit(2), unprivileged) and reads
 * the result, which sizes the checks' share of descriptors. Node has no call
 * for either, so it goes through libc.
 */
import { libc } from './libc.js';

const RLIMIT_NOFILE = 7;

export interface FdLimit {
  soft: number;
  hard: number;
  /** The soft limit before it was raised. */
  was: number;
}

/**
 * Raises the soft limit to the hard limit and returns both. Where libc
 * cannot be reached, returns undefined and the limit stays as it is.
 */
export function raiseFdLimit(): FdLimit | undefined {
  let c: ReturnType<typeof libc>;
  try {
    c = libc();
  } catch {
    return undefined;
  }
  const get = c.func('int getrlimit(int, void *)');
  const set = c.func('int setrlimit(int, const void *)');
  const buf = Buffer.alloc(16);
  if (get(RLIMIT_NOFILE, buf) !== 0) return undefined;
  const was = Number(buf.readBigUInt64LE(0));
  const hard = Number(buf.readBigUInt64LE(8));
  if (was >= hard) return { soft: was, hard, was };
  buf.writeBigUInt64LE(BigInt(hard), 0);
  if (set(RLIMIT_NOFILE, buf) !== 0) return { soft: was, hard, was };
  return { soft: hard, hard, was };
}

/** Descriptors the checks may use: the limit less room for everything else the daemon opens. */
export function checkDescriptorBudget(soft: number): number {
  // The API's clients, netlink sockets, the gRPC channel to GoBGP, gobgpd's pipes, logs.
  const reserve = 256 + Math.floor(soft / 10);
  return Math.max(16, soft - reserve);
}
