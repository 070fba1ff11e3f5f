/**
 * systemd's notification protocol (sd_notify): one datagram of `KEY=value`
 * lines to the unix socket named by $NOTIFY_SOCKET, so that a `Type=notify`
 * unit is ready only once the daemon runs, and `systemctl status` shows what
 * it is doing. Node has no unix datagram sockets; this goes through libc.
 * Without $NOTIFY_SOCKET (not under systemd) nothing is sent.
 */
import { type Libc, type LibcFn, libc } from './libc.js';

export const AF_UNIX = 1;
export const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
/** sizeof(struct sockaddr_un): family (2) + path (108). */
const SOCKADDR_UN = 110;

/** struct sockaddr_un for `path` and its length; `@name` is the abstract namespace. */
export function unixAddress(path: string): { address: Buffer; length: number } | undefined {
  const abstract = path.startsWith('@');
  const name = Buffer.from(abstract ? path.slice(1) : path);
  // A path needs its NUL; an abstract name has none, and a leading zero byte instead.
  const length = 2 + (abstract ? 1 : 0) + name.length + (abstract ? 0 : 1);
  if (length > SOCKADDR_UN || name.length === 0) return undefined;
  const address = Buffer.alloc(SOCKADDR_UN);
  address.writeUInt16LE(AF_UNIX, 0);
  name.copy(address, abstract ? 3 : 2);
  return { address, length };
}

let bound: { c: Libc; socket: LibcFn; sendto: LibcFn; close: LibcFn } | undefined;

/** The three libc calls, bound on first use only (most runs are not under systemd). */
function bindings(): NonNullable<typeof bound> {
  if (bound === undefined) {
    const c = libc();
    bound = {
      c,
      socket: c.func('int socket(int, int, int)'),
      sendto: c.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)'),
      close: c.func('int close(int)'),
    };
  }
  return bound;
}

/**
 * Sends `state` (e.g. "READY=1\nSTATUS=running") to systemd. Returns false
 * when not under systemd; throws when the socket is named but cannot be
 * reached, which a caller logs and goes on from.
 */
export function sdNotify(state: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const socketPath = env.NOTIFY_SOCKET;
  if (!socketPath) return false;
  const target = unixAddress(socketPath);
  if (!target) throw new Error(`NOTIFY_SOCKET=${socketPath} is not a unix socket path`);
  const { c, socket, sendto, close } = bindings();
  const fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket(AF_UNIX) failed: errno ${c.errno()}`);
  try {
    const message = Buffer.from(state);
    const sent = sendto(fd, message, message.length, MSG_NOSIGNAL, target.address, target.length);
    if (sent < 0) throw new Error(`sd_notify to ${socketPath} failed: errno ${c.errno()}`);
  } finally {
    close(fd);
  }
  return true;
}
