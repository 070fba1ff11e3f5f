/**
 * A second generic-netlink socket, driven synchronously through libc
 * (koffi), for one request at a time that is answered by an acknowledgement.
 *
 * The kernel runs a generic-netlink request inside the sender's sendmsg and
 * queues the acknowledgement before sendmsg returns. So one request costs two
 * system calls (send, then a non-blocking recv that finds the ack waiting)
 * and no turn of the event loop, where the asynchronous socket costs a
 * sendmsg, an epoll wait, the addon's reads and a loop turn. That difference
 * is most of a single weight change where system calls are expensive (the
 * kernel lab's user-mode Linux pays the host for each one).
 *
 * If the ack is not already there (the kernel never does this for a
 * synchronous family, but a socket must not hang on a promise), it waits in
 * poll(2) up to the deadline. Only one request is ever outstanding, so the
 * receive buffer can never overflow.
 */
import { type LibcFn, libc as loadLibc } from '../libc.js';
import { errnoOf } from './errno.js';
import { NETLINK_GENERIC, NLMSG_ERROR } from './constants.js';
import { inNetns } from './netns.js';
import { forEachMessage } from './reader.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const POLLIN = 1;
const RECV_BYTES = 16 * 1024;

const EAGAIN = errnoOf('EAGAIN');
const EINTR = errnoOf('EINTR');
const ETIMEDOUT = errnoOf('ETIMEDOUT');
const EPROTO = errnoOf('EPROTO');
const EBADF = errnoOf('EBADF');

interface Libc {
  socket: LibcFn;
  send: LibcFn;
  recv: LibcFn;
  poll: LibcFn;
  close: LibcFn;
  errno: () => number;
}

let libcCache: Libc | null | undefined;

/** The calls this socket makes, or null where libc cannot be loaded (then the caller stays asynchronous). */
function libc(): Libc | null {
  if (libcCache !== undefined) return libcCache;
  try {
    const c = loadLibc();
    libcCache = {
      socket: c.func('int socket(int, int, int)'),
      send: c.func('long send(int, const void *, unsigned long, int)'),
      recv: c.func('long recv(int, void *, unsigned long, int)'),
      poll: c.func('int poll(void *, unsigned long, int)'),
      close: c.func('int close(int)'),
      errno: c.errno,
    };
  } catch {
    libcCache = null;
  }
  return libcCache;
}

export class SyncGenlSocket {
  private readonly reply = Buffer.alloc(RECV_BYTES);
  private readonly pollFd = Buffer.alloc(8);
  private fd: number;

  private constructor(
    private readonly libc: Libc,
    fd: number,
  ) {
    this.fd = fd;
    this.pollFd.writeInt32LE(fd, 0);
    this.pollFd.writeInt16LE(POLLIN, 4);
  }

  /**
   * Opens the socket (in `netns` if given), or returns undefined when it
   * cannot be had (libc out of reach, the namespace gone): the caller then
   * sends everything through its asynchronous socket.
   */
  static open(netns?: string, protocol = NETLINK_GENERIC): SyncGenlSocket | undefined {
    const c = libc();
    if (!c) return undefined;
    const create = () => c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    let fd: number;
    try {
      fd = netns ? inNetns(netns, create) : create();
    } catch {
      return undefined;
    }
    return fd < 0 ? undefined : new SyncGenlSocket(c, fd);
  }

  /**
   * Sends one message that asks for an ack (NLM_F_ACK set, sequence number
   * `seq`) and returns the errno the kernel acknowledged it with (0 = done).
   * A failure of the socket itself is returned the same way.
   */
  ack(message: Buffer, seq: number, timeoutMs: number): number {
    if (this.fd < 0) return EBADF;
    const { libc } = this;
    let sent: number;
    do sent = libc.send(this.fd, message, message.length, 0);
    while (sent < 0 && libc.errno() === EINTR);
    if (sent < 0) return libc.errno() || EPROTO;
    // The clock is read only if the ack is not already queued: a clock read is itself a
    // system call where there is no vDSO.
    let deadline = 0;
    for (;;) {
      const got = libc.recv(this.fd, this.reply, RECV_BYTES, MSG_DONTWAIT);
      if (got < 0) {
        const errno = libc.errno();
        if (errno === EINTR) continue;
        if (errno !== EAGAIN) return errno || EPROTO;
        if (deadline === 0) deadline = Date.now() + timeoutMs;
        const left = deadline - Date.now();
        if (left <= 0) return ETIMEDOUT;
        libc.poll(this.pollFd, 1, left);
        continue;
      }
      const status = this.statusOf(this.reply.subarray(0, got), seq);
      // Anything else is a late reply to a request that timed out: skip it.
      if (status !== undefined) return status;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.libc.close(this.fd);
    this.fd = -1;
  }

  private statusOf(buf: Buffer, seq: number): number | undefined {
    let status: number | undefined;
    forEachMessage(buf, (header) => {
      if (header.seq !== seq || header.type !== NLMSG_ERROR || status !== undefined) return;
      status = header.length >= 20 ? -buf.readInt32LE(header.offset + 16) | 0 : EPROTO;
    });
    return status;
  }
}
