/**
 * `anycastd realserver` with a dummy interface for the VIPs, in the kernel lab
 * (the host kernel of the test machine may lack the dummy driver).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Netns } from '../lab/netns.js';
import { useNetnsLab } from '../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');
const cli = (ns: Netns, ...args: string[]) =>
  ns.run('node', [MAIN, 'realserver', ...args], { allowFailure: true, timeoutMs: 120_000 });
const addresses = async (ns: Netns, ifname: string) =>
  (await ns.run('ip', ['-br', 'addr', 'show', 'dev', ifname])).stdout;

describe('anycastd realserver on a dummy interface', () => {
  const lab = useNetnsLab();

  it('creates a dummy interface for the VIPs when one is named', async () => {
    const ns = await lab().namespace('real');
    const up = await cli(ns, 'up', '--vip', '198.51.100.11', '--interface', 'vip0');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^create dummy interface vip0\nset vip0 up\n/);
    expect(await addresses(ns, 'vip0')).toMatch(/^vip0 +UNKNOWN +198\.51\.100\.11\/32/);
    const check = await cli(ns, 'check', '--vip', '198.51.100.11', '--interface', 'vip0');
    expect(check.code, check.stdout).toBe(0);
    const down = await cli(ns, 'down', '--vip', '198.51.100.11', '--interface', 'vip0');
    expect(down.code, down.stderr).toBe(0);
    expect(await addresses(ns, 'vip0')).not.toContain('198.51.100.11');
  }, 300_000);
});
