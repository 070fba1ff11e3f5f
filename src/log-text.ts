/**
 * The log for a terminal: one line per event, time, level, component and
 * event first, then the message and the remaining fields as key=value. The
 * same events as the JSON log; only the layout differs.
 */

/** Fields shown in the line's head, or left out as noise in a terminal. */
const HEAD = new Set(['time', 'level', 'msg', 'component', 'event', 'pid', 'director', 'process']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One JSON log line (pino's, level as its name) → a readable line, newline included. */
export function formatLogLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof event.time === 'number' ? new Date(event.time).toISOString() : '';
  const level = typeof event.level === 'string' ? event.level.toUpperCase() : '';
  const head = [time, level.padEnd(5)];
  const where = [event.component, event.process].filter((x) => typeof x === 'string').join('/');
  if (where) head.push(where);
  if (typeof event.event === 'string') head.push(`${event.event}:`);
  if (typeof event.msg === 'string') head.push(event.msg);
  const rest = Object.entries(event)
    .filter(([k]) => !HEAD.has(k))
    .map(([k, v]) => `${k}=${value(v)}`);
  return `${[...head, ...rest].join(' ')}\n`;
}
