/**
 * rtnetlink for the VIP interface, in a throw-away namespace of the kernel
 * lab (the host may lack dummy interfaces), with iproute2 as the judge: the dummy interface created up, many
 * addresses of both families added and removed in one batch, refusals
 * reported per address.
 */
import { describe, expect, it } from 'vitest';
import { RtnlAddresses } from '../../src/daemon/vip-addresses.js';
import { RtnlClient } from '../../src/netlink/rtnl.js';
import { useNetnsLab } from '../lab/vitest.js';

describe('rtnetlink: the VIP interface and its addresses', () => {
  const lab = useNetnsLab();

  it('creates the dummy interface up, adds and removes 2,000 addresses in one batch each', async () => {
    const ns = await lab().namespace('rtnl');
    const port = new RtnlAddresses(async () => RtnlClient.open({ netns: ns.name }));
    try {
      // Up, it has only its IPv6 link-local address.
      expect(await port.list('vips0')).toEqual([expect.stringMatching(/^fe80::.*\/64$/)]);
      const link = (await ns.ip('-j', 'link', 'show', 'dev', 'vips0')).stdout;
      expect(JSON.parse(link)).toMatchObject([{ ifname: 'vips0', link_type: 'ether' }]);
      expect((await ns.ip('-d', 'link', 'show', 'dev', 'vips0')).stdout).toMatch(/dummy/);
      expect((await ns.ip('link', 'show', 'dev', 'vips0')).stdout).toMatch(/[<,]UP[,>]/);

      const v4 = Array.from({ length: 1000 }, (_, i) => `198.18.${i >> 8}.${i & 255}/32`);
      const v6 = Array.from({ length: 1000 }, (_, i) => `2001:db8::${(i + 1).toString(16)}/128`);
      expect(await port.change('vips0', [...v4, ...v6], [])).toEqual([]);
      const shown = JSON.parse((await ns.ip('-j', 'addr', 'show', 'dev', 'vips0')).stdout) as {
        addr_info: { local: string; prefixlen: number }[];
      }[];
      const byIp = shown[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`) ?? [];
      expect(byIp.filter((a) => !a.startsWith('fe80')).sort()).toEqual([...v4, ...v6].sort());
      const listed = await port.list('vips0');
      expect(listed.filter((a) => !a.startsWith('fe80')).sort()).toEqual([...v4, ...v6].sort());
      // IPv6 VIPs skip duplicate address detection: usable at once, never "tentative".
      expect((await ns.ip('-6', 'addr', 'show', 'dev', 'vips0')).stdout).not.toMatch(/tentative/);

      // Adding again is not an error (replace); removing one that is not there is, by itself.
      const failures = await port.change('vips0', [v4[0] as string], ['203.0.113.9/32']);
      expect(failures.map((f) => f.cidr)).toEqual(['203.0.113.9/32']);
      expect(failures[0]?.message).toMatch(/^remove 203\.0\.113\.9\/32: E/);
      expect(await port.change('vips0', [], [...v4.slice(10), ...v6])).toEqual([]);
      expect((await port.list('vips0')).filter((a) => !a.startsWith('fe80')).sort()).toEqual(
        v4.slice(0, 10).sort(),
      );
    } finally {
      port.close();
    }
  });

  it('finds an existing interface and brings it up; an unknown one is undefined', async () => {
    const ns = await lab().namespace('rtnl2');
    await ns.ip('link', 'add', 'vips1', 'type', 'dummy');
    const client = RtnlClient.open({ netns: ns.name });
    try {
      const link = await client.link('vips1');
      expect(link).toMatchObject({ up: false });
      await client.setUp(link?.index ?? -1);
      expect(await client.link('vips1')).toMatchObject({ up: true });
      expect(await client.link('no-such-if')).toBeUndefined();
      await expect(client.createDummy('vips1')).rejects.toThrow(/EEXIST/);
    } finally {
      client.close();
    }
  });
});
