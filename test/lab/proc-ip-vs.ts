/**
 * A real server's weight read from /proc/PID/net/ip_vs, which shows the IPVS
 * table of the namespace the process named is in: a timing loop can follow a
 * director's table without forking ipvsadm (25-40 ms of the kernel lab's one
 * CPU each, taken from the daemon being timed).
 */
import { readFileSync } from 'node:fs';

/** The weight of IPv4 real server `real`:`port` in `pid`'s namespace, or undefined. */
export function procWeight(pid: number | undefined, real: string, port = 80): number | undefined {
  if (pid === undefined) return undefined;
  const hex = (n: number, digits: number) => n.toString(16).toUpperCase().padStart(digits, '0');
  const address = real
    .split('.')
    .map((o) => hex(Number(o), 2))
    .join('');
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/ip_vs`, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`-> ${address}:${hex(port, 4)}\\s+\\w+\\s+(\\d+)`).exec(text);
  return m ? Number(m[1]) : undefined;
}
