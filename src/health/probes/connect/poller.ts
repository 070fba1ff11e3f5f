/**
 * Plain TCP connects through libc (koffi), the hot path of the TCP check: a
 * non-blocking socket, connect, one epoll_ctl, and at completion a close with
 * a reset (plus getsockopt(SO_ERROR) when the connect failed). Completions
 * are collected from an epoll set of our own, polled once a millisecond while
 * connects are pending and not at all otherwise. Per check this costs a
 * fraction of a net.Socket, whose stream machinery and event-loop bookkeeping
 * dominate when the work is only "did the handshake complete". The
 * millisecond of polling is well under any timeout a health check uses.
 */
import { type LibcFn, libc as sharedLibc } from '../../../libc.js';
import { AF_INET, SOCK_CLOEXEC, SOCK_NONBLOCK, SOL_SOCKET, socketAddress } from '../sockaddr.js';

const SOCK_STREAM = 1;
const SO_ERROR = 4;
const SO_LINGER = 13;
const IPPROTO_IP = 0;
const IP_BIND_ADDRESS_NO_PORT = 24;
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLLOUT = 4;
const EPOLLERR = 8;
const EPOLLHUP = 16;
const EINPROGRESS = 115;
// struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere.
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_OFFSET = process.arch === 'x64' ? 4 : 8;
const MAX_EVENTS = 1024;
const POLL_MS = 1;
/** Ids are generation × FD_SPACE + fd; fds stay far below this. */
const FD_SPACE = 2 ** 22;

interface Libc {
  socket: LibcFn;
  connect: LibcFn;
  bind: LibcFn;
  close: LibcFn;
  getsockopt: LibcFn;
  setsockopt: LibcFn;
  epollCreate: LibcFn;
  epollCtl: LibcFn;
  epollWait: LibcFn;
  errno: () => number;
}

/** A target's socket addresses, built once per check. */
export interface ConnectTarget {
  family: number;
  sockaddr: Buffer;
  source?: Buffer | undefined;
}

/** 0 when the connection was established, else the errno. */
export type ConnectDone = (errno: number) => void;

export class ConnectPoller {
  /**
   * Pending connects by fd, in arrays rather than Maps: a long-lived Map
   * whose entries come and go ten thousand times a second reallocates its
   * table in the old generation. A connect's id is its fd plus the fd's
   * generation, so a stale id never matches a reused fd.
   */
  private readonly pending: (ConnectDone | undefined)[] = [];
  private readonly generation: number[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly events = Buffer.alloc(EVENT_SIZE * MAX_EVENTS);
  private readonly event = Buffer.alloc(EVENT_SIZE);
  private readonly linger = Buffer.alloc(8);
  private readonly one = Buffer.alloc(4);
  private readonly soError = Buffer.alloc(4);
  private readonly soLen = Buffer.alloc(4);

  private constructor(
    private readonly libc: Libc,
    private readonly ep: number,
  ) {
    this.linger.writeInt32LE(1, 0);
    this.one.writeInt32LE(1, 0);
    this.event.writeUInt32LE(EPOLLOUT, 0);
  }

  static open(): ConnectPoller {
    const lib = sharedLibc();
    const libc: Libc = {
      socket: lib.func('int socket(int, int, int)'),
      connect: lib.func('int connect(int, const void *, uint32_t)'),
      bind: lib.func('int bind(int, const void *, uint32_t)'),
      close: lib.func('int close(int)'),
      getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)'),
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
      epollCreate: lib.func('int epoll_create1(int)'),
      epollCtl: lib.func('int epoll_ctl(int, int, int, void *)'),
      epollWait: lib.func('int epoll_wait(int, void *, int, int)'),
      errno: lib.errno,
    };
    const ep = libc.epollCreate(EPOLL_CLOEXEC);
    if (ep < 0) throw new Error(`epoll_create1 failed: errno ${libc.errno()}`);
    return new ConnectPoller(libc, ep);
  }

  /** Connects in progress. */
  get size(): number {
    return this.count;
  }

