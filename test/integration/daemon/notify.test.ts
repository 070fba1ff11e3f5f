/**
 * Notify hooks run real programs with the event in their environment, as
 * exec checks run: no shell, a clean environment, a timeout; first verdicts
 * are not events, and a failing hook is logged.
 */
import { mkdtempSync, readFileSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NotifyHook } from '../../../src/config/model.js';
import { Notifier } from '../../../src/daemon/notify.js';
import { createLogger } from '../../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'acd-notify-'));
const script = join(dir, 'hook.sh');
writeFileSync(
  script,
  '#!/bin/sh\nprintf "%s %s %s %s %s|%s\\n" "$ANYCASTD_EVENT" "$ANYCASTD_DIRECTOR" "${ANYCASTD_VIP:-$ANYCASTD_REAL_ADDRESS}" "${ANYCASTD_ROUTE:-$ANYCASTD_STATE}" "$ANYCASTD_WAS" "$SECRET$ANYCASTD_REASON" >> "$OUT"\n',
);
chmodSync(script, 0o755);

const hook = (over: Partial<NotifyHook> = {}): NotifyHook => ({
  command: [script],
  on: ['vip', 'real'],
  user: 'root',
  timeoutMs: 5000,
  env: { OUT: join(dir, 'out') },
  ...over,
});

describe('notify hooks', () => {
  it('run with the event in the environment and nothing of the daemon', async () => {
    process.env.SECRET = 'leaked:';
    const n = new Notifier([hook()], 'lb1', createLogger({ level: 'silent' }));
    n.notify({
      kind: 'vip',
      vip: '198.51.100.10',
      route: 'announce',
      was: 'withdraw',
      reason: 'healthy',
      code: 'healthy',
    });
    n.notify({
      kind: 'real',
      service: 'web',
      address: '10.1.0.2',
      port: 80,
      state: 'down',
      was: 'up',
      reason: 'timeout after 1s',
    });
    // A first verdict is not an event.
    n.notify({
      kind: 'real',
      service: 'web',
      address: '10.1.0.3',
      port: 80,
      state: 'up',
      was: 'unknown',
      reason: 'connected',
    });
    await n.idle();
    delete process.env.SECRET;
    const lines = readFileSync(join(dir, 'out'), 'utf8').trim().split('\n').sort();
    expect(lines).toEqual([
      'real lb1 10.1.0.2 down up|timeout after 1s',
      'vip lb1 198.51.100.10 announce withdraw|healthy',
    ]);
  });

  it('only for the events asked; a failing or slow hook is logged, not waited for', async () => {
    const out = join(dir, 'vip-only');
    const logged: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: { write: (l: string) => void logged.push(l) },
    });
    const n = new Notifier(
      [
        hook({ on: ['vip'], env: { OUT: out } }),
        hook({ command: ['/bin/sh', '-c', 'exit 3'] }),
        hook({ command: ['/bin/sleep', '30'], timeoutMs: 200 }),
      ],
      'lb1',
      log,
    );
    const started = performance.now();
    n.notify({
      kind: 'real',
      service: 'web',
      address: '10.1.0.2',
      port: 80,
      state: 'up',
      was: 'down',
      reason: 'ok',
    });
    await n.idle();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(existsSync(out)).toBe(false);
    const failed = logged
      .map((l) => JSON.parse(l) as { event?: string; reason?: string })
      .filter((l) => l.event === 'notify_failed');
    expect(failed.map((f) => f.reason).sort()).toEqual(['exit 3', 'timeout after 200ms, killed']);
  });
});
