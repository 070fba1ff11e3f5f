/**
 * Limits on configuration text, checked before the YAML parser sees it: a
 * file, a SIGHUP or an API request must not be able to make the daemon read
 * without end or recurse without end. Each limit is far above what a real
 * configuration needs (10,000 services × 10 real servers is about 4 MB, with
 * nesting under 10 levels).
 */
import { open } from 'node:fs/promises';

/** Bytes a configuration may have. */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;
/** Flow collections (`[...]`, `{...}`) nested deeper than this are refused. */
export const MAX_NESTING = 64;
/** YAML aliases (`*name`) a configuration may use. */
export const MAX_ALIASES = 100;

export class TooLarge extends Error {}

/**
 * Reads a file of at most `limit` bytes; a longer one (or an endless one,
 * such as /dev/zero) is refused after reading one byte past the limit.
 */
export async function readBounded(file: string, limit = MAX_CONFIG_BYTES): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const stat = await handle.stat();
    if (stat.isFile() && stat.size > limit) throw tooLarge(stat.size, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.alloc(Math.min(1 << 20, limit + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw tooLarge(undefined, limit);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}

function tooLarge(size: number | undefined, limit: number): TooLarge {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  return new TooLarge(
    `${size === undefined ? 'more than' : 'it has'} ${size === undefined ? mib(limit) : `${size} bytes`}; ` +
      `a configuration may have at most ${mib(limit)}`,
  );
}

/**
 * Why `text` is refused before parsing, or undefined: too long, or flow
 * collections nested deeper than MAX_NESTING. Quoted scalars and comments are
 * skipped so brackets inside them do not count.
 */
export function textBoundsProblem(text: string): { message: string; line?: number } | undefined {
  // UTF-8 takes at least a byte per UTF-16 unit and at most three: count only when in doubt.
  if (
    text.length > MAX_CONFIG_BYTES ||
    (text.length * 3 > MAX_CONFIG_BYTES && Buffer.byteLength(text) > MAX_CONFIG_BYTES)
  )
    return { message: `a configuration may have at most ${MAX_CONFIG_BYTES} bytes` };
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) {
        // '' inside a single-quoted scalar is an escaped quote.
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) comment = true;
    else if (c === '"' || (c === "'" && (i === 0 || /[\s[{,:]/.test(text[i - 1] ?? '')))) quote = c;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth > MAX_NESTING)
        return {
          message: `collections are nested more than ${MAX_NESTING} levels deep`,
          line,
        };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}
