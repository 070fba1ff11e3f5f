/** A unix datagram socket bound at a path, as systemd's notify socket is; read without blocking. */
import { libc } from '../../src/libc.js';
import { AF_UNIX, SOCK_DGRAM, unixAddress } from '../../src/sd-notify.js';

export interface NotifySocket {
  /** The next datagram, or undefined when none is queued. */
  read(): string | undefined;
  /** Every datagram queued now. */
  drain(): string[];
  close(): void;
}

export function notifySocket(path: string): NotifySocket {
  const c = libc();
  const fd = c.func('int socket(int, int, int)')(AF_UNIX, SOCK_DGRAM, 0);
  const target = unixAddress(path);
  if (fd < 0 || !target) throw new Error(`cannot make a unix datagram socket at ${path}`);
  if (c.func('int bind(int, const void *, uint32_t)')(fd, target.address, target.length) !== 0)
    throw new Error(`bind ${path}: errno ${c.errno()}`);
  const recv = c.func('long recv(int, void *, size_t, int)');
  const close = c.func('int close(int)');
  const buffer = Buffer.alloc(4096);
  const read = (): string | undefined => {
    const n = recv(fd, buffer, buffer.length, 0x40 /* MSG_DONTWAIT */);
    return n < 0 ? undefined : buffer.subarray(0, n).toString();
  };
  return {
    read,
    drain: () => {
      const all: string[] = [];
      for (let m = read(); m !== undefined; m = read()) all.push(m);
      return all;
    },
    close: () => void close(fd),
  };
}
