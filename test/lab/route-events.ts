/**
 * The router's kernel table as a stream of events (`ip -timestamp monitor
 * route`) instead of polls: each event is a host route's complete state at
 * the moment the kernel reported it. A benchmark that forks `ip route` every
 * few milliseconds to time a failover takes the CPU from the processes it
 * times (in the kernel lab each fork costs 25-40 ms of its only CPU).
 */

export interface RouteEvent {
  /** When `ip` received the kernel's notification (ms since the epoch). */
  at: number;
  /** The destination as `ip` prints it: an address for a host route. */
  dest: string;
  /** Next hops after the event, sorted; empty when the route was deleted. */
  nexthops: string[];
}

const ROUTE_TYPES = new Set([
  'unicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'local',
  'broadcast',
  'multicast',
  'throw',
  'nat',
  'anycast',
]);

const TIMESTAMP = /^Timestamp: (\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}) (\d+) usec$/;

/**
 * Parses `ip -timestamp monitor route` output: main-table routes only (routes
 * of other tables, such as `local`, are not forwarding decisions). `ip`
 * writes and flushes each notification whole, so text that ends with a
 * newline ends with a whole event; otherwise the event being written is left
 * for the next read.
 */
export function parseRouteEvents(output: string): RouteEvent[] {
  const text = output.endsWith('\n')
    ? output
    : output.slice(0, output.lastIndexOf('\nTimestamp: ') + 1);
  const events: RouteEvent[] = [];
  let at: number | undefined;
  let block: string[] = [];
  const flush = () => {
    if (at !== undefined && block.length > 0) {
      const e = routeEvent(at, block);
      if (e) events.push(e);
    }
    block = [];
  };
  for (const line of text.split('\n')) {
    const m = TIMESTAMP.exec(line);
    if (m) {
      flush();
      at = Date.parse(m[1] ?? '') + Number(m[2]) / 1000;
    } else if (line.trim() !== '') block.push(line);
  }
  flush();
  return events;
}

function routeEvent(at: number, block: readonly string[]): RouteEvent | undefined {
  const head = block[0] ?? '';
  const deleted = head.startsWith('Deleted ');
  const text = block.join(' ');
  if (/\btable (?!main\b)\S+/.test(text)) return undefined;
  const words = (deleted ? head.slice('Deleted '.length) : head).trim().split(/\s+/);
  // A route type other than unicast comes before the destination.
  if (ROUTE_TYPES.has(words[0] ?? '')) words.shift();
  const dest = words[0] ?? '';
  if (dest === '' || dest.startsWith('nexthop')) return undefined;
  const nexthops = deleted
    ? []
    : [...text.matchAll(/\bvia (?:inet6 )?([0-9a-f.:]+)/g)].map((m) => m[1] ?? '').sort();
  return { at, dest, nexthops };
}
