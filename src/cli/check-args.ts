/**
 * The command line of `anycastd check` turned into the input a config file's
 * `check:` would hold: `http 10.0.0.5:8080 path=/healthz tls.verify=true`.
 * Pure. Values are read as integers, booleans or JSON (lists, mappings) when
 * they look like one, else as strings; dotted keys build nested mappings.
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

const COMMAND = 'anycastd check';
const TEXT_FIELDS = new Set(['send', 'expect', 'name', 'answer', 'service', 'host', 'path']);
const TEXT_MAPPINGS = new Set(['headers', 'env']);

/** `10.0.0.5`, `10.0.0.5:80`, `::1`, `[::1]:80` → address and optional port. */
export function parseTarget(text: string): { address: string; port?: number } {
  let address = text;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    address = bracket[1] as string;
    port = bracket[2];
  } else if (text.split(':').length === 2) {
    [address, port] = text.split(':') as [string, string];
  }
  if (isIP(address) === 0)
    throw new UsageError(`"${text}" is not an IP address (or address:port)`, COMMAND);
  if (port === undefined) return { address };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535)
    throw new UsageError(`"${port}" in "${text}" is not a port (1-65535)`, COMMAND);
  return { address, port: n };
}

function value(key: string, text: string): unknown {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new UsageError(
        `${key}: ${JSON.stringify(text)} is not valid JSON: ${(e as Error).message}`,
        COMMAND,
      );
    }
  }
  return text;
}

/** Builds the check input from the type, target and `field=value` words. */
export function checkInput(
  type: string,
  target: string,
  fields: readonly string[],
): Record<string, unknown> {
  const input: Record<string, unknown> = { type, ...parseTarget(target) };
  for (const word of fields) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new UsageError(`"${word}" is not field=value`, COMMAND);
    const key = word.slice(0, eq);
    // Header names may hold dots; only the first level of headers and env nests.
    const dot = key.indexOf('.');
    const path =
      dot > 0 && TEXT_MAPPINGS.has(key.slice(0, dot))
        ? [key.slice(0, dot), key.slice(dot + 1)]
        : key.split('.');
    let node = input;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (next === undefined) node[part] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new UsageError(`${key}: ${part} is already set to a value`, COMMAND);
      }
      node = node[part] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1] as string;
    const text = word.slice(eq + 1);
    // Payloads, names, paths, header and env values stay text, whatever they look like.
    node[leaf] =
      TEXT_MAPPINGS.has(path[0] as string) || TEXT_FIELDS.has(leaf) ? text : value(key, text);
  }
  return input;
}
