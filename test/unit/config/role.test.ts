/** Primary and backup directors: the attributes a backup's VIPs are announced with. */
import { describe, expect, it } from 'vitest';
import { parseConfig, parseConfigOrThrow } from '../../../src/config/parse.js';

const doc = (over: { director?: object; bgp?: object; announce?: object } = {}) => ({
  director: { name: 'lb1', router_id: '192.0.2.11', ...over.director },
  bgp: {
    asn: 65001,
    peers: [{ address: '192.0.2.1', asn: 65000 }],
    announce: { communities: ['65001:100'] },
    ...over.bgp,
  },
  services: [
    {
      name: 'web',
      vip: '198.51.100.10',
      ports: [{ port: 80 }],
      reals: [{ address: '10.1.0.1' }],
      ...(over.announce && { announce: over.announce }),
    },
  ],
});
const announceOf = (d: object) => parseConfigOrThrow(d).services[0]?.announce;

describe('director and VIP roles', () => {
  it('announces plainly as primary, the default', () => {
    const a = announceOf(doc());
    expect(a?.role).toBe('primary');
    expect(a?.route.asPath).toEqual([]);
  });

  it('prepends the AS three times as backup by default, draining included', () => {
    const a = announceOf(doc({ director: { role: 'backup' } }));
    expect(a?.role).toBe('backup');
    expect(a?.route.asPath).toEqual([65001, 65001, 65001]);
    expect(a?.route.communities).toEqual(['65001:100']);
    expect(a?.drainingRoute.asPath).toEqual([65001, 65001, 65001]);
  });

  it("takes bgp.backup's attributes over the VIP's own, adding communities", () => {
    const a = announceOf(
      doc({
        director: { role: 'backup' },
        bgp: { backup: { med: 500, communities: ['65001:666'] } },
        announce: { med: 10 },
      }),
    );
    expect(a?.route.med).toBe(500);
    expect(a?.route.asPath).toEqual([]);
    expect(a?.route.communities).toEqual(['65001:100', '65001:666']);
  });

  it('lets a VIP take its own role against the director default', () => {
    expect(announceOf(doc({ announce: { role: 'backup' } }))?.route.asPath).toHaveLength(3);
    expect(
      announceOf(doc({ director: { role: 'backup' }, announce: { role: 'primary' } }))?.route
        .asPath,
    ).toEqual([]);
  });

  it('refuses an unknown role and two roles for one VIP, naming them', () => {
    const bad = parseConfig(doc({ director: { role: 'standby' } }));
    expect(bad.issues?.map((i) => i.path)).toEqual(['director.role']);
    const d = doc();
    const r = parseConfig({
      ...d,
      services: [
        ...d.services,
        {
          ...d.services[0],
          name: 'web-udp',
          ports: [{ port: 53, protocol: 'udp' }],
          announce: { role: 'backup' },
        },
      ],
    });
    expect(r.issues?.map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^services\[1\]\.announce: route attributes differ from service "web"/),
    ]);
  });
});
