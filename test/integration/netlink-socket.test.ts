import { describe, expect, it } from 'vitest';
import { GENL_ID_CTRL, NLM_F_REQUEST } from '../../src/netlink/constants.js';
import { GenlSocket, NetlinkError } from '../../src/netlink/socket.js';
import { MessageWriter } from '../../src/netlink/writer.js';
import { SyncGenlSocket } from '../../src/netlink/sync-socket.js';
import { encodeGetFamily } from '../../src/ipvs/codec/encode.js';

/**
 * The request layer against the host kernel's generic netlink controller,
 * which every Linux kernel has (IPVS or not).
 */
describe('generic netlink request layer', () => {
  it('resolves a family that exists and reports ENOENT for one that does not', async () => {
    const socket = new GenlSocket({ timeoutMs: 2000 });
    try {
      const w = new MessageWriter();
      encodeGetFamily(w, 'nlctrl');
      const reply = await socket.request(w);
      expect(reply.header.type).toBe(GENL_ID_CTRL);
      const missing = new MessageWriter();
      encodeGetFamily(missing, 'no-such-family');
      const error = await socket.request(missing).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetlinkError);
      expect((error as NetlinkError).errno).toBe(2);
    } finally {
      socket.close();
    }
  });

  it('gives up after its deadline when the kernel never answers', async () => {
    const socket = new GenlSocket({ timeoutMs: 200 });
    try {
      // Without NLM_F_REQUEST the kernel ignores the message: no reply will come.
      const w = new MessageWriter();
      encodeGetFamily(w, 'nlctrl');
      const buf = w.view();
      buf.writeUInt16LE(buf.readUInt16LE(6) & ~NLM_F_REQUEST, 6);
      const started = performance.now();
      const error = await socket.request(w).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect((error as NetlinkError).errno).toBe(110);
      expect((error as Error).message).toBe('no reply from the kernel within 200 ms');
      expect(elapsed).toBeGreaterThanOrEqual(140);
      // The socket stays usable afterwards.
      const ok = new MessageWriter();
      encodeGetFamily(ok, 'nlctrl');
      await expect(socket.request(ok)).resolves.toBeDefined();
    } finally {
      socket.close();
    }
  });

  it('rejects a request in progress and every later one once closed', async () => {
    const socket = new GenlSocket({ timeoutMs: 5000 });
    const w = new MessageWriter();
    encodeGetFamily(w, 'nlctrl');
    const buf = w.view();
    buf.writeUInt16LE(buf.readUInt16LE(6) & ~NLM_F_REQUEST, 6);
    const pending = socket.request(w);
    socket.close();
    await expect(pending).rejects.toMatchObject({ errno: 125 });
    const later = new MessageWriter();
    encodeGetFamily(later, 'nlctrl');
    await expect(socket.request(later)).rejects.toMatchObject({ errno: 125 });
  });

  it('answers a batch of many failing messages with one result each, losing none', async () => {
    const socket = new GenlSocket({ timeoutMs: 2000 });
    try {
      // Batches carry changes, which answer with an error or nothing; every
      // one of these fails, so every one produces a reply to account for.
      const w = new MessageWriter();
      for (let i = 0; i < 3000; i++) encodeGetFamily(w, `missing-${i}`);
      const errnos = await socket.batch(w);
      expect(errnos).toHaveLength(3000);
      expect(errnos.every((e) => e === 2)).toBe(true);
      expect(socket.counters.messages).toBe(3000);
      expect(socket.counters.sendmsg).toBeLessThan(100);
    } finally {
      socket.close();
    }
  });
});

describe('synchronous path for a batch of one', () => {
  /** Whether `p` settles within a few microtasks, that is without waiting for any I/O. */
  async function settlesWithoutIo(p: Promise<unknown>): Promise<boolean> {
    let settled = false;
    void p.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 5; i++) await Promise.resolve();
    return settled;
  }

  it('answers a single message before any I/O turn, with the kernel’s errno', async () => {
    const socket = new GenlSocket({ timeoutMs: 2000 });
    try {
      const missing = new MessageWriter();
      encodeGetFamily(missing, 'no-such-family');
      const p = socket.batch(missing);
      expect(await settlesWithoutIo(p)).toBe(true);
      expect(await p).toEqual([2]);
      // A request answered by a message and then the ack: the message is passed over.
      const found = new MessageWriter();
      encodeGetFamily(found, 'nlctrl');
      expect(await socket.batch(found)).toEqual([0]);
      expect(socket.counters).toEqual({ sendmsg: 2, messages: 2 });
    } finally {
      socket.close();
    }
  });

  it('goes through the event loop when turned off', async () => {
    const socket = new GenlSocket({ timeoutMs: 2000, synchronousSingles: false });
    try {
      const missing = new MessageWriter();
      encodeGetFamily(missing, 'no-such-family');
      const p = socket.batch(missing);
      expect(await settlesWithoutIo(p)).toBe(false);
      expect(await p).toEqual([2]);
    } finally {
      socket.close();
    }
  });

  it('queues behind an operation in progress instead of overtaking it', async () => {
    const socket = new GenlSocket({ timeoutMs: 2000 });
    try {
      const many = new MessageWriter();
      for (let i = 0; i < 2000; i++) encodeGetFamily(many, `missing-${i}`);
      const one = new MessageWriter();
      encodeGetFamily(one, 'no-such-family');
      const order: string[] = [];
      const first = socket.batch(many).then((r) => order.push(`many:${r.length}`));
      const second = socket.batch(one).then((r) => order.push(`one:${r.join()}`));
      await Promise.all([first, second]);
      expect(order).toEqual(['many:2000', 'one:2']);
      // Once idle again, a single message is synchronous again.
      const again = new MessageWriter();
      encodeGetFamily(again, 'no-such-family');
      expect(await settlesWithoutIo(socket.batch(again))).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('gives up at its deadline when no ack comes, and stays usable', async () => {
    const socket = new GenlSocket({ timeoutMs: 200 });
    try {
      // A message whose header claims more bytes than were sent is dropped without an ack.
      const w = new MessageWriter();
      encodeGetFamily(w, 'nlctrl');
      const buf = w.view();
      buf.writeUInt32LE(buf.length + 64, 0);
      const started = performance.now();
      expect(await socket.batch(w)).toEqual([110]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      const ok = new MessageWriter();
      encodeGetFamily(ok, 'no-such-family');
      expect(await socket.batch(ok)).toEqual([2]);
    } finally {
      socket.close();
    }
  });

  it('sends a message that starts inside a larger buffer (a pooled Buffer)', () => {
    const sync = SyncGenlSocket.open();
    expect(sync).toBeDefined();
    try {
      const w = new MessageWriter();
      encodeGetFamily(w, 'no-such-family');
      const message = w.view();
      const pool = Buffer.alloc(message.length + 100, 0xff);
      message.copy(pool, 100);
      // Sequence 0, as the writer leaves it: the ack must carry the kernel's ENOENT.
      expect(sync?.ack(pool.subarray(100), 0, 1000)).toBe(2);
    } finally {
      sync?.close();
    }
  });

  it('refuses a single message once closed', async () => {
    const socket = new GenlSocket({ timeoutMs: 2000 });
    socket.close();
    const w = new MessageWriter();
    encodeGetFamily(w, 'no-such-family');
    await expect(socket.batch(w)).rejects.toMatchObject({ errno: 125 });
  });
});
