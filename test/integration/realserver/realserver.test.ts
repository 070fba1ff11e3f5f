/**
 * `anycastd realserver` on a real network stack: the built program runs inside
 * a network namespace of its own (as on a real server), and the namespace's
 * addresses and sysctls are the judges.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Netns } from '../../lab/netns.js';
import { useNetnsLab } from '../../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');

const cli = (ns: Netns, ...args: string[]) =>
  ns.run('node', [MAIN, 'realserver', ...args], { allowFailure: true });
const sysctl = async (ns: Netns, key: string) =>
  (await ns.run('cat', [`/proc/sys/net/ipv4/conf/${key}`])).stdout.trim();
const addresses = async (ns: Netns, ifname: string) =>
  (await ns.run('ip', ['-br', 'addr', 'show', 'dev', ifname])).stdout;

describe('anycastd realserver', () => {
  const lab = useNetnsLab();

  it('checks, sets up idempotently and takes down a real server for direct routing', async () => {
    const ns = await lab().namespace('real');
    await ns.ip('link', 'set', 'lo', 'up');
    const vips = ['--vip', '198.51.100.10', '--vip', '2001:db8::10'];

    const before = await cli(ns, 'check', ...vips);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/^MISSING {2}net\.ipv4\.conf\.all\.arp_ignore = 0 \(needs 1/m);
    expect(before.stdout).toMatch(/^MISSING {2}VIP 198\.51\.100\.10\/32 is not on lo$/m);
    expect(before.stdout).toMatch(/^ok {7}interface lo is up$/m);

    const up = await cli(ns, 'up', ...vips);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_ignore 0 -> 1 /),
      expect.stringMatching(/^net\.ipv4\.conf\.all\.arp_announce 0 -> 2 /),
      'add 198.51.100.10/32 to lo',
      'add 2001:db8::10/128 to lo',
    ]);
    expect(await sysctl(ns, 'all/arp_ignore')).toBe('1');
    expect(await sysctl(ns, 'all/arp_announce')).toBe('2');
    expect(await addresses(ns, 'lo')).toMatch(/198\.51\.100\.10\/32.*2001:db8::10\/128/);

    const again = await cli(ns, 'up', ...vips);
    expect(again).toMatchObject({ code: 0, stdout: 'nothing to change\n' });
    const ok = await cli(ns, 'check', ...vips, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });

    const down = await cli(ns, 'down', ...vips);
    expect(down.code, down.stderr).toBe(0);
    expect(await addresses(ns, 'lo')).not.toContain('198.51.100.10');
    expect(await addresses(ns, 'lo')).not.toContain('2001:db8::10');
    // The ARP settings stay.
    expect(await sysctl(ns, 'all/arp_announce')).toBe('2');
  });

  it('refuses bad input before changing anything, naming the value', async () => {
    const ns = await lab().namespace('real');
    const bad = await cli(ns, 'up', '--vip', '198.51.100.300');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--vip 198.51.100.300: not an IPv4 or IPv6 address');
    const none = await cli(ns, 'up');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--vip ADDR is required');
    const v6tun = await cli(ns, 'up', '--vip', '2001:db8::10', '--forwarding', 'tunnel');
    expect(v6tun.code).toBe(2);
    expect(await sysctl(ns, 'all/arp_ignore')).toBe('0');
  });
});
