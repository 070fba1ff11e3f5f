/**
 * Runs a synchronous function with the calling thread inside another network
 * namespace, then returns it home. Sockets created meanwhile stay bound to
 * that namespace, which is how one process can drive IPVS in several (the
 * netlink package itself has no namespace support).
 *
 * setns(2) is called through koffi (prebuilt FFI, no compiler needed). It
 * changes only the calling thread; the function must not await, so no other
 * JavaScript runs while the thread is away.
 */
import { closeSync, openSync } from 'node:fs';
import { libc as sharedLibc } from '../libc.js';
import { errnoName } from './errno.js';

const CLONE_NEWNET = 0x40000000;

type SetNs = (fd: number, nstype: number) => number;

let setnsFn: { setns: SetNs; errno: () => number } | undefined;

function libc(): { setns: SetNs; errno: () => number } {
  // Loaded on first use: most processes never leave their namespace.
  if (!setnsFn) {
    const lib = sharedLibc();
    setnsFn = { setns: lib.func('int setns(int fd, int nstype)'), errno: lib.errno };
  }
  return setnsFn;
}

/** Path of a named namespace (`ip netns add NAME`), or the path itself. */
export function netnsPath(nameOrPath: string): string {
  return nameOrPath.includes('/') ? nameOrPath : `/run/netns/${nameOrPath}`;
}

export class NetnsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetnsError';
  }
}

export function inNetns<T>(nameOrPath: string, fn: () => T): T {
  const path = netnsPath(nameOrPath);
  let target: number;
  try {
    target = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new NetnsError(`network namespace ${nameOrPath}: cannot open ${path} (${code})`);
  }
  const home = openSync('/proc/thread-self/ns/net', 'r');
  const { setns, errno } = libc();
  try {
    if (setns(target, CLONE_NEWNET) !== 0) {
      throw new NetnsError(`network namespace ${nameOrPath}: setns failed (${errnoName(errno())})`);
    }
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: fn() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (setns(home, CLONE_NEWNET) !== 0) {
      // Staying in the wrong namespace would silently misdirect every later socket.
      throw new NetnsError(
        `cannot return to the original network namespace (${errnoName(errno())})`,
      );
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  } finally {
    closeSync(target);
    closeSync(home);
  }
}
