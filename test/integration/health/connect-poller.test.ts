import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ConnectPoller,
  connectPoller,
  connectPollerUnavailable,
  connectTarget,
} from '../../../src/health/probes/connect/poller.js';
import * as lab from '../../lab/targets.js';

afterAll(lab.closeAll);

const ECONNREFUSED = 111;
const EADDRNOTAVAIL = 99;

/** A listener that never accepts: once its queue is full, SYNs are dropped and connects hang. */
function blackholeListener(): { port: number; close: () => void } {
  const koffi = createRequire(import.meta.url)('koffi') as {
    load(n: string): { func(s: string): (...a: unknown[]) => number };
  };
  const libc = koffi.load('libc.so.6');
  const socket = libc.func('int socket(int, int, int)');
  const bind = libc.func('int bind(int, const void *, uint32_t)');
  const listen = libc.func('int listen(int, int)');
  const getsockname = libc.func('int getsockname(int, void *, void *)');
  const close = libc.func('int close(int)');
  const fd = socket(2, 1, 0);
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(2, 0);
  sa.set([127, 0, 0, 1], 4);
  if (bind(fd, sa, 16) < 0 || listen(fd, 0) < 0) throw new Error('cannot set up the test listener');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(16, 0);
  getsockname(fd, sa, len);
  return { port: sa.readUInt16BE(2), close: () => close(fd) };
}

const openFds = () => readdirSync('/proc/self/fd').length;

function poller(): ConnectPoller {
  const p = connectPoller();
  if (!p) throw new Error(`the connect poller is unavailable: ${connectPollerUnavailable()}`);
  return p;
}

function connect(address: string, port: number, source?: string): Promise<number> {
  return new Promise((resolve) => poller().connect(connectTarget(address, port, source), resolve));
}

async function settle(before: number): Promise<void> {
  // In-process test servers close their side as the resets arrive.
  for (let i = 0; i < 100 && openFds() > before; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('connect poller', () => {
  it('is available on this machine (TCP checks do not silently fall back)', () => {
    expect(connectPoller()).toBeDefined();
    expect(connectPollerUnavailable()).toBeUndefined();
  });

  it('connects over IPv4 and IPv6, from a source address, and reports errors by errno', async () => {
    const v4 = await lab.tcpServer('accept');
    const v6 = await lab.tcpServer('accept', '::1');
    expect(await connect('127.0.0.1', v4.port)).toBe(0);
    expect(await connect('::1', v6.port)).toBe(0);
    expect(await connect('127.0.0.1', v4.port, '127.0.0.9')).toBe(0);
    expect(await connect('::1', v6.port, '::1')).toBe(0);
    expect(await connect('127.0.0.1', await lab.closedPort())).toBe(ECONNREFUSED);
    expect(await connect('127.0.0.1', v4.port, '192.0.2.1')).toBe(EADDRNOTAVAIL);
  });

  it('runs a thousand connects at once and leaves no descriptor open', async () => {
    // On 0.0.0.0 the server answers every 127.x.y.z address.
    const srv = await lab.tcpServer('accept', '0.0.0.0');
    const before = openFds();
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => connect(`127.0.3.${(i % 250) + 1}`, srv.port)),
    );
    expect([...new Set(results)]).toEqual([0]);
    expect(poller().size).toBe(0);
    await settle(before);
    expect(openFds()).toBe(before);
  });

  it('closes a hanging connect when cancelled, without calling back', async () => {
    const hole = blackholeListener();
    try {
      // Fill the listener's queue; later connects hang on dropped SYNs.
      const target = connectTarget('127.0.0.1', hole.port);
      const handles: number[] = [];
      for (let i = 0; i < 3; i++) handles.push(poller().connect(target, () => {}));
      await new Promise((r) => setTimeout(r, 50));
      const before = openFds();
      let called = false;
      const handle = poller().connect(target, () => {
        called = true;
      });
      expect(handle).toBeGreaterThanOrEqual(0);
      expect(openFds()).toBe(before + 1);
      await new Promise((r) => setTimeout(r, 100));
      poller().cancel(handle);
      for (const h of handles) poller().cancel(h);
      expect(openFds()).toBeLessThan(before);
      await new Promise((r) => setTimeout(r, 50));
      expect(called).toBe(false);
    } finally {
      hole.close();
    }
  });
});
