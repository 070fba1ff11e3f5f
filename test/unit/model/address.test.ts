import { describe, expect, it } from 'vitest';
import {
  canonicalAddress,
  formatIPv6,
  ipv4PrefixMask,
  parseAddress,
  parseIPv4,
  parseIPv6,
} from '../../../src/model/address.js';

const v6 = (text: string) => {
  const bytes = parseIPv6(text);
  if (!bytes) throw new Error(`test input ${text} does not parse`);
  return formatIPv6(bytes);
};

describe('IPv4', () => {
  it.each(['0.0.0.0', '192.0.2.10', '255.255.255.255', '10.0.0.1'])('parses %s', (a) => {
    expect(parseIPv4(a)).toBeDefined();
    expect(canonicalAddress(a)).toEqual({ family: 'ipv4', address: a });
  });
  it.each([
    '10.0.0.300',
    '10.0.0',
    '10.0.0.1.2',
    '010.0.0.1',
    '1.2.3.-4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '',
  ])('refuses %j', (a) => expect(parseIPv4(a)).toBeUndefined());
  it('builds prefix masks', () => {
    expect(ipv4PrefixMask(32)).toBe(0xffffffff);
    expect(ipv4PrefixMask(24)).toBe(0xffffff00);
    expect(ipv4PrefixMask(1)).toBe(0x80000000);
    expect(ipv4PrefixMask(0)).toBe(0);
  });
});

describe('IPv6 formatting (glibc inet_ntop)', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8::0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::192.0.2.1', '::192.0.2.1'],
    ['::ffff:0:c000:201', '::ffff:0:c000:201'],
    ['fe80::1:2:3:4', 'fe80::1:2:3:4'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:db8:1234:5678:9abc:def0:1234:5678', '2001:db8:1234:5678:9abc:def0:1234:5678'],
  ])('%s -> %s', (input, expected) => expect(v6(input)).toBe(expected));

  it.each([
    '',
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '::1%eth0',
    '1.2.3.4',
  ])('refuses %j', (a) => expect(parseIPv6(a)).toBeUndefined());

  it('accepts brackets and tells the family', () => {
    expect(parseAddress('[2001:db8::1]')?.family).toBe('ipv6');
    expect(parseAddress('192.0.2.1')?.family).toBe('ipv4');
    expect(parseAddress('example.org')).toBeUndefined();
  });
});
