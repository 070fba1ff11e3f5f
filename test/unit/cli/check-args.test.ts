import { describe, expect, it } from 'vitest';
import { checkInput, parseTarget } from '../../../src/cli/check-args.js';

describe('check command line', () => {
  it('reads IPv4 and IPv6 targets with and without a port', () => {
    expect(parseTarget('10.0.0.5')).toEqual({ address: '10.0.0.5' });
    expect(parseTarget('10.0.0.5:80')).toEqual({ address: '10.0.0.5', port: 80 });
    expect(parseTarget('2001:db8::5')).toEqual({ address: '2001:db8::5' });
    expect(parseTarget('[2001:db8::5]:443')).toEqual({ address: '2001:db8::5', port: 443 });
    expect(() => parseTarget('web1:80')).toThrow(
      '"web1:80" is not an IP address (or address:port)',
    );
    expect(() => parseTarget('10.0.0.5:0')).toThrow('"0" in "10.0.0.5:0" is not a port (1-65535)');
  });

  it('types values, nests dotted fields, and keeps text fields as text', () => {
    expect(
      checkInput('https', '10.0.0.5:8443', [
        'rise=3',
        'spread=false',
        'status=[200,"300-302"]',
        'tls.verify=true',
        'tls.sni=www.example',
        'headers.X-Build.Id=42',
        'path=/v1/health',
        'send=123',
      ]),
    ).toEqual({
      type: 'https',
      address: '10.0.0.5',
      port: 8443,
      rise: 3,
      spread: false,
      status: [200, '300-302'],
      tls: { verify: true, sni: 'www.example' },
      headers: { 'X-Build.Id': '42' },
      path: '/v1/health',
      send: '123',
    });
  });

  it('refuses words that are not field=value, bad JSON, and a value used as a mapping', () => {
    expect(() => checkInput('tcp', '::1', ['rise'])).toThrow('"rise" is not field=value');
    expect(() => checkInput('tcp', '::1', ['status=[200'])).toThrow(
      'status: "[200" is not valid JSON',
    );
    expect(() => checkInput('https', '::1', ['tls=1', 'tls.verify=true'])).toThrow(
      'tls.verify: tls is already set to a value',
    );
  });
});
