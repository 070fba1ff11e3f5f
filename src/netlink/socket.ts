/**
 * Request layer for generic netlink on the `netlink` package's raw socket.
 *
 * The package's native socket aborts the process when a listener throws or a
 * reply overflows the receive buffer with no handler, and it has no timeouts.
 * So this layer:
 * - runs one operation at a time (dumps are never concurrent, and nothing
 *   else is in flight during one);
 * - sends batches as chunks of many messages per sendmsg, with NLM_F_ACK on
 *   each chunk's last message only: the kernel handles a chunk in order and
 *   reports every failure anyway, so that one ack marks the chunk done;
 * - bounds the replies that can be outstanding by the receive buffer size;
 * - puts a deadline on every operation, reset whenever a reply arrives;
 * - catches everything in its listeners and turns it into a rejected
 *   operation, never an exception in native code.
 */
// The raw socket module only: the package index also loads generated
// nl80211 and rtnetlink code this project never uses (about a second of
// start-up in the kernel lab).
import { RawNetlinkSocket } from 'netlink/dist/raw.js';
import { errnoOf } from './errno.js';
import {
  NETLINK_GENERIC,
  NLM_F_ACK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_DUMP_INTR,
} from './constants.js';
import { inNetns } from './netns.js';
import { forEachMessage, type MessageHeader } from './reader.js';
import { SyncGenlSocket } from './sync-socket.js';
import type { MessageWriter } from './writer.js';

/** A failure of the socket or of the kernel, with a positive errno. */
export class NetlinkError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'NetlinkError';
  }
}

export interface GenlSocketOptions {
  /** Netlink protocol: generic netlink (default) or NETLINK_ROUTE for rtnetlink. */
  protocol?: number | undefined;
  /** Network namespace name or path to open the socket in. */
  netns?: string | undefined;
  /** Deadline of an operation without any reply, in ms (default 10 000). */
  timeoutMs?: number | undefined;
  /** SO_RCVBUF to ask for; the kernel caps it at net.core.rmem_max (default 4 MiB). */
  receiveBufferBytes?: number | undefined;
  /** Largest chunk of a batch in one sendmsg, in bytes (default 60 KiB). */
  chunkBytes?: number | undefined;
  /**
   * Send a batch of one message, when nothing else is in progress, on a second
   * socket driven synchronously (see sync-socket.ts) instead of through the
   * event loop (default true).
   */
  synchronousSingles?: boolean | undefined;
}

/** A reply message: the buffer it arrived in and its header within. */
export interface Reply {
  buf: Buffer;
  header: MessageHeader;
}

const ETIMEDOUT = errnoOf('ETIMEDOUT');
const ECANCELED = errnoOf('ECANCELED');
const ENOBUFS = errnoOf('ENOBUFS');
const EINTR = errnoOf('EINTR');
const EPROTO = errnoOf('EPROTO');

/**
 * Replies are read without peeking (peeking costs a second recvmsg per
 * reply) into buffers of this size, which the addon allocates for every
 * read. The kernel builds dump messages no larger than the reader's buffer
 * and at least NLMSG_GOODSIZE (a page less overhead), so every reply fits;
 * 8 KiB holds one service's destinations in one message while keeping the
 * allocation per read small.
 */
const READ_BUFFER_BYTES = 8 * 1024;

/** An operation fails after this many watchdog ticks without any reply. */
const WATCHDOG_TICKS = 4;

/**
 * Receive-buffer cost of one reply: an error reply echoes the request, and
 * the kernel charges the skb's data plus its sk_buff and shared-info structs
 * (just over 1 KiB for a 150-byte request). Outstanding messages are capped
 * at receive buffer / this, so even a batch that fails entirely cannot
 * overflow the buffer and lose replies.
 */
const REPLY_BUDGET_BYTES = 2048;

/** What the socket currently waits for. */
interface Pending {
  /** Sequence numbers this operation owns: first..last inclusive. */
  first: number;
  last: number;
  onMessage(buf: Buffer, header: MessageHeader): void;
  fail(error: NetlinkError): void;
}

export class GenlSocket {
  private readonly raw: RawNetlinkSocket;
  private readonly timeoutMs: number;
  private readonly chunkBytes: number;
  private readonly maxOutstanding: number;
  private seq: number;
  private pending: Pending | undefined;
  private readonly watchdog: NodeJS.Timeout;
  /** Replies received since the watchdog last looked, and its quiet looks in a row. */
  private progress = 0;
  private quietTicks = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** Operations queued or running on the asynchronous socket. */
  private active = 0;
  private readonly sync: SyncGenlSocket | undefined;
  private closed = false;
  /** Totals since the socket opened: sendmsg calls and the messages they carried. */
  readonly counters = { sendmsg: 0, messages: 0 };

