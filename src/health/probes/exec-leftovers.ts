/**
 * What exec checks leave behind. A check runs in a session of its own, and
 * every run carries a marker in its environment; this process is a child
 * subreaper, so anything the program started and orphaned (including a child
 * that called setsid to leave the process group) comes back to us. Once a run
 * is over, its adopted processes are killed and reaped: those with its marker,
 * those still in its session, and the descendants of those (which inherit
 * both). A process that leaves the session and clears its environment cannot
 * be told from anyone else's and is left alone.
 */
import {
  type ChildInfo,
  becomeSubreaper,
  childInfo,
  childPids,
  reap,
} from '../../proc/subreaper.js';

/** The environment variable that ties a process to the check run it came from. */
export const RUN_MARKER = 'ANYCASTD_CHECK_RUN';

/** How long after its end a run's session and marker still identify its leftovers. */
const REMEMBER_MS = 60_000;
/** How long one sweep keeps at killed processes that have not died yet. */
const SWEEP_MS = 30_000;
/** A sweep that found nothing looks once more after this: members of the killed group may still be exiting. */
const SETTLE_MS = 50;

interface Run {
  id: string;
  running: boolean;
  endedAt: number;
}

const runs = new Map<string, Run>();
const sessions = new Map<number, Run>();
/** Programs libuv is waiting for: never reaped here. */
const programs = new Set<number>();
/** Leftovers killed and not yet reaped. */
const killed = new Map<number, Run>();
let counter = 0;

export type Action = 'leave' | 'kill' | 'reap' | 'wait';

/** What to do with one adopted child; pure, so the rules are tested on their own. */
export function classify(
  child: ChildInfo,
  run: Pick<Run, 'running'> | undefined,
  wasKilled: boolean,
  isProgram: boolean,
): Action {
  if (isProgram) return 'leave';
  if (wasKilled) return child.state === 'Z' || child.state === 'X' ? 'reap' : 'wait';
  if (!run) return 'leave';
  if (child.state === 'Z' || child.state === 'X') return 'reap';
  return run.running ? 'leave' : 'kill';
}

function runOf(child: ChildInfo): Run | undefined {
  const prefix = `${RUN_MARKER}=`;
  const entry = child.environ.find((e) => e.startsWith(prefix));
  return (entry && runs.get(entry.slice(prefix.length))) || sessions.get(child.session);
}

/** One check run's leftovers, from its start to its end. */
export interface RunLease {
  /** The environment entry the program gets. */
  env: Record<string, string>;
  /** The program was spawned as `pid`, leading a session of that number. */
  spawned(pid: number): void;
  /** libuv has reaped the program. */
  exited(pid: number): void;
  /** The run is over: whatever it left behind goes. */
  end(): void;
}

/** Starts tracking one run; the first call makes this process a subreaper. */
export function beginRun(): RunLease {
  becomeSubreaper();
  const run: Run = { id: `${process.pid}-${++counter}`, running: true, endedAt: 0 };
  runs.set(run.id, run);
  return {
    env: { [RUN_MARKER]: run.id },
    spawned(pid) {
      programs.add(pid);
      sessions.set(pid, run);
    },
    exited(pid) {
      programs.delete(pid);
      if (!run.running) sweepSoon();
    },
    end() {
      if (!run.running) return;
      run.running = false;
      run.endedAt = performance.now();
      sweepSoon();
    },
  };
}

/** One pass over our children; returns how many still need attention. */
function sweepOnce(): number {
  let pending = 0;
  for (const pid of childPids()) {
    const child = childInfo(pid);
    if (!child) continue;
    const owner = runOf(child);
    const action = classify(child, owner, killed.has(pid), programs.has(pid));
    if (action === 'leave') continue;
    if (action === 'reap') {
      if (reap(pid)) killed.delete(pid);
      else pending++;
      continue;
    }
    pending++;
    if (action === 'kill' && owner) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
      killed.set(pid, owner);
      // A session leader's descendants carry its session number.
      if (child.session === pid) sessions.set(pid, owner);
    }
  }
  // Killed processes no longer among our children were reaped by someone else.
  for (const pid of killed.keys()) if (!childInfo(pid)) killed.delete(pid);
  return pending + killed.size;
}

function forget(now: number): void {
  for (const [id, run] of runs) {
    if (run.running || now - run.endedAt < REMEMBER_MS) continue;
    runs.delete(id);
    for (const [sid, owner] of sessions) if (owner === run) sessions.delete(sid);
  }
}

let sweeping = false;
let again = false;

/** Sweeps until a pass finds nothing twice in a row, SETTLE_MS apart. */
export function sweepSoon(): void {
  if (sweeping) {
    again = true;
    return;
  }
  sweeping = true;
  const deadline = performance.now() + SWEEP_MS;
  let quiet = 0;
  let delay = 0;
  const pass = () => {
    again = false;
    const pending = sweepOnce();
    quiet = pending > 0 || again ? 0 : quiet + 1;
    delay = pending > 0 ? Math.min(Math.max(delay * 2, 5), 1_000) : SETTLE_MS;
    if (quiet < 2 && performance.now() < deadline) {
      setTimeout(pass, delay);
      return;
    }
    sweeping = false;
    forget(performance.now());
  };
  setTimeout(pass, 0);
}

/** Resolves once no sweep is under way (for tests and orderly exits). */
export async function sweepsDone(): Promise<void> {
  while (sweeping) await new Promise((r) => setTimeout(r, SETTLE_MS));
}
