/**
 * Warns when the daemon's one thread was busy long enough to matter: checks
 * that ended during such a stall may have been judged late, and the log
 * should say so next to any real server that flapped at that moment.
 */
import type { Logger } from './log.js';

const EVERY_MS = 250;
/** Lateness of the watch timer worth a warning. */
export const STALL_WARN_MS = 500;

export function watchLoopStalls(log: Logger): () => void {
  let expected = performance.now() + EVERY_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - expected;
    expected = now + EVERY_MS;
    if (late >= STALL_WARN_MS)
      log.warn(
        { event: 'event_loop_stall', ms: Math.round(late) },
        `the daemon's thread was busy for ${Math.round(late)} ms; checks and the API waited`,
      );
  }, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