  /**
   * Starts a connect to `target`. `done` is called once, possibly before this
   * returns (an immediate result), unless the connect is cancelled first.
   * Returns an id for `cancel`, or -1 when it already finished.
   */
  connect(target: ConnectTarget, done: ConnectDone): number {
    const { libc } = this;
    const fd = libc.socket(target.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      done(libc.errno());
      return -1;
    }
    if (target.source) {
      // Bind the address only: the port is picked at connect, per destination.
      if (target.family === AF_INET)
        libc.setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, this.one, 4);
      if (libc.bind(fd, target.source, target.source.length) < 0) {
        const errno = libc.errno();
        libc.close(fd);
        done(errno);
        return -1;
      }
    }
    if (libc.connect(fd, target.sockaddr, target.sockaddr.length) === 0) {
      this.resetClose(fd);
      done(0);
      return -1;
    }
    let errno = libc.errno();
    if (errno === EINPROGRESS) {
      this.event.writeInt32LE(fd, DATA_OFFSET);
      if (libc.epollCtl(this.ep, EPOLL_CTL_ADD, fd, this.event) === 0) {
        const gen = (this.generation[fd] ?? 0) + 1;
        this.generation[fd] = gen;
        this.pending[fd] = done;
        this.count++;
        this.timer ??= setTimeout(() => this.poll(), POLL_MS).unref();
        return gen * FD_SPACE + fd;
      }
      errno = libc.errno();
    }
    libc.close(fd);
    done(errno);
    return -1;
  }

  /** Abandons a pending connect (timeout): its socket is closed and `done` never called. */
  cancel(id: number): void {
    if (id < 0) return;
    const fd = id % FD_SPACE;
    if (this.pending[fd] === undefined || this.generation[fd] !== Math.floor(id / FD_SPACE)) return;
    this.forget(fd);
    this.resetClose(fd);
  }

  private forget(fd: number): void {
    this.pending[fd] = undefined;
    this.count--;
  }

  /** Closes with a reset (SO_LINGER 0) so no TIME_WAIT is left behind. */
  private resetClose(fd: number): void {
    this.libc.setsockopt(fd, SOL_SOCKET, SO_LINGER, this.linger, 8);
    this.libc.close(fd);
  }

  private poll(): void {
    this.timer = undefined;
    const { libc } = this;
    for (;;) {
      const n = libc.epollWait(this.ep, this.events, MAX_EVENTS, 0);
      for (let i = 0; i < n; i++) {
        const mask = this.events.readUInt32LE(i * EVENT_SIZE);
        const fd = this.events.readInt32LE(i * EVENT_SIZE + DATA_OFFSET);
        const done = this.pending[fd];
        if (!done) continue;
        this.forget(fd);
        // Writable without error is an established connection; only a
        // failure needs SO_ERROR to say which.
        let errno = 0;
        if (mask & (EPOLLERR | EPOLLHUP)) {
          this.soLen.writeUInt32LE(4, 0);
          const r = libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, this.soError, this.soLen);
          errno = r < 0 ? libc.errno() : this.soError.readInt32LE(0);
        }
        this.resetClose(fd);
        done(errno);
      }
      if (n < MAX_EVENTS) break;
    }
    if (this.count > 0) this.timer = setTimeout(() => this.poll(), POLL_MS).unref();
  }
}

/** The socket addresses of a target (and source) for `connect`. */
export function connectTarget(address: string, port: number, source?: string): ConnectTarget {
  const sockaddr = socketAddress(address, port);
  return {
    family: sockaddr.readUInt16LE(0),
    sockaddr,
    source: source === undefined ? undefined : socketAddress(source, 0),
  };
}

let shared: ConnectPoller | undefined;
let unavailable: string | undefined;

/**
 * The process's poller, or undefined when libc cannot be reached (then
 * `connectPollerUnavailable()` says why, and TCP checks use net.Socket).
 * `ANYCASTD_FAST_CONNECT=0` turns it off.
 */
export function connectPoller(): ConnectPoller | undefined {
  if (shared || unavailable !== undefined) return shared;
  if (process.env.ANYCASTD_FAST_CONNECT === '0') {
    unavailable = 'turned off by ANYCASTD_FAST_CONNECT=0';
    return undefined;
  }
  try {
    shared = ConnectPoller.open();
  } catch (e) {
    unavailable = (e as Error).message;
  }
  return shared;
}

export function connectPollerUnavailable(): string | undefined {
  return unavailable;
}
