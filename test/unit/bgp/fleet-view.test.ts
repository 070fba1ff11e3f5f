/** Who else announces each VIP, from what the other directors sent. */
import { describe, expect, it } from 'vitest';
import { type AnnouncementSpec, parseAnnouncements } from '../../../src/bgp/announcement.js';
import { fleetView } from '../../../src/bgp/fleet-view.js';
import type { DestinationMessage } from '../../../src/bgp/messages.js';
import { toPath } from '../../../src/bgp/path-codec.js';

function sent(...specs: AnnouncementSpec[]): DestinationMessage[] {
  return [...parseAnnouncements(specs).values()].map((a) => ({
    prefix: a.prefix,
    paths: [toPath(a)],
  }));
}

describe('fleetView', () => {
  it('counts healthy announcers apart from fail-open (marked) and draining (GRACEFUL_SHUTDOWN) ones', () => {
    const view = fleetView(
      new Map([
        [
          '192.0.2.12',
          sent(
            { prefix: '198.51.100.10/32' },
            { prefix: '198.51.100.11/32', largeCommunities: ['65001:0:1'] },
          ),
        ],
        [
          '192.0.2.13',
          sent(
            { prefix: '198.51.100.10/32', communities: ['graceful-shutdown'] },
            { prefix: '2001:db8::10/128' },
          ),
        ],
        ['192.0.2.14', []],
      ]),
      2,
      '65001:0:1',
    );
    expect(view.established).toBe(2);
    expect(view.peers).toBe(3);
    expect(Object.fromEntries(view.announcers)).toEqual({
      '198.51.100.10/32': { healthy: ['192.0.2.12'], degraded: ['192.0.2.13'] },
      '198.51.100.11/32': { healthy: [], degraded: ['192.0.2.12'] },
      '2001:db8::10/128': { healthy: ['192.0.2.13'], degraded: [] },
    });
  });
});
