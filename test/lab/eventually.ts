/**
 * The one wait of the test tiers: ask `ok` until it holds, every `everyMs`,
 * for at most `timeoutMs`; then fail naming what was awaited, with whatever
 * `explain` can tell (a log tail, the kernel's table). `stop` ends the wait
 * early with its message (a process that exited). Bounds come from the
 * caller's timers with slack: the machine may be busy.
 */
export interface EventuallyOptions {
  timeoutMs: number;
  everyMs?: number;
  /** Said when the time is up. */
  explain?: () => string | Promise<string>;
  /** A reason to stop waiting at once, or undefined to go on. */
  stop?: () => string | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with how long it took (ms). */
export async function eventually(
  what: string,
  ok: () => boolean | Promise<boolean>,
  options: EventuallyOptions,
): Promise<number> {
  const started = performance.now();
  const every = options.everyMs ?? 100;
  while (!(await ok())) {
    const stopped = options.stop?.();
    if (stopped !== undefined) throw new Error(`${stopped} (waiting for ${what})`);
    if (performance.now() - started > options.timeoutMs) {
      const more = options.explain ? `\n${await options.explain()}` : '';
      throw new Error(`${what}: not within ${options.timeoutMs} ms${more}`);
    }
    await sleep(every);
  }
  return performance.now() - started;
}
