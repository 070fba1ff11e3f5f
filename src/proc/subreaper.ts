/**
 * This process as a child subreaper (prctl PR_SET_CHILD_SUBREAPER): a
 * descendant whose parent dies is handed to us instead of to PID 1, so
 * something an exec check started and detached (setsid, double fork) can
 * still be found and killed once the check is over. Adopted processes are
 * ours to reap too: libuv waits only for the children it spawned, so an
 * adopted zombie is reaped here by its pid, never with waitpid(-1), which
 * would take exits libuv is waiting for.
 */
import { readFileSync } from 'node:fs';
import { type LibcFn, libc } from '../libc.js';

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

let bound: { prctl: LibcFn; waitpid: LibcFn } | undefined | null;

function bindings(): { prctl: LibcFn; waitpid: LibcFn } | null {
  if (bound === undefined) {
    try {
      const c = libc();
      bound = {
        // prctl is variadic; its unsigned long arguments pass in the same registers.
        prctl: c.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)'),
        waitpid: c.func('int waitpid(int, void *, int)'),
      };
    } catch {
      bound = null;
    }
  }
  return bound;
}

let subreaper: boolean | undefined;

/** Makes this process a subreaper, once; false where that cannot be done. */
export function becomeSubreaper(): boolean {
  if (subreaper === undefined) {
    const b = bindings();
    subreaper = b !== null && b.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
  }
  return subreaper;
}

/** What /proc says of one of our children. */
export interface ChildInfo {
  pid: number;
  /** The state letter: R, S, D, Z, … */
  state: string;
  session: number;
  /** Its environment (empty for a zombie, whose memory is gone). */
  environ: string[];
}

/**
 * This process's children as the kernel lists them. Adopted processes go to
 * the leader thread while it lives, so its list is the one to read.
 */
export function childPids(): number[] {
  try {
    const text = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8');
    return text.split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** State, session and environment of `pid`, or undefined once it is gone. */
export function childInfo(pid: number): ChildInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let environ: string[] = [];
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    } catch {
      // Exited between the two reads, or not readable: no environment to go by.
    }
    return { pid, state: fields[0] ?? '?', session: Number(fields[3]), environ };
  } catch {
    return undefined;
  }
}

/** Reaps `pid` if it has exited: true once it is gone for good. */
export function reap(pid: number): boolean {
  const b = bindings();
  if (b === null) return false;
  const r = b.waitpid(pid, null, WNOHANG);
  // -1 is ECHILD: not (or no longer) our child, so nothing is left to reap.
  return r === pid || r === -1;
}
