import { describe, expect, it } from 'vitest';
import {
  parseAnnouncements,
  parsePrefix,
  sameAnnouncement,
} from '../../../src/bgp/announcement.js';
import { InvalidInputError } from '../../../src/input/issues.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected InvalidInputError');
}

describe('parseAnnouncements', () => {
  it('canonicalizes host routes, next hops and attribute sets', () => {
    const got = parseAnnouncements([
      {
        prefix: '2001:DB8:0:0::1',
        nextHop: '2001:db8:0::ff',
        communities: ['65001:2', 'graceful-shutdown', '65001:2', '1:1'],
        largeCommunities: ['10:2:3', '9:9:9'],
      },
      { prefix: '10.0.0.0/24', med: 10, localPref: 200, origin: 'incomplete', asPath: [65001] },
    ]);
    expect([...got.keys()]).toEqual(['2001:db8::1/128', '10.0.0.0/24']);
    expect(got.get('2001:db8::1/128')).toMatchObject({
      family: 'ipv6',
      prefixLength: 128,
      nextHop: '2001:db8::ff',
      origin: 'igp',
      communities: ['1:1', '65001:2', '65535:0'],
      largeCommunities: ['9:9:9', '10:2:3'],
      asPath: [],
    });
    expect(got.get('10.0.0.0/24')).toMatchObject({
      nextHop: '0.0.0.0',
      med: 10,
      localPref: 200,
      origin: 'incomplete',
      asPath: [65001],
    });
  });

  it('names every bad value and applies nothing', () => {
    expect(
      problems(() =>
        parseAnnouncements([
          { prefix: '10.0.0.300' },
          { prefix: '10.0.0.1/24' },
          { prefix: '10.0.0.2', nextHop: '2001:db8::1', med: -1, localPref: 1.5 },
          { prefix: '10.0.0.3', communities: ['65536:1', 'nope'], largeCommunities: ['1:2'] },
          { prefix: '10.0.0.4', asPath: [0, 23456, 4294967296] },
          { prefix: '10.0.0.5', origin: 'bgp' as 'igp' },
          { prefix: '10.0.0.6' },
          { prefix: '10.0.0.6/32' },
        ]),
      ),
    ).toEqual([
      '[0].prefix: "10.0.0.300" is not an IP address or prefix',
      '[1].prefix: "10.0.0.1/24" has host bits set beyond /24',
      '[2].nextHop: "2001:db8::1" is not an IPv4 address',
      '[2].med: -1 is not a whole number in 0..4294967295',
      '[2].localPref: 1.5 is not a whole number in 0..4294967295',
      '[3].communities[0]: "65536:1" is not a community (asn:value, each 0..65535, or a well-known name)',
      '[3].communities[1]: "nope" is not a community (asn:value, each 0..65535, or a well-known name)',
      '[3].largeCommunities[0]: "1:2" is not a large community (global:local1:local2, each 0..4294967295)',
      '[4].asPath[0]: 0 is not a valid ASN (1..4294967295, not 23456)',
      '[4].asPath[1]: 23456 is not a valid ASN (1..4294967295, not 23456)',
      '[4].asPath[2]: 4294967296 is not a valid ASN (1..4294967295, not 23456)',
      '[5].origin: "bgp" is not one of igp, egp, incomplete',
      '[7].prefix: 10.0.0.6/32 is announced twice',
    ]);
  });

  it('refuses prefix lengths outside the family', () => {
    expect(parsePrefix('10.0.0.0/33')).toBe('"10.0.0.0/33" has a prefix length outside 1..32');
    expect(parsePrefix('::/0')).toBe('"::/0" has a prefix length outside 1..128');
    expect(parsePrefix('2001:db8::/32')).toEqual({
      family: 'ipv6',
      address: '2001:db8::',
      length: 32,
    });
  });

  it('compares announcements by every attribute', () => {
    const base = parseAnnouncements([{ prefix: '10.1.1.1', communities: ['1:1'] }]);
    const a = base.get('10.1.1.1/32');
    if (!a) throw new Error('missing');
    expect(sameAnnouncement(a, { ...a })).toBe(true);
    expect(sameAnnouncement(a, { ...a, med: 0 })).toBe(false);
    expect(sameAnnouncement(a, { ...a, communities: ['1:2'] })).toBe(false);
    expect(sameAnnouncement(a, { ...a, asPath: [1] })).toBe(false);
    expect(sameAnnouncement(a, { ...a, nextHop: '10.0.0.1' })).toBe(false);
  });
});
