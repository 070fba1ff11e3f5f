/** What a real server needs for direct routing, what is missing, and the changes, in order. */
import { describe, expect, it } from 'vitest';
import { applyWithRollback } from '../../../src/realserver/apply.js';
import {
  type Action,
  type RealServerSpec,
  type RealServerState,
  check,
  describeAction,
  planDown,
  planUp,
} from '../../../src/realserver/plan.js';

const spec: RealServerSpec = {
  vips: [
    { family: 'ipv4', address: '198.51.100.10' },
    { family: 'ipv6', address: '2001:db8::10' },
  ],
  ifname: 'lo',
  forwarding: 'dr',
};
const fresh: RealServerState = {
  interface: { exists: true, up: true },
  addresses: ['127.0.0.1/8', '::1/128'],
  sysctls: { 'all.arp_ignore': 0, 'all.arp_announce': 0 },
};

describe('planUp', () => {
  it('sets the ARP settings before it adds any VIP', () => {
    expect(planUp(spec, fresh).map(describeAction)).toEqual([
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_ignore 0 -> 1/),
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_announce 0 -> 2/),
      'add 198.51.100.10/32 to lo',
      'add 2001:db8::10/128 to lo',
    ]);
  });

  it('changes nothing on a host that is set up (idempotent)', () => {
    const done: RealServerState = {
      ...fresh,
      addresses: [...fresh.addresses, '198.51.100.10/32', '2001:db8::10/128'],
      sysctls: { 'all.arp_ignore': 2, 'all.arp_announce': 2 },
    };
    expect(planUp(spec, done)).toEqual([]);
    expect(check(spec, done).every((f) => f.ok)).toBe(true);
  });

  it('needs no ARP settings for IPv6 VIPs alone', () => {
    const v6: RealServerSpec = { ...spec, vips: [{ family: 'ipv6', address: '2001:db8::10' }] };
    expect(planUp(v6, { ...fresh, sysctls: {} }).map((a) => a.kind)).toEqual(['add-address']);
  });

  it('creates a missing dummy interface and brings it up first', () => {
    const dummy = { ...spec, ifname: 'vip0' };
    const kinds = planUp(dummy, {
      interface: { exists: false, up: false },
      addresses: [],
      sysctls: fresh.sysctls,
    }).map((a) => a.kind);
    expect(kinds.slice(0, 2)).toEqual(['create-interface', 'link-up']);
  });

  it('relaxes strict reverse-path filtering for tunnelling', () => {
    const tun: RealServerSpec = {
      vips: [{ family: 'ipv4', address: '198.51.100.10' }],
      ifname: 'tunl0',
      forwarding: 'tunnel',
    };
    const actions = planUp(tun, {
      interface: { exists: false, up: false },
      addresses: [],
      sysctls: { 'all.arp_ignore': 1, 'all.arp_announce': 2, 'all.rp_filter': 1 },
    });
    expect(actions.map(describeAction)).toEqual([
      'create ipip interface tunl0',
      'set tunl0 up',
      expect.stringMatching(/^net\.ipv4\.conf\.all\.rp_filter 1 -> 2/),
      expect.stringMatching(/^net\.ipv4\.conf\.tunl0\.rp_filter missing -> 0/),
      'add 198.51.100.10/32 to tunl0',
    ]);
  });
});

describe('check', () => {
  it('names each missing piece with what it should be', () => {
    const missing = check(spec, fresh)
      .filter((f) => !f.ok)
      .map((f) => f.what);
    expect(missing).toEqual([
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_ignore = 0 \(needs 1: /),
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_announce = 0 \(needs 2: /),
      'VIP 198.51.100.10/32 is not on lo',
      'VIP 2001:db8::10/128 is not on lo',
    ]);
  });
});

describe('planDown', () => {
  it('removes only the VIPs that are there', () => {
    expect(planDown(spec, { ...fresh, addresses: ['198.51.100.10/32'] })).toEqual([
      { kind: 'remove-address', ifname: 'lo', cidr: '198.51.100.10/32' },
    ]);
  });
});

describe('applyWithRollback', () => {
  it('undoes what the run did, newest first, when an action fails', async () => {
    const applied: string[] = [];
    const actions = planUp(spec, fresh);
    const r = await applyWithRollback(actions, async (a: Action) => {
      if (a.kind === 'add-address' && a.cidr.includes(':')) throw new Error('RTNETLINK: no');
      applied.push(describeAction(a));
    });
    expect(r).toMatchObject({
      ok: false,
      failed: 'add 2001:db8::10/128 to lo',
      error: 'RTNETLINK: no',
    });
    expect(applied.slice(3)).toEqual([
      'remove 198.51.100.10/32 from lo',
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_announce 2 -> 0/),
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_ignore 1 -> 0/),
    ]);
  });
});