  constructor(options: GenlSocketOptions = {}) {
    const wanted = options.receiveBufferBytes ?? 4 * 1024 * 1024;
    const open = () =>
      new RawNetlinkSocket(options.protocol ?? NETLINK_GENERIC, {
        recvBufferSize: wanted,
        sendBufferSize: 1024 * 1024,
        messagePeeking: false,
        msgBufferSize: READ_BUFFER_BYTES,
      });
    this.raw = options.netns ? inNetns(options.netns, open) : open();
    this.sync =
      (options.synchronousSingles ?? true)
        ? SyncGenlSocket.open(options.netns, options.protocol ?? NETLINK_GENERIC)
        : undefined;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const sendBuffer = this.raw.getSendBufferSize();
    // netlink_sendmsg refuses a message longer than the send buffer minus 32.
    this.chunkBytes = Math.min(options.chunkBytes ?? 60 * 1024, Math.max(4096, sendBuffer / 2));
    this.maxOutstanding = Math.max(
      16,
      Math.floor(this.raw.getRecvBufferSize() / REPLY_BUDGET_BYTES),
    );
    this.seq = (Math.random() * 0x7fffffff) >>> 0;
    this.raw.on('message', (buf) => this.safely(() => this.onReceive(buf)));
    this.raw.on('truncatedMessage', () =>
      this.safely(() => this.failPending(new NetlinkError(EPROTO, 'a reply was truncated'))),
    );
    this.raw.on('error', (error) =>
      this.safely(() =>
        this.failPending(
          new NetlinkError(
            error.errno === ENOBUFS ? ENOBUFS : (error.errno ?? EPROTO),
            `netlink receive failed: ${error.code ?? error.message}`,
          ),
        ),
      ),
    );
    this.raw.unref();
    // One interval for the socket's life instead of a timer per operation:
    // creating a timer reads the clock, a system call where there is no vDSO
    // (user-mode Linux), and requests take well under a millisecond.
    this.watchdog = setInterval(() => this.tick(), Math.max(10, this.timeoutMs / WATCHDOG_TICKS));
    this.watchdog.unref();
  }

  /**
   * Sends every message in `w` and resolves with one errno per message (0 for
   * success), in order. Messages go out in chunks; a chunk's outcome is known
   * when its last message is acknowledged.
   */
  batch(w: MessageWriter): Promise<number[]> {
    // With nothing queued, nothing can be ordered before or after this message
    // on the other socket, so it may take the synchronous path.
    if (w.starts.length === 1 && this.sync && this.active === 0 && !this.closed) {
      const seq = this.assign(w, 0, 1, true);
      this.counters.sendmsg++;
      this.counters.messages++;
      return Promise.resolve([this.sync.ack(w.view(), seq, this.timeoutMs)]);
    }
    return this.exclusive(() => this.runBatch(w));
  }

  /**
   * One request answered by exactly one message (a GET that is not a dump):
   * resolves with that reply, or rejects with the kernel's errno. No ACK is
   * asked for: the reply itself says the request is done.
   */
  request(w: MessageWriter): Promise<Reply> {
    return this.exclusive(
      () =>
        new Promise<Reply>((resolve, reject) => {
          const seq = this.assign(w, 0, w.starts.length, false);
          this.begin(
            {
              first: seq,
              last: seq,
              onMessage: (buf, header) => {
                this.end();
                if (header.type === NLMSG_ERROR) {
                  const errno = -buf.readInt32LE(header.offset + 16);
                  reject(new NetlinkError(errno || EPROTO, 'request refused'));
                } else {
                  resolve({ buf, header });
                }
              },
              fail: (error) => reject(error),
            },
            w.view(),
          );
        }),
    );
  }

