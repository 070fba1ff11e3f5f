/**
 * Reading and writing net.ipv4.vs.* through /proc/sys, which is this
 * process's network namespace's view (the files exist once ip_vs is loaded).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { IpvsSysctl } from '../ipvs/sysctls.js';

export interface SysctlPort {
  /** The current value, or undefined when this kernel has no such setting. */
  read(name: IpvsSysctl): Promise<number | undefined>;
  write(name: IpvsSysctl, value: number): Promise<void>;
}

const path = (name: IpvsSysctl) => `/proc/sys/net/ipv4/vs/${name}`;

export const procSysctls: SysctlPort = {
  async read(name) {
    try {
      return Number((await readFile(path(name), 'utf8')).trim());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  async write(name, value) {
    await writeFile(path(name), `${value}\n`);
  },
};
