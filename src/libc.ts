/**
 * libc through koffi (prebuilt FFI, no compiler needed), loaded once per
 * process for every module that makes system calls Node does not offer:
 * setns, raw netlink, plain TCP connects, ICMP echo.
 */
import { createRequire } from 'node:module';

/** A libc function as koffi binds it. */
export type LibcFn = (...args: unknown[]) => number;

export interface Libc {
  /** Binds a function from its C prototype, e.g. `int close(int)`. */
  func: (prototype: string) => LibcFn;
  /** errno as the last call through koffi left it. */
  errno: () => number;
}

let loaded: Libc | undefined;

/** Loads koffi and libc on first use; throws when either cannot be loaded. */
export function libc(): Libc {
  if (!loaded) {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(name: string): { func(prototype: string): LibcFn };
      errno(): number;
    };
    const lib = koffi.load('libc.so.6');
    loaded = { func: (prototype) => lib.func(prototype), errno: () => koffi.errno() };
  }
  return loaded;
}
