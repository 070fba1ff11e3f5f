/**
 * Reads an HTTP/1.x response out of the bytes received so far: status line,
 * headers, and as much body as the check wants (Content-Length, chunked, or
 * up to the close). Pure, so every framing case is tested without sockets.
 */

export const MAX_HEADER_BYTES = 16 * 1024;
/** Interim (1xx) responses taken before the real one; more is a server that never answers. */
export const MAX_INTERIM = 8;
/** A chunk-size line (size and extensions) longer than this is not a chunk header. */
export const MAX_CHUNK_LINE = 1024;

export type Parsed =
  | { kind: 'incomplete'; status?: number | undefined }
  | { kind: 'invalid'; reason: string }
  | { kind: 'done'; status: number; body: Buffer; truncated: boolean };

export interface ParseOptions {
  /** No body follows (HEAD request). */
  head: boolean;
  /** Read at most this much body; 0 stops right after the headers. */
  maxBody: number;
  /** The peer closed the connection: whatever body arrived is all of it. */
  ended: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Parses `data` from its first byte; call again with more data while incomplete. */
export function parseResponse(data: Buffer, options: ParseOptions): Parsed {
  let start = 0;
  let interim = 0;
  for (;;) {
    const end = data.indexOf(CRLFCRLF, start);
    if (end < 0) {
      if (data.length - start > MAX_HEADER_BYTES)
        return { kind: 'invalid', reason: 'response headers too large' };
      if (options.ended)
        return { kind: 'invalid', reason: 'connection closed before the response headers' };
      return { kind: 'incomplete' };
    }
    const head = data.toString('latin1', start, end);
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] as string);
    if (!m)
      return {
        kind: 'invalid',
        reason: `not an HTTP response: ${JSON.stringify((lines[0] as string).slice(0, 40))}`,
      };
    const status = Number(m[1]);
    const bodyStart = end + 4;
    // Informational responses precede the real one.
    if (status >= 100 && status < 200 && status !== 101) {
      interim++;
      if (interim > MAX_INTERIM)
        return { kind: 'invalid', reason: `more than ${MAX_INTERIM} interim (1xx) responses` };
      start = bodyStart;
      continue;
    }
    if (options.maxBody === 0 || options.head || status === 204 || status === 304 || status < 200) {
      return { kind: 'done', status, body: Buffer.alloc(0), truncated: false };
    }
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    return readBody(data, bodyStart, status, headers, options);
  }
}

function readBody(
  data: Buffer,
  start: number,
  status: number,
  headers: Map<string, string>,
  options: ParseOptions,
): Parsed {
  const max = options.maxBody;
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? ''))
    return readChunked(data, start, status, options);
  const lengthText = headers.get('content-length');
  if (lengthText !== undefined) {
    if (!/^\d+$/.test(lengthText))
      return { kind: 'invalid', reason: `bad Content-Length ${JSON.stringify(lengthText)}` };
    const want = Math.min(Number(lengthText), max);
    if (data.length - start >= want) {
      return {
        kind: 'done',
        status,
        body: data.subarray(start, start + want),
        truncated: Number(lengthText) > max,
      };
    }
    if (options.ended)
      return { kind: 'invalid', reason: 'connection closed before the end of the body' };
    return { kind: 'incomplete', status };
  }
  // No framing: the body runs until the server closes.
  if (data.length - start >= max)
    return { kind: 'done', status, body: data.subarray(start, start + max), truncated: true };
  if (options.ended) return { kind: 'done', status, body: data.subarray(start), truncated: false };
  return { kind: 'incomplete', status };
}

function readChunked(data: Buffer, start: number, status: number, options: ParseOptions): Parsed {
  const parts: Buffer[] = [];
  let size = 0;
  let pos = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', pos, 'latin1');
    if (lineEnd < 0) {
      if (data.length - pos > MAX_CHUNK_LINE)
        return { kind: 'invalid', reason: `chunk-size line longer than ${MAX_CHUNK_LINE} bytes` };
      break;
    }
    if (lineEnd - pos > MAX_CHUNK_LINE)
      return { kind: 'invalid', reason: `chunk-size line longer than ${MAX_CHUNK_LINE} bytes` };
    const sizeText = data.toString('latin1', pos, lineEnd).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText))
      return { kind: 'invalid', reason: 'bad chunk size in chunked body' };
    const chunk = parseInt(sizeText, 16);
    if (chunk === 0) return { kind: 'done', status, body: Buffer.concat(parts), truncated: false };
    const available = Math.min(chunk, data.length - (lineEnd + 2));
    const take = Math.min(available, options.maxBody - size);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + take));
    size += take;
    if (size >= options.maxBody)
      return { kind: 'done', status, body: Buffer.concat(parts), truncated: true };
    if (available < chunk) break;
    pos = lineEnd + 2 + chunk + 2;
  }
  if (options.ended)
    return { kind: 'invalid', reason: 'connection closed before the end of the chunked body' };
  return { kind: 'incomplete', status };
}
