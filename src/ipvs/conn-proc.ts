/**
 * Reading the kernel's IPVS connection entries from /proc/net/ip_vs_conn, of
 * this process's network namespace or another's. The file is opened inside
 * the namespace (a proc net file belongs to the namespace of the thread that
 * opens it) and read afterwards as a stream, so 100,000 entries are never
 * held as one string.
 */
import { createReadStream, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NetnsError, inNetns } from '../netlink/netns.js';
import { type Connection, parseConnectionLine } from './connections.js';
import { IpvsUnavailableError } from './errors.js';

function open(netns: string | undefined): number {
  const path = netns ? '/proc/thread-self/net/ip_vs_conn' : '/proc/net/ip_vs_conn';
  try {
    return netns ? inNetns(netns, () => openSync(path, 'r')) : openSync(path, 'r');
  } catch (error) {
    if (error instanceof NetnsError) throw new IpvsUnavailableError(error.message, 'netns');
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new IpvsUnavailableError(
        'IPVS is not loaded (no /proc/net/ip_vs_conn): load it with `modprobe ip_vs`',
        'no-ipvs',
      );
    if (code === 'EACCES' || code === 'EPERM')
      throw new IpvsUnavailableError(
        `cannot read /proc/net/ip_vs_conn (${code}): run as root`,
        'permission',
      );
    throw error;
  }
}

/** Every entry, in the kernel's order; lines it cannot read are skipped. */
export async function* readConnections(netns?: string): AsyncGenerator<Connection> {
  const lines = createInterface({
    input: createReadStream('', { fd: open(netns), highWaterMark: 1 << 20 }),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    const c = parseConnectionLine(line);
    if (c) yield c;
  }
}
