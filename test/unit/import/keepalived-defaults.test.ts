/**
 * keepalived's defaults (2.2.7) as the importer carries them: every timer
 * from the checker, else the real server, else the virtual server, else the
 * checker kind's own default; persistence as keepalived reads it.
 */
import { describe, expect, it } from 'vitest';
import { importKeepalived, seconds } from '../../../src/import/keepalived.js';
import { parseKeepalivedConf } from '../../../src/import/keepalived-conf.js';

const imported = (text: string) => importKeepalived(parseKeepalivedConf(text));
const vs = (body: string, address = '198.51.100.10') =>
  `virtual_server ${address} 80 {\n lb_kind DR\n${body}\n protocol TCP\n}\n`;
const check = (checker: string, extra = '') =>
  imported(vs(` delay_loop 10\n real_server 10.1.0.1 80 {\n${extra}\n  ${checker}\n }`)).services[0]
    ?.reals[0]?.check;

describe('keepalived defaults in the import', () => {
  it('HTTP_GET: status 200-299, retry 1, delay_before_retry 3 s, connect_timeout 5 s', () => {
    expect(check('HTTP_GET {\n url { path /h }\n }')).toEqual({
      type: 'http',
      path: '/h',
      status: '200-299',
      interval: '10s',
      timeout: '5s',
      rise: 1,
      fall: 2,
    });
    // delay_before_retry 3 s is not longer than the 5 s timeout: retried at the interval, said so.
    const r = imported(
      vs(' delay_loop 10\n real_server 10.1.0.1 80 {\n  HTTP_GET {\n   url { path /h }\n  }\n }'),
    );
    expect(r.notes).toContain(
      'line 5: HTTP_GET: retries 3s apart cannot be kept (anycastd retries faster than the interval only when the gap is longer than the timeout 5s and shorter than the interval): retried at the interval 10s',
    );
    expect(check('HTTP_GET {\n connect_timeout 1\n url { path /h }\n }')).toMatchObject({
      timeout: '1s',
      fall: 2,
      fast_interval: '3s',
    });
  });

  it('MISC_CHECK: retry 0 (the first failure counts), misc_timeout the delay_loop', () => {
    const r = imported(
      vs(
        ' delay_loop 10\n real_server 10.1.0.1 80 {\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n }',
      ),
    );
    expect(r.services[0]?.reals[0]?.check).toEqual({
      type: 'exec',
      command: ['/bin/true'],
      interval: '10s',
      timeout: '8s',
      rise: 1,
      fall: 1,
    });
    expect(r.notes).toEqual([
      "line 5: MISC_CHECK: timeout 10s (keepalived's default for MISC_CHECK: the delay_loop) is not shorter than the interval 10s; 8s used",
    ]);
  });

  it('DNS_CHECK: retry 3, retried at the delay_loop', () => {
    const r = imported(
      vs(
        ' delay_loop 10\n real_server 10.1.0.1 80 {\n  DNS_CHECK {\n   name example.org\n   connect_timeout 2\n  }\n }',
      ),
    );
    expect(r.services[0]?.reals[0]?.check).toEqual({
      type: 'dns',
      name: 'example.org',
      qtype: 'SOA',
      interval: '10s',
      timeout: '2s',
      rise: 1,
      fall: 4,
    });
    expect(r.notes).toEqual([]);
  });

  it('takes timers from the real server, then the virtual server, before the defaults', () => {
    const r = imported(
      vs(
        ' delay_loop 10\n retry 5\n connect_timeout 2\n real_server 10.1.0.1 80 {\n  delay_before_retry 4\n  TCP_CHECK {\n  }\n }\n real_server 10.1.0.2 80 {\n  retry 0\n  TCP_CHECK {\n   connect_timeout 1\n  }\n }',
      ),
    );
    expect(r.services[0]?.reals.map((x) => x.check)).toEqual([
      { type: 'tcp', interval: '10s', timeout: '2s', rise: 1, fall: 6, fast_interval: '4s' },
      { type: 'tcp', interval: '10s', timeout: '1s', rise: 1, fall: 1 },
    ]);
    expect(r.notes).toEqual([]);
  });

  it('writes durations in whole milliseconds', () => {
    expect(seconds(2.4000000000000004)).toBe('2400ms');
    expect(seconds(0.1 + 0.2)).toBe('300ms');
    expect(seconds(3)).toBe('3s');
    expect(check('TCP_CHECK {\n connect_timeout 2.4\n }')).toMatchObject({ timeout: '2400ms' });
  });
});

describe('keepalived persistence in the import', () => {
  const persistence = (body: string, address?: string) => {
    const r = imported(
      vs(`${body}\n real_server 10.1.0.1 80 {\n  TCP_CHECK {\n   retry 0\n  }\n }`, address),
    );
    return { persistence: r.services[0]?.persistence, notes: r.notes };
  };

  it('a bare persistence_timeout is 360 s, a granularity alone too', () => {
    expect(persistence(' persistence_timeout')).toEqual({
      persistence: { timeout: 360 },
      notes: [],
    });
    expect(persistence(' persistence_granularity 255.255.255.0')).toEqual({
      persistence: { timeout: 360, netmask: '255.255.255.0' },
      notes: [],
    });
  });

  it('persistence_timeout 0 is no persistence, as keepalived runs it, and says so', () => {
    expect(persistence(' persistence_timeout 0')).toEqual({
      persistence: undefined,
      notes: [
        'line 3: persistence_timeout: 0 is not a timeout keepalived takes (1..2678400): it ran without persistence, and so does this service',
      ],
    });
  });

  it('an IPv6 granularity is a prefix length; 0.0.0.0 is carried as it is', () => {
    expect(
      persistence(' persistence_timeout 600\n persistence_granularity 110', '2001:db8::10'),
    ).toEqual({
      persistence: { timeout: 600, netmask: 110 },
      notes: [],
    });
    expect(persistence(' persistence_timeout 600\n persistence_granularity 0.0.0.0')).toEqual({
      persistence: { timeout: 600, netmask: '0.0.0.0' },
      notes: [],
    });
  });
});

describe('keepalived keys the import does not carry', () => {
  it('names every one, and says what a check then does differently', () => {
    const r = imported(
      vs(
        ' real_server 10.1.0.1 80 {\n  HTTP_GET {\n   url {\n    path /h\n    virtualhost api.example.org\n    username ops\n    password s3cret\n    regex_no_match\n    regex down\n   }\n   warmup 5\n   log_all_failures\n  }\n }',
      ),
    );
    expect(r.services[0]?.reals[0]?.check).toMatchObject({
      type: 'http',
      path: '/h',
      host: 'api.example.org',
      body_not_match: 'down',
    });
    expect(r.notes).toEqual([
      expect.stringMatching(/^line 4: HTTP_GET: retries 3s apart cannot be kept/),
      'line 13: warmup: not carried over: anycastd spreads first runs over the interval itself',
      'line 14: log_all_failures: not carried over',
      'line 8: username: not a keepalived keyword: keepalived 2.2.7 ignores it and sends no credentials, and so does this check (headers: {Authorization: "Basic ..."} would send them)',
      'line 9: password: not a keepalived keyword: keepalived 2.2.7 ignores it and sends no credentials, and so does this check (headers: {Authorization: "Basic ..."} would send them)',
    ]);
  });
});
