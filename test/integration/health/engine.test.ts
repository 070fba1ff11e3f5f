import { eventually } from '../../lab/eventually.js';
import { afterAll, describe, expect, it } from 'vitest';
import { type HealthEvent, HealthEngine } from '../../../src/health/engine.js';
import { parseCheckOrThrow } from '../../../src/health/spec.js';
import * as lab from '../../lab/targets.js';

afterAll(lab.closeAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Handles that a leaking check would leave behind. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (/TCPSocketWrap|UDPWrap|ProcessWrap|PipeWrap|Timeout/.test(r))
      counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  await eventually('the engine to get there', cond, { timeoutMs: ms, everyMs: 10 });
}

describe('health engine against real targets', () => {
  it('follows a flapping server through rise and fall', async () => {
    const srv = await lab.tcpServer('accept');
    const events: HealthEvent[] = [];
    const engine = new HealthEngine({ onEvent: (e) => events.push(e) });
    engine.update([
      [
        'svc/real',
        parseCheckOrThrow({
          type: 'http',
          address: '127.0.0.1',
          port: srv.port,
          interval: '100ms',
          timeout: '50ms',
          rise: 2,
          fall: 2,
        }),
      ],
    ]);
    // A plain TCP acceptor never answers HTTP: the check times out and goes down.
    await waitFor(() => events.length === 1, 2000);
    expect(events[0]).toMatchObject({ from: 'unknown', to: 'down', reason: 'timeout after 50ms' });
    srv.set((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')));
    await waitFor(() => events.length === 2, 2000);
    expect(events[1]).toMatchObject({ from: 'down', to: 'up', reason: 'status 200' });
    srv.set((s) => s.once('data', () => s.end('HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n')));
    await waitFor(() => events.length === 3, 2000);
    expect(events[2]).toMatchObject({ from: 'up', to: 'down', reason: 'status 500' });
    await engine.stop();
  });

  it('detects a dead server within interval × fall + timeout', async () => {
    const srv = await lab.tcpServer('accept');
    const events: { e: HealthEvent; at: number }[] = [];
    const engine = new HealthEngine({ onEvent: (e) => events.push({ e, at: performance.now() }) });
    engine.update([
      [
        'x',
        parseCheckOrThrow({
          type: 'tcp',
          address: '127.0.0.1',
          port: srv.port,
          interval: '200ms',
          timeout: '100ms',
          rise: 1,
          fall: 2,
        }),
      ],
    ]);
    await waitFor(() => events.length === 1, 2000);
    const killed = performance.now();
    await srv.close();
    await waitFor(() => events.length === 2, 2000);
    const detection = (events[1]?.at ?? 0) - killed;
    expect(events[1]?.e).toMatchObject({ to: 'down', reason: 'ECONNREFUSED (connection refused)' });
    // The bound the benchmark measures at scale; a generous margin for a shared CI machine.
    expect(detection).toBeLessThan(200 * 2 + 100 + 100);
    await engine.stop();
  });

  it('leaves no sockets, timers or processes behind after removing checks and stopping', async () => {
    const tcp = await lab.tcpServer('accept');
    const slow = await lab.httpServer((_q, res) => setTimeout(() => res.end(), 5000));
    const mute = await lab.udpServer(() => undefined);
    const before = resources();
    const engine = new HealthEngine({ onEvent: () => {} });
    const checks = (n: number) =>
      Array.from({ length: n }, (_, i) => {
        const kind = i % 4;
        const input =
          kind === 0
            ? { type: 'tcp', port: tcp.port }
            : kind === 1
              ? { type: 'http', port: slow.port }
              : kind === 2
                ? { type: 'udp', port: mute.port, send: 'x' }
                : { type: 'exec', command: ['/bin/sleep', '5'] };
        return [
          `c${i}`,
          parseCheckOrThrow({
            ...input,
            address: `127.0.0.${1 + (i % 200)}`,
            interval: '300ms',
            timeout: '250ms',
          }),
        ] as const;
      });
    engine.update(checks(80));
    await sleep(700);
    expect(engine.runningCount).toBeGreaterThan(0);
    engine.update(checks(20));
    expect(engine.probeCount).toBe(20);
    await sleep(400);
    await engine.stop();
    await sleep(100);
    const after = resources();
    // Nothing new; handles of the test's own servers may have ended meanwhile.
    for (const [kind, n] of Object.entries(after))
      expect({ kind, n }).toEqual({ kind, n: Math.min(n, before[kind] ?? 0) });
  });
});
