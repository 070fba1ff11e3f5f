/**
 * The ICMP echo check against real network stacks: loopback here, and
 * namespaces whose hosts answer, ignore echo requests, or have no route, with
 * the built program's `check icmp` run inside them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HealthEngine, type HealthEvent } from '../../../src/health/engine.js';
import { parseCheckOrThrow } from '../../../src/health/spec.js';
import type { Netns } from '../../lab/netns.js';
import { useNetnsLab } from '../../lab/vitest.js';
import { probeOnce } from './run-probe.js';

const MAIN = join(process.cwd(), 'dist/main.js');
const check = (ns: Netns, ...args: string[]) =>
  ns.run('node', [MAIN, 'check', 'icmp', ...args, '--json'], { allowFailure: true });

describe('icmp check', () => {
  const lab = useNetnsLab();

  it('passes on an echo reply, IPv4 and IPv6, whatever the payload size', async () => {
    const v4 = await probeOnce({ type: 'icmp' });
    expect(v4.ok).toBe(true);
    expect(v4.reason).toMatch(/^echo reply in [\d.]+ ms$/);
    expect(await probeOnce({ type: 'icmp', address: '::1', size: 1400 })).toMatchObject({
      ok: true,
    });
    expect(await probeOnce({ type: 'icmp', source: '127.0.0.1', size: 8 })).toMatchObject({
      ok: true,
    });
  });

  it('matches many requests in flight to their own replies', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        probeOnce({ type: 'icmp', address: i % 2 ? '127.0.0.1' : '::1' }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(200);
  });

  it('fails when the host ignores echo requests, when there is no route, and names why', async () => {
    const ns = await lab().namespace('host');
    await ns.ip('link', 'set', 'lo', 'up');
    const up = await check(ns, '127.0.0.1');
    expect(up.code, up.stderr).toBe(0);
    await ns.sysctl('net.ipv4.icmp_echo_ignore_all', '1');
    const ignored = await check(ns, '127.0.0.1', 'interval=1s', 'timeout=300ms');
    expect(ignored.code).toBe(1);
    expect(JSON.parse(ignored.stdout)).toMatchObject({
      ok: false,
      reason: 'no echo reply within 300 ms',
    });
    const noRoute = await check(ns, '10.9.9.9');
    const unreachable = JSON.parse(noRoute.stdout) as { ok: boolean; reason: string };
    expect(unreachable.ok).toBe(false);
    expect(unreachable.reason).toMatch(/^cannot send: ENETUNREACH/);
  });

  it('refuses a port, and sizes out of range, naming them', () => {
    expect(() => parseCheckOrThrow({ type: 'icmp', address: '127.0.0.1', port: 80 })).toThrow(
      /port: icmp checks have no port/,
    );
    expect(() => parseCheckOrThrow({ type: 'icmp', address: '127.0.0.1', size: 4 })).toThrow(
      /size/,
    );
  });

  it('runs under the engine with rise and fall like any check', async () => {
    const events: HealthEvent[] = [];
    const engine = new HealthEngine({ onEvent: (e) => events.push(e) });
    engine.update([
      [
        'lo',
        parseCheckOrThrow({
          type: 'icmp',
          address: '127.0.0.1',
          interval: '50ms',
          timeout: '40ms',
          rise: 2,
          spread: false,
        }),
      ],
    ]);
    const until = Date.now() + 5000;
    while (!events.some((e) => e.to === 'up') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    await engine.stop();
    const up = events.find((e) => e.to === 'up');
    expect(up?.id).toBe('lo');
    expect(up?.reason).toMatch(/^echo reply/);
  });
});
