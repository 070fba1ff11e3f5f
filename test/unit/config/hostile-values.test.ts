/**
 * Values that parse as their type but would make a director do harm or
 * nonsense: addresses that cannot be a VIP, text that would split a request,
 * names no resolver takes, an API anyone on the network could drive.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { parseCheck } from '../../../src/health/spec.js';
import { minimalConfig } from './minimal.js';

const minimal = minimalConfig;

const problems = (doc: unknown) =>
  (parseConfig(doc).issues ?? []).map((i) => `${i.path}: ${i.message}`);

const checkProblems = (check: Record<string, unknown>) =>
  parseCheck(check, { address: '10.0.0.5', port: 80 }).issues?.map(
    (i) => `${i.path}: ${i.message}`,
  ) ?? [];

describe('VIP addresses', () => {
  it.each([
    ['0.0.0.0', 'the unspecified address'],
    ['::', 'the unspecified address'],
    ['255.255.255.255', 'the broadcast address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['127.0.0.53', 'a loopback address'],
    ['::1', 'the loopback address'],
    ['169.254.1.1', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['0.1.2.3', 'in 0.0.0.0/8'],
    ['240.0.0.1', 'in 240.0.0.0/4'],
  ])('refuses %s as %s, naming the field', (vip, why) => {
    const said = problems(minimal({ vip }));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`services[0].vip: "${vip}" is ${why}`);
    expect(said[0]).toContain('a VIP must be a unicast address routers can forward to');
  });

  it.each(['198.51.100.10', '10.0.0.1', '192.168.1.1', '2001:db8::10', 'fd00::1', '100.64.0.1'])(
    'takes %s (public, private and documentation ranges)',
    (vip) => {
      const reals = [{ address: vip.includes(':') ? '2001:db8:1::2' : '10.1.0.2' }];
      expect(problems(minimal({ vip, reals }))).toEqual([]);
    },
  );
});

describe('api.listen', () => {
  it('refuses a TCP address off loopback without a token, naming the way out', () => {
    const said = problems(minimal({}, { api: { listen: '0.0.0.0:9100' } }));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /^api\.listen: "0\.0\.0\.0:9100" is not on loopback, .*api\.token_file/,
    );
    expect(problems(minimal({}, { api: { listen: '[2001:db8::1]:9100' } }))).toHaveLength(1);
  });

  it('takes loopback, localhost, a unix socket, or any address with a token', () => {
    for (const listen of ['127.0.0.1:9100', '[::1]:9100', 'localhost:9100', 'unix:///run/a.sock'])
      expect(problems(minimal({}, { api: { listen } })), listen).toEqual([]);
    expect(
      problems(minimal({}, { api: { listen: '0.0.0.0:9100', token_file: '/etc/anycastd/token' } })),
    ).toEqual([]);
  });
});

describe('metrics.listen', () => {
  it('takes host:port or a bare port (on 127.0.0.1); a unix socket or a non-address is refused', () => {
    expect(parseConfig(minimal({}, { metrics: { listen: 9750 } })).config?.metrics.listen).toBe(
      '127.0.0.1:9750',
    );
    expect(
      parseConfig(minimal({}, { metrics: { listen: '[::]:9750' } })).config?.metrics.listen,
    ).toBe('[::]:9750');
    expect(parseConfig(minimal({})).config?.metrics.listen).toBeUndefined();
    expect(problems(minimal({}, { metrics: { listen: 'unix:///run/m.sock' } }))).toEqual([
      'metrics.listen: "unix:///run/m.sock" is not host:port, [v6]:port or a port (on 127.0.0.1)',
    ]);
    expect(problems(minimal({}, { metrics: { listen: 70000 } }))).toEqual([
      'metrics.listen: must be at most 65535, got 70000',
    ]);
  });
});

describe('text a check writes into a protocol', () => {
  it.each([
    [{ type: 'http', path: '/x\r\nX-Injected: 1' }, 'path', 'a line break'],
    [{ type: 'http', host: 'a.example\r\nX: 1' }, 'host', 'a line break'],
    [{ type: 'http', path: '/a b' }, 'path', 'a space'],
    [{ type: 'http', host: 'a\u0000b' }, 'host', 'a control character (0x00)'],
    [{ type: 'https', tls: { sni: 'a\nb' } }, 'tls.sni', 'a line break'],
    [{ type: 'grpc', service: 'svc\r\n' }, 'service', 'a line break'],
  ])('refuses %j in %s (%s)', (check, field, what) => {
    const said = checkProblems(check);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      new RegExp(`^${field.replace('.', '\\.')}: ".*" contains ${what.replace(/[()]/g, '\\$&')}`),
    );
  });

  it('checks DNS names label by label', () => {
    const long = 'a'.repeat(64);
    expect(checkProblems({ type: 'dns', name: `${long}.example.` })).toEqual([
      `name: "${long}.example." has a label of 64 characters (label 1); at most 63`,
    ]);
    expect(checkProblems({ type: 'dns', name: 'a..example' })[0]).toContain(
      'has an empty label (label 2)',
    );
    expect(checkProblems({ type: 'dns', name: 'a b.example' })[0]).toContain('printable ASCII');
    const tooLong = Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.');
    expect(checkProblems({ type: 'dns', name: tooLong })[0]).toContain('at most 253');
    for (const name of [
      'health.example.',
      'www.example',
      '.',
      '_dmarc.example',
      `${'a'.repeat(63)}.x`,
    ])
      expect(checkProblems({ type: 'dns', name }), name).toEqual([]);
  });
});
