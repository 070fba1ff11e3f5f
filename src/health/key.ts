/**
 * The identity of a check: two specs with the same key probe the same thing
 * the same way and on the same schedule, so the engine runs them once and
 * shares the result. Built from a canonical rendering of the whole spec.
 */
import type { CheckSpec } from './spec.js';

export function checkKey(spec: CheckSpec): string {
  return `${spec.probe.type} ${spec.probe.target.address} ${spec.probe.target.port} ${canonical(spec)}`;
}

/** JSON with sorted keys; bytes as hex and patterns as their source. */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array)
    return JSON.stringify(`hex:${Buffer.from(value).toString('hex')}`);
  if (value instanceof RegExp) return JSON.stringify(`re:${String(value)}`);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