  /**
   * A dump: calls `visit` for each message until the kernel says it is done.
   * If `visit` throws, the rest of the dump is still drained (so the socket
   * stays usable) and the dump rejects with that error.
   */
  dump(w: MessageWriter, visit: (buf: Buffer, header: MessageHeader) => void): Promise<void> {
    return this.exclusive(
      () =>
        new Promise<void>((resolve, reject) => {
          let visitError: unknown;
          let interrupted = false;
          const seq = this.assign(w, 0, w.starts.length, false);
          this.begin(
            {
              first: seq,
              last: seq,
              onMessage: (buf, header) => {
                if (header.flags & NLM_F_DUMP_INTR) interrupted = true;
                if (header.type === NLMSG_DONE || header.type === NLMSG_ERROR) {
                  const status = header.length >= 20 ? buf.readInt32LE(header.offset + 16) : 0;
                  this.end();
                  if (status < 0) reject(new NetlinkError(-status, 'dump refused'));
                  else if (visitError !== undefined)
                    reject(
                      visitError instanceof Error ? visitError : new Error('dump visitor failed'),
                    );
                  else if (interrupted)
                    reject(new NetlinkError(EINTR, 'dump interrupted by a concurrent change'));
                  else resolve();
                  return;
                }
                if (visitError !== undefined) return;
                try {
                  visit(buf, header);
                } catch (error) {
                  visitError = error;
                }
              },
              fail: (error) => reject(error),
            },
            w.view(),
          );
        }),
    );
  }

  /**
   * Many dumps, one after another, as one operation: calls `visit(i, ...)`
   * for each message of the i-th dump, then `done(i, errno)` when it ends
   * (errno 0 when it completed), and resolves with every errno. The next
   * request is sent from the callback that receives the previous one's end,
   * so the addon's read loop usually picks up its reply at once, without
   * another turn of the event loop.
   */
  dumpMany(
    w: MessageWriter,
    visit: (index: number, buf: Buffer, header: MessageHeader) => void,
    done?: (index: number, errno: number) => void,
  ): Promise<number[]> {
    return this.exclusive(
      () =>
        new Promise<number[]>((resolve, reject) => {
          const count = w.starts.length;
          const statuses = new Array<number>(count).fill(0);
          if (count === 0) {
            resolve(statuses);
            return;
          }
          const buffer = w.view();
          const starts = w.starts;
          const first = this.assign(w, 0, count, false);
          let current = 0;
          let visitError: unknown;
          const sendCurrent = () => {
            this.counters.sendmsg++;
            this.counters.messages++;
            const bytes = buffer.subarray(starts[current], starts[current + 1] ?? buffer.length);
            this.raw.send(bytes, {}, (error) => {
              if (error) {
                this.safely(() =>
                  this.failPending(
                    new NetlinkError(error.errno ?? EPROTO, `sendmsg: ${error.code}`),
                  ),
                );
              }
            });
          };
          this.begin(
            {
              first,
              last: first + count - 1,
              onMessage: (buf, header) => {
                const index = (header.seq - first) >>> 0;
                if (index !== current) return;
                if (header.type === NLMSG_DONE || header.type === NLMSG_ERROR) {
                  const status = header.length >= 20 ? buf.readInt32LE(header.offset + 16) : 0;
                  statuses[index] = status < 0 ? -status : 0;
                  if (done && visitError === undefined) {
                    try {
                      done(index, statuses[index]);
                    } catch (error) {
                      visitError = error;
                    }
                  }
                  current++;
                  if (current < count) {
                    sendCurrent();
                    return;
                  }
                  this.end();
                  if (visitError !== undefined) {
                    reject(
                      visitError instanceof Error ? visitError : new Error('dump visitor failed'),
                    );
                  } else resolve(statuses);
                  return;
                }
                if (visitError !== undefined) return;
                try {
                  visit(index, buf, header);
                } catch (error) {
                  visitError = error;
                }
              },
              fail: (error) => reject(error),
            },
            undefined,
          );
          sendCurrent();
        }),
    );
  }

