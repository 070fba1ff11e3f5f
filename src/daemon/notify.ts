/**
 * Notify hooks (keepalived's notify_up/notify_down and quorum scripts): a
 * program run on a VIP's route change and on a real server's health change,
 * with the event in its environment. Each run has the care of an exec check
 * (src/health/probes/exec.ts): no shell, a clean environment, `nobody` unless
 * told otherwise, a timeout, and whatever it leaves behind killed. Runs never
 * hold up the loop: at most RUNNING at once, the rest queued in order up to
 * QUEUED, beyond which events are dropped and counted. A real server's first
 * verdict (at start, or when it is added) is not an event: a start would run
 * one program per real server.
 */
import type { NotifyHook } from '../config/model.js';
import { ProbeRun } from '../health/probe.js';
import { execProbe } from '../health/probes/exec.js';
import type { Logger } from '../log.js';

const RUNNING = 8;
const QUEUED = 1000;

export type NotifyEvent =
  | {
      kind: 'vip';
      vip: string;
      route: string;
      was: string | undefined;
      reason: string;
      code: string;
    }
  | {
      kind: 'real';
      service: string;
      address: string;
      port: number;
      state: string;
      was: string;
      reason: string;
    };

/** The environment a hook's program gets for an event. */
export function eventEnv(director: string, e: NotifyEvent): Record<string, string> {
  const common = { ANYCASTD_EVENT: e.kind, ANYCASTD_DIRECTOR: director, ANYCASTD_REASON: e.reason };
  if (e.kind === 'vip')
    return {
      ...common,
      ANYCASTD_VIP: e.vip,
      ANYCASTD_ROUTE: e.route,
      ANYCASTD_WAS: e.was ?? '',
      ANYCASTD_CODE: e.code,
    };
  return {
    ...common,
    ANYCASTD_SERVICE: e.service,
    ANYCASTD_REAL_ADDRESS: e.address,
    ANYCASTD_REAL_PORT: String(e.port),
    ANYCASTD_STATE: e.state,
    ANYCASTD_WAS: e.was,
  };
}

export class Notifier {
  private running = 0;
  private readonly queue: { hook: NotifyHook; env: Record<string, string> }[] = [];
  /** Events not run because the queue was full. */
  dropped = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly hooks: readonly NotifyHook[],
    private readonly director: string,
    private readonly log: Logger,
  ) {}

  notify(e: NotifyEvent): void {
    if (e.kind === 'real' && e.was === 'unknown') return;
    for (const hook of this.hooks) {
      if (!hook.on.includes(e.kind)) continue;
      if (this.queue.length >= QUEUED) {
        this.dropped++;
        this.log.warn(
          { event: 'notify_dropped', dropped: this.dropped },
          `notify: ${QUEUED} runs waiting; this event is dropped`,
        );
        continue;
      }
      this.queue.push({ hook, env: eventEnv(this.director, e) });
    }
    this.next();
  }

  /** Resolves once nothing runs and nothing waits (for a clean stop and for tests). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    while (this.running < RUNNING && this.queue.length > 0) {
      const { hook, env } = this.queue.shift() as { hook: NotifyHook; env: Record<string, string> };
      this.running++;
      void this.run(hook, env).finally(() => {
        this.running--;
        this.next();
        if (this.running === 0 && this.queue.length === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private async run(hook: NotifyHook, env: Record<string, string>): Promise<void> {
    const probe = execProbe({
      type: 'exec',
      target: { address: '', port: 0 },
      command: hook.command,
      env: { ...hook.env, ...env },
      user: hook.user,
      group: hook.group,
      dynamicWeight: false,
    });
    const run = new ProbeRun(hook.timeoutMs);
    const timer = setTimeout(() => run.expire(), hook.timeoutMs);
    try {
      const r = await probe.run(run);
      const what = `${hook.command[0] ?? ''} for ${env.ANYCASTD_EVENT} ${env.ANYCASTD_VIP ?? `${env.ANYCASTD_SERVICE} ${env.ANYCASTD_REAL_ADDRESS}`}`;
      if (r.ok)
        this.log.debug({ event: 'notify_ran', command: hook.command[0] }, `notify: ${what}`);
      else
        this.log.warn(
          { event: 'notify_failed', command: hook.command[0], reason: r.reason },
          `notify: ${what}: ${r.reason}`,
        );
    } finally {
      clearTimeout(timer);
      probe.close();
    }
  }
}
