import { describe, expect, it } from 'vitest';
import { parseRouteEvents } from '../../lab/route-events.js';

// As `ip -timestamp monitor route` (iproute2 6.1) printed it for an ECMP route
// added, replaced by a single next hop, then deleted, with local-table noise.
const OUTPUT = `Timestamp: Sat Nov 21 18:06:51 2026 876875 usec
198.51.100.10 
\tnexthop via 10.9.0.2 dev v0 weight 1 
\tnexthop via 10.9.1.2 dev v1 weight 1 onlink 
Timestamp: Sat Nov 21 18:06:51 2026 880382 usec
198.51.100.10 via 10.9.0.2 dev v0 onlink 
Timestamp: Sat Nov 21 18:06:51 2026 882795 usec
Deleted 198.51.100.10 via 10.9.0.2 dev v0 onlink 
Timestamp: Sat Nov 21 18:06:52 2026 924550 usec
local fe80::b055:cbff:feb5:e84c dev v1 table local proto kernel metric 0 pref medium
Timestamp: Sat Nov 21 18:06:53 2026 000001 usec
2001:db8:100::10 proto bird metric 32 
\tnexthop via inet6 fe80::2 dev v1 weight 1 
\tnexthop via inet6 fe80::1 dev v0 weight 1 pref medium
Timestamp: Sat Nov 21 18:06:54 2026 5 usec
blackhole 192.0.2.254 
Timestamp: Sat Nov 21 18:06:54 2026 4518 usec
Deleted blackhole 192.0.2.254 
`;

describe('route events from ip -timestamp monitor route', () => {
  it('reads each main-table route state with its time, multipath and deletions included', () => {
    const base = Date.parse('Sat Nov 21 18:06:51 2026');
    expect(parseRouteEvents(OUTPUT)).toEqual([
      { at: base + 876.875, dest: '198.51.100.10', nexthops: ['10.9.0.2', '10.9.1.2'] },
      { at: base + 880.382, dest: '198.51.100.10', nexthops: ['10.9.0.2'] },
      { at: base + 882.795, dest: '198.51.100.10', nexthops: [] },
      { at: base + 2000.001, dest: '2001:db8:100::10', nexthops: ['fe80::1', 'fe80::2'] },
      { at: base + 3000.005, dest: '192.0.2.254', nexthops: [] },
      { at: base + 3004.518, dest: '192.0.2.254', nexthops: [] },
    ]);
  });

  it('leaves an event still being written (text cut inside it) for the next read', () => {
    const cut = OUTPUT.slice(0, OUTPUT.indexOf('10.9.1.2 dev v1'));
    expect(parseRouteEvents(cut)).toEqual([]);
    const twoAndABit = OUTPUT.slice(0, OUTPUT.indexOf('Deleted') + 3);
    expect(parseRouteEvents(twoAndABit).map((e) => e.nexthops)).toEqual([
      ['10.9.0.2', '10.9.1.2'],
      ['10.9.0.2'],
    ]);
  });
});
