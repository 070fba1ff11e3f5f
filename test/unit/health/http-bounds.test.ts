/**
 * The HTTP probe's parser keeps what a hostile server can make it hold
 * bounded: endless interim responses and endless chunk-size lines are refused
 * as soon as they pass their limit, not at the check's timeout.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_CHUNK_LINE,
  MAX_HEADER_BYTES,
  MAX_INTERIM,
  parseResponse,
} from '../../../src/health/probes/http-response.js';

const parse = (text: string, ended = false) =>
  parseResponse(Buffer.from(text, 'latin1'), { head: false, maxBody: 65536, ended });

describe('bounds of the HTTP response parser', () => {
  it(`takes ${MAX_INTERIM} interim responses and refuses one more`, () => {
    const interim = (n: number) => 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(n);
    const final = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    expect(parse(interim(MAX_INTERIM) + final)).toMatchObject({ kind: 'done', status: 200 });
    expect(parse(interim(MAX_INTERIM + 1))).toEqual({
      kind: 'invalid',
      reason: `more than ${MAX_INTERIM} interim (1xx) responses`,
    });
  });

  it('refuses a chunk-size line that does not end, once it passes the limit', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(parse(`${head}${'0'.repeat(MAX_CHUNK_LINE)}`)).toMatchObject({ kind: 'incomplete' });
    const refused = {
      kind: 'invalid',
      reason: `chunk-size line longer than ${MAX_CHUNK_LINE} bytes`,
    };
    expect(parse(`${head}${'0'.repeat(MAX_CHUNK_LINE + 1)}`)).toEqual(refused);
    // Extensions count too: a size followed by an endless extension.
    expect(parse(`${head}5;${'x'.repeat(MAX_CHUNK_LINE)}\r\nhello\r\n0\r\n\r\n`)).toEqual(refused);
    expect(parse(`${head}5;ext=1\r\nhello\r\n0\r\n\r\n`)).toMatchObject({ kind: 'done' });
  });

  it('refuses headers that do not end, once they pass the limit', () => {
    const endless = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEADER_BYTES)}`;
    expect(parse(endless)).toEqual({ kind: 'invalid', reason: 'response headers too large' });
  });
});
