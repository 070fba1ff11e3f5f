import { describe, expect, it } from 'vitest';
import {
  answerMatches,
  decodeResponse,
  encodeQuery,
} from '../../../src/health/probes/dns-message.js';
import * as health from '../../../src/health/probes/grpc-health.js';
import { buildRequest } from '../../../src/health/probes/http.js';
import { parseResponse } from '../../../src/health/probes/http-response.js';
import { parseCheckOrThrow } from '../../../src/health/spec.js';
import type { HttpProbe } from '../../../src/health/spec.js';

const opts = { head: false, maxBody: 100, ended: false };
const parse = (text: string, o: Partial<typeof opts> = {}) =>
  parseResponse(Buffer.from(text, 'latin1'), { ...opts, ...o });

describe('HTTP response reading', () => {
  it('judges the status as soon as the headers are in when no body is wanted', () => {
    expect(parse('HTTP/1.1 503 Busy\r\nContent-Length: 99\r\n\r\n', { maxBody: 0 })).toMatchObject({
      kind: 'done',
      status: 503,
    });
    expect(parse('HTTP/1.1 200 OK\r\nContent-Le')).toEqual({ kind: 'incomplete' });
  });

  it('reads Content-Length, chunked and close-delimited bodies, up to the limit', () => {
    const cl = parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    expect(cl).toMatchObject({ kind: 'done', status: 200, truncated: false });
    expect(cl.kind === 'done' && cl.body.toString()).toBe('hello');
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel')).toEqual({
      kind: 'incomplete',
      status: 200,
    });
    const chunked = parse(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\n\r\n',
    );
    expect(chunked.kind === 'done' && chunked.body.toString()).toBe('abcdefg');
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab')).toEqual({
      kind: 'incomplete',
      status: 200,
    });
    const closed = parse('HTTP/1.0 200 OK\r\n\r\nuntil close', { ended: true });
    expect(closed.kind === 'done' && closed.body.toString()).toBe('until close');
    const limited = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789', {
      maxBody: 4,
    });
    expect(limited).toMatchObject({ kind: 'done', truncated: true });
    expect(limited.kind === 'done' && limited.body.toString()).toBe('0123');
  });

  it('skips informational responses and knows which responses have no body', () => {
    expect(parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({
      kind: 'done',
      status: 204,
    });
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', { head: true })).toMatchObject({
      kind: 'done',
      status: 200,
    });
  });

  it('refuses what is not HTTP, oversized headers, bad framing and early closes', () => {
    expect(parse('SSH-2.0-OpenSSH\r\n\r\n')).toMatchObject({
      kind: 'invalid',
      reason: 'not an HTTP response: "SSH-2.0-OpenSSH"',
    });
    expect(parse(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(17000)}`)).toEqual({
      kind: 'invalid',
      reason: 'response headers too large',
    });
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n')).toMatchObject({
      kind: 'invalid',
    });
    expect(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toMatchObject({
      kind: 'invalid',
    });
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc', { ended: true })).toMatchObject(
      { kind: 'invalid' },
    );
    expect(parse('', { ended: true })).toMatchObject({
      kind: 'invalid',
      reason: 'connection closed before the response headers',
    });
  });

  it('builds one request with Host, extra headers overriding defaults, and Connection: close', () => {
    const spec = parseCheckOrThrow({
      type: 'http',
      address: '::1',
      port: 8080,
      path: '/healthz?full=1',
      headers: { 'X-Probe': 'anycastd', accept: 'text/plain' },
    }).probe as HttpProbe;
    const text = buildRequest(spec);
    expect(text.startsWith('GET /healthz?full=1 HTTP/1.1\r\nHost: [::1]:8080\r\n')).toBe(true);
    expect(text).toContain('accept: text/plain\r\n');
    expect(text).not.toContain('Accept: */*');
    expect(text).toContain('Connection: close\r\nX-Probe: anycastd\r\n\r\n');
  });
});

describe('DNS messages', () => {
  it('encodes a query as RFC 1035 lays it out', () => {
    expect(encodeQuery(0x1234, 'www.example.', 28).toString('hex')).toBe(
      '12340100000100000000000003777777076578616d706c6500001c0001',
    );
  });

  it('decodes answers with name compression into presentation form', () => {
    const q = encodeQuery(7, 'a.test', 1);
    const answer = (type: number, rdata: number[]) => [
      0xc0,
      12,
      0,
      type,
      0,
      1,
      0,
      0,
      0,
      60,
      0,
      rdata.length,
      ...rdata,
    ];
    const msg = Buffer.concat([
      q.subarray(0, 2),
      Buffer.from([0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 0]),
      q.subarray(12),
      Buffer.from(answer(1, [192, 0, 2, 1])),
      Buffer.from(answer(28, [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
      Buffer.from(answer(5, [3, 0x63, 0x64, 0x6e, 0xc0, 12])),
      Buffer.from(answer(16, [2, 0x68, 0x69])),
    ]);
    const r = decodeResponse(msg);
    expect(r).toMatchObject({ id: 7, rcode: 0, truncated: false });
    expect(r.answers.map((a) => a.data)).toEqual([
      '192.0.2.1',
      '2001:db8::1',
      'cdn.a.test.',
      '"hi"',
    ]);
    expect(answerMatches({ type: 5, data: 'cdn.a.test.' }, 'CDN.A.TEST')).toBe(true);
    expect(answerMatches({ type: 16, data: '"hi"' }, 'hi')).toBe(true);
  });

  it('refuses truncated messages, queries and pointer loops', () => {
    expect(() => decodeResponse(Buffer.alloc(5))).toThrow('shorter than its header');
    expect(() => decodeResponse(encodeQuery(1, 'x', 1))).toThrow('not a response');
    const loop = Buffer.from([0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12]);
    expect(() => decodeResponse(loop)).toThrow('loop');
  });
});

describe('gRPC health messages', () => {
  it('round-trips the request and response', () => {
    expect(health.encodeRequest('').length).toBe(0);
    expect(health.encodeRequest('api.v1').toString('hex')).toBe('0a066170692e7631');
    expect(health.decodeRequest(health.encodeRequest('api.v1'))).toBe('api.v1');
    expect(health.encodeResponse(1).toString('hex')).toBe('0801');
    expect(health.decodeResponse(Buffer.from('0802', 'hex'))).toBe(2);
    expect(health.decodeResponse(Buffer.alloc(0))).toBe(0);
    // Unknown fields are skipped.
    expect(health.decodeResponse(Buffer.from('1203616263' + '0801', 'hex'))).toBe(1);
    expect(health.statusName(3)).toBe('SERVICE_UNKNOWN');
  });
});
