import { describe, expect, it } from 'vitest';
import { parseAnnouncements } from '../../../src/bgp/announcement.js';
import { fromPath, toPath } from '../../../src/bgp/path-codec.js';
import { planRoutes } from '../../../src/bgp/plan.js';

const routes = parseAnnouncements([
  {
    prefix: '192.0.2.10',
    med: 7,
    localPref: 150,
    origin: 'egp',
    communities: ['65001:100', 'no-export'],
    largeCommunities: ['4200000000:1:2'],
    asPath: [65001, 65001],
  },
  { prefix: '2001:db8::10', nextHop: '2001:db8::1' },
  { prefix: '198.51.100.0/24', nextHop: '192.0.2.1' },
]);

describe('path codec', () => {
  it('writes the Any payloads GoBGP expects', () => {
    const path = toPath(routes.get('192.0.2.10/32') as never);
    expect(path.family).toEqual({ afi: 'AFI_IP', safi: 'SAFI_UNICAST' });
    expect(path.nlri?.type_url).toBe('type.googleapis.com/apipb.IPAddressPrefix');
    // IPAddressPrefix{prefix_len: 32, prefix: "192.0.2.10"}: field 1 varint, field 2 bytes.
    expect(Buffer.from(path.nlri?.value ?? []).toString('hex')).toBe(
      `0820120a${Buffer.from('192.0.2.10').toString('hex')}`,
    );
    expect(path.pattrs.map((a) => a.type_url.replace(/.*\./, ''))).toEqual([
      'OriginAttribute',
      'NextHopAttribute',
      'AsPathAttribute',
      'MultiExitDiscAttribute',
      'LocalPrefAttribute',
      'CommunitiesAttribute',
      'LargeCommunitiesAttribute',
    ]);
    // OriginAttribute{origin: 1} (EGP).
    expect(Buffer.from(path.pattrs[0]?.value ?? []).toString('hex')).toBe('0801');
    // CommunitiesAttribute packed: 65001:100 = 0xfde90064, NO_EXPORT = 0xffffff01.
    expect(Buffer.from(path.pattrs[5]?.value ?? []).toString('hex')).toBe(
      '0a0ae480a4ef0f81feffff0f',
    );
  });

  it('puts an IPv6 next hop in MP_REACH_NLRI, not NEXT_HOP', () => {
    const path = toPath(routes.get('2001:db8::10/128') as never);
    expect(path.family).toEqual({ afi: 'AFI_IP6', safi: 'SAFI_UNICAST' });
    expect(path.pattrs.map((a) => a.type_url.replace(/.*\./, ''))).toEqual([
      'OriginAttribute',
      'MpReachNLRIAttribute',
    ]);
  });

  it('marks withdrawals', () => {
    expect(toPath(routes.get('198.51.100.0/24') as never, true).is_withdraw).toBe(true);
    expect(toPath(routes.get('198.51.100.0/24') as never).is_withdraw).toBeUndefined();
  });

  it('reads back exactly what it wrote', () => {
    for (const route of routes.values()) {
      const back = fromPath(toPath(route));
      expect(back).toEqual({ ok: true, announcement: route, unknownAttributes: 0 });
    }
  });

  it('counts attributes it does not know and refuses non-prefix NLRI', () => {
    const path = toPath(routes.get('198.51.100.0/24') as never);
    path.pattrs.push({
      type_url: 'type.googleapis.com/apipb.AigpAttribute',
      value: new Uint8Array(),
    });
    const back = fromPath(path);
    expect(back.ok && back.unknownAttributes).toBe(1);
    expect(fromPath({ ...path, nlri: null })).toEqual({
      ok: false,
      reason: 'NLRI missing is not a unicast prefix',
    });
  });
});

describe('planRoutes', () => {
  const a = routes.get('192.0.2.10/32');
  const b = routes.get('2001:db8::10/128');
  const c = routes.get('198.51.100.0/24');
  if (!a || !b || !c) throw new Error('fixtures');
  const held = (...rs: (typeof a)[]) =>
    new Map(rs.map((r) => [r.prefix, { route: r, unknownAttributes: 0 }]));

  it('adopts what matches, withdraws first, then adds and replaces', () => {
    const desired = new Map([
      [a.prefix, a],
      [b.prefix, { ...b, med: 5 }],
    ]);
    const ops = planRoutes(desired, held(b, c, a));
    expect(ops.map((o) => [o.op, o.route.prefix, o.op === 'announce' && !!o.replaces])).toEqual([
      ['withdraw', c.prefix, false],
      ['announce', b.prefix, true],
    ]);
  });

  it('does nothing when GoBGP already matches', () => {
    expect(planRoutes(new Map([[a.prefix, a]]), held(a))).toEqual([]);
  });

  it('replaces a route carrying attributes anycastd did not write', () => {
    const ops = planRoutes(
      new Map([[a.prefix, a]]),
      new Map([[a.prefix, { route: a, unknownAttributes: 1 }]]),
    );
    expect(ops).toEqual([{ op: 'announce', route: a, replaces: a }]);
  });
});
