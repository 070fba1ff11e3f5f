/**
 * Real servers' weights read from /proc/PID/net/ip_vs, which shows the IPVS
 * table of the namespace the process named is in: a timing loop can follow a
 * director's table without forking ipvsadm (25-40 ms of the kernel lab's one
 * CPU each, taken from the daemon being timed).
 */
import { readFileSync } from 'node:fs';

const hex = (n: number, digits: number) => n.toString(16).toUpperCase().padStart(digits, '0');

/**
 * The weights of IPv4 real servers `reals` (port `port`) in `pid`'s namespace,
 * from one read of the file; undefined for each one not in the table (or when
 * the process is gone).
 */
export function procWeights(
  pid: number | undefined,
  reals: readonly string[],
  port = 80,
): (number | undefined)[] {
  let text = '';
  if (pid !== undefined) {
    try {
      text = readFileSync(`/proc/${pid}/net/ip_vs`, 'utf8');
    } catch {
      // Gone: every weight unknown.
    }
  }
  return reals.map((real) => {
    const address = real
      .split('.')
      .map((o) => hex(Number(o), 2))
      .join('');
    const m = new RegExp(`-> ${address}:${hex(port, 4)}\\s+\\w+\\s+(\\d+)`).exec(text);
    return m ? Number(m[1]) : undefined;
  });
}

/** The weight of IPv4 real server `real`:`port` in `pid`'s namespace, or undefined. */
export function procWeight(pid: number | undefined, real: string, port = 80): number | undefined {
  return procWeights(pid, [real], port)[0];
}
