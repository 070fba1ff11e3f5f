/**
 * Kernel-tier fixture: each test gets a fresh network namespace (so a fresh,
 * empty IPVS table) and an IpvsClient bound to it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { afterEach, beforeEach } from 'vitest';
import { IpvsClient } from '../../src/ipvs/client.js';
import type { Netns, NetnsLab } from '../lab/netns.js';
import { useNetnsLab } from '../lab/vitest.js';

export interface IpvsFixture {
  lab: NetnsLab;
  ns: Netns;
  ipvs: IpvsClient;
  /** `ipvsadm <args>` inside the test's namespace; resolves to its stdout. */
  ipvsadm: (...args: string[]) => Promise<string>;
}

export function useIpvs(): () => IpvsFixture {
  const lab = useNetnsLab();
  let current: IpvsFixture | undefined;
  beforeEach(async () => {
    const ns = await lab().namespace('ipvs');
    const ipvs = await IpvsClient.open({ netns: ns.name });
    current = {
      lab: lab(),
      ns,
      ipvs,
      ipvsadm: async (...args) => (await ns.run('ipvsadm', args)).stdout,
    };
  });
  afterEach(() => {
    current?.ipvs.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useIpvs(): only inside a test');
    return current;
  };
}

/** Whether the running kernel ships the module of IPVS scheduler `name`. */
export function kernelHasScheduler(name: string): boolean {
  const dir = `/lib/modules/${release()}/kernel/net/netfilter/ipvs`;
  return existsSync(dir) && readdirSync(dir).includes(`ip_vs_${name}.ko`);
}
