import { describe, expect, it } from 'vitest';
import { parseCheck } from '../../../src/health/spec.js';

const paths = (input: unknown, defaults = {}, path = 'check') => {
  const r = parseCheck(input, defaults, path);
  return r.issues?.map((i) => `${i.path}: ${i.message}`) ?? [];
};

describe('parseCheck', () => {
  it('fills defaults and takes the target from the real server', () => {
    const r = parseCheck({ type: 'http' }, { address: '10.0.0.5', port: 8080 });
    expect(r.issues).toBeUndefined();
    expect(r.spec?.probe).toMatchObject({
      type: 'http',
      target: { address: '10.0.0.5', port: 8080 },
      method: 'GET',
      path: '/',
      status: [{ from: 200, to: 399 }],
      maxBodyBytes: 65536,
      tls: { verify: false },
    });
    expect(r.spec?.timing).toEqual({
      intervalMs: 2000,
      timeoutMs: 1000,
      rise: 2,
      fall: 3,
      fastIntervalMs: 2000,
      initial: 'unknown',
      spread: true,
    });
  });

  it('lets a check name its own target (a health port)', () => {
    const r = parseCheck(
      { type: 'tcp', port: 9000, interval: '500ms', timeout: 0.2 },
      { address: '10.0.0.5', port: 80 },
    );
    expect(r.spec?.probe.target).toEqual({ address: '10.0.0.5', port: 9000, source: undefined });
    expect(r.spec?.timing.intervalMs).toBe(500);
    expect(r.spec?.timing.timeoutMs).toBe(200);
  });

  it('reads status lists and ranges, payloads in text and hex, dns names and types', () => {
    const http = parseCheck({
      type: 'https',
      address: '::1',
      status: [200, '301-302'],
      body_match: 'ok$',
    });
    expect(http.spec?.probe).toMatchObject({
      status: [
        { from: 200, to: 200 },
        { from: 301, to: 302 },
      ],
    });
    expect(http.spec?.probe.target.port).toBe(443);
    const udp = parseCheck({
      type: 'udp',
      address: '127.0.0.1',
      port: 7,
      send: '01 02ff',
      payload: 'hex',
      expect: 'a+',
      match: 'regex',
    });
    expect(udp.spec?.probe).toMatchObject({ send: Uint8Array.from([1, 2, 255]), expect: /a+/ });
    const dns = parseCheck({
      type: 'dns',
      address: '127.0.0.1',
      name: 'www.example.',
      qtype: 'AAAA',
      rcode: 'NXDOMAIN',
    });
    expect(dns.spec?.probe).toMatchObject({
      qtype: 28,
      rcode: 3,
      transport: 'udp',
      target: { port: 53 },
    });
  });

  it('names every bad field with its value', () => {
    expect(
      paths({
        type: 'http',
        address: '10.0.0.300',
        port: 70000,
        rise: 0,
        method: 'FETCH',
        status: '999',
        colour: 'red',
      }),
    ).toEqual([
      'check.address: "10.0.0.300" is not an IP address',
      'check.port: must be at most 65535, got 70000',
      'check.rise: must be at least 1, got 0',
      'check.method: must be one of "GET", "HEAD", "POST", "PUT", "OPTIONS", got "FETCH"',
      'check.status: "999" is not a status code or range (e.g. 200 or "200-399")',
      'check.colour: unknown field',
    ]);
  });

  it('refuses an unknown type, bad durations and a timeout not shorter than the interval', () => {
    expect(paths({ type: 'smtp' })).toEqual([
      'check.type: must be one of tcp, http, https, udp, dns, grpc, exec, icmp, file, got "smtp"',
    ]);
    expect(paths({ type: 'tcp', address: '127.0.0.1', port: 1, interval: '2 fortnights' })).toEqual(
      [
        'check.interval: "2 fortnights" is not a duration (use e.g. "500ms", "2s", "1m", or a number of seconds)',
      ],
    );
    expect(
      paths({ type: 'tcp', address: '127.0.0.1', port: 1, interval: '1s', timeout: '1s' }),
    ).toEqual(['check.timeout: 1s must be shorter than the interval (1s)']);
  });

  it('needs a target when the real server gives none', () => {
    expect(paths({ type: 'tcp' })).toEqual([
      'check.address: is required (no real server address to default to)',
      'check.port: is required for tcp checks (no real server port to default to)',
    ]);
  });

  it('refuses malformed hex, regexes, header names, tls halves and a source of the other family', () => {
    expect(
      paths({
        type: 'https',
        address: '127.0.0.1',
        port: 1,
        source: '::1',
        headers: { 'bad header': 'x' },
        body_not_match: '(',
        body_md5: 'abc',
        tls: { cert: '/c.pem' },
      }),
    ).toEqual([
      'check.headers.bad header: "bad header" is not a valid header name',
      'check.body_not_match: "(" is not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
      'check.body_md5: "abc" is not an MD5 (32 hex digits)',
      'check.tls: cert and key must be given together',
    ]);
    expect(
      paths({ type: 'tcp', address: '127.0.0.1', port: 1, send: 'zz', payload: 'hex' }),
    ).toEqual(['check.send: "zz" is not hex (pairs of 0-9a-f)']);
    expect(paths({ type: 'tcp', address: '127.0.0.1', port: 1, source: '::1' })).toEqual([
      'check.source: "::1" is not of the same address family as "127.0.0.1"',
    ]);
  });

  it('runs exec checks without a port and refuses an empty command', () => {
    const r = parseCheck(
      { type: 'exec', command: ['/bin/true'], dynamic_weight: true },
      { address: '10.0.0.1' },
    );
    expect(r.spec?.probe).toMatchObject({
      type: 'exec',
      target: { port: 0 },
      command: ['/bin/true'],
      dynamicWeight: true,
    });
    expect(paths({ type: 'exec', address: '10.0.0.1', command: [] })).toEqual([
      'check.command: must have at least 1 entry, got []',
    ]);
  });
});