  /** Closes the socket; an operation in progress rejects with ECANCELED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    this.failPending(new NetlinkError(ECANCELED, 'the netlink socket was closed'));
    this.raw.close();
    this.sync?.close();
  }

  private runBatch(w: MessageWriter): Promise<number[]> {
    const count = w.starts.length;
    const results = new Array<number>(count).fill(0);
    if (count === 0) return Promise.resolve(results);
    const buffer = w.view();
    const starts = w.starts;
    const chunks: { from: number; to: number }[] = [];
    const perChunk = Math.max(1, Math.min(1024, Math.floor(this.maxOutstanding / 2)));
    for (let from = 0; from < count;) {
      let to = from + 1;
      while (
        to < count &&
        to - from < perChunk &&
        (starts[to + 1] ?? buffer.length) - (starts[from] as number) <= this.chunkBytes
      ) {
        to++;
      }
      chunks.push({ from, to });
      from = to;
    }
    // Sequence numbers run across the whole batch: message i has first + i.
    const first = this.assign(w, 0, count, false);
    for (const c of chunks) this.setAck(buffer, starts[c.to - 1] as number);

    return new Promise<number[]>((resolve, reject) => {
      let sent = 0;
      let acked = 0;
      let outstanding = 0;
      const sendMore = () => {
        while (sent < chunks.length) {
          const c = chunks[sent] as { from: number; to: number };
          if (outstanding > 0 && outstanding + (c.to - c.from) > this.maxOutstanding) return;
          outstanding += c.to - c.from;
          sent++;
          const bytes = buffer.subarray(starts[c.from], starts[c.to] ?? buffer.length);
          this.counters.sendmsg++;
          this.counters.messages += c.to - c.from;
          this.raw.send(bytes, {}, (error) => {
            if (error) {
              this.safely(() =>
                this.failPending(new NetlinkError(error.errno ?? EPROTO, `sendmsg: ${error.code}`)),
              );
            }
          });
        }
      };
      this.begin(
        {
          first,
          last: first + count - 1,
          onMessage: (buf, header) => {
            if (header.type !== NLMSG_ERROR) return;
            const index = (header.seq - first) >>> 0;
            const errno = -buf.readInt32LE(header.offset + 16);
            if (errno !== 0) results[index] = errno;
            const chunk = chunks[acked];
            if (chunk && index === chunk.to - 1) {
              acked++;
              outstanding -= chunk.to - chunk.from;
              if (acked === chunks.length) {
                this.end();
                resolve(results);
              } else sendMore();
            }
          },
          fail: (error) => {
            // Chunks not yet acknowledged have an unknown outcome.
            for (let i = chunks[acked]?.from ?? count; i < count; i++) {
              if (results[i] === 0) results[i] = error.errno;
            }
            if (error.errno === ECANCELED) reject(error);
            else resolve(results);
          },
        },
        undefined,
      );
      sendMore();
    });
  }

  /** Writes sequence numbers into messages [from, to) and returns the first. */
  private assign(w: MessageWriter, from: number, to: number, ack: boolean): number {
    const buffer = w.view();
    const first = this.seq;
    for (let i = from; i < to; i++) {
      const at = w.starts[i] as number;
      buffer.writeUInt32LE((first + (i - from)) >>> 0, at + 8);
      const flags = buffer.readUInt16LE(at + 6) & ~NLM_F_ACK;
      buffer.writeUInt16LE(ack ? flags | NLM_F_ACK : flags, at + 6);
    }
    this.seq = (first + (to - from)) >>> 0;
    return first;
  }

  private setAck(buffer: Buffer, at: number): void {
    buffer.writeUInt16LE(buffer.readUInt16LE(at + 6) | NLM_F_ACK, at + 6);
  }

  /** Runs operations one after another. */
  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    this.active++;
    const next = this.queue.then(() => {
      if (this.closed) throw new NetlinkError(ECANCELED, 'the netlink socket is closed');
      return run();
    });
    this.queue = next.catch(() => undefined).finally(() => this.active--);
    return next;
  }

  private begin(pending: Pending, send: Buffer | undefined): void {
    this.pending = pending;
    this.progress = 0;
    this.quietTicks = 0;
    this.raw.ref();
    if (send) {
      this.counters.sendmsg++;
      this.counters.messages++;
      this.raw.send(send, {}, (error) => {
        if (error) {
          this.safely(() =>
            this.failPending(new NetlinkError(error.errno ?? EPROTO, `sendmsg: ${error.code}`)),
          );
        }
      });
    }
  }

  private end(): void {
    this.pending = undefined;
    if (!this.closed) this.raw.unref();
  }

  private tick(): void {
    if (!this.pending) return;
    if (this.progress > 0) {
      this.progress = 0;
      this.quietTicks = 0;
      return;
    }
    this.quietTicks++;
    if (this.quietTicks >= WATCHDOG_TICKS) {
      this.failPending(
        new NetlinkError(ETIMEDOUT, `no reply from the kernel within ${this.timeoutMs} ms`),
      );
    }
  }

  private failPending(error: NetlinkError): void {
    const pending = this.pending;
    if (!pending) return;
    this.end();
    pending.fail(error);
  }

  private onReceive(buf: Buffer): void {
    forEachMessage(buf, (header) => {
      const pending = this.pending;
      if (!pending) return;
      // A late reply to an operation that already timed out is not ours.
      const offset = (header.seq - pending.first) >>> 0;
      if (offset > (pending.last - pending.first) >>> 0) return;
      this.progress++;
      pending.onMessage(buf, header);
    });
  }

  /** Listener bodies must never throw into the native socket. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      try {
        this.failPending(
          new NetlinkError(
            EPROTO,
            `internal error: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      } catch {
        // Nothing more can be done without risking the process.
      }
    }
  }
}
