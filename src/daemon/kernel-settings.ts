/**
 * The IPVS kernel settings the daemon holds besides the table: the
 * net.ipv4.vs.* sysctls and the connection timeouts. Both belong to the
 * network namespace and go back to the kernel's defaults when ip_vs is
 * reloaded, so they are read and repaired on every full pass; a failure is
 * logged and never stops the pass.
 */
import type { Config } from '../config/model.js';
import type { Timeouts } from '../ipvs/model.js';
import type { IpvsSysctl } from '../ipvs/sysctls.js';
import type { Logger } from '../log.js';
import { planSysctls, wantedSysctls } from './ipvs-sysctls.js';
import { TIMEOUT_NAMES, planTimeouts } from './ipvs-timeouts.js';
import type { SysctlPort } from './sysctl-port.js';

/** How the daemon reads and sets the timeouts (IpvsClient). */
export interface TimeoutsPort {
  timeouts(): Promise<Timeouts>;
  setTimeouts(t: Timeouts): Promise<void>;
}

export interface KernelSettingsStatus {
  sysctls: { name: string; wanted: number; actual: number | undefined; why: string }[];
  timeouts: { name: string; wanted: number; actual: number | undefined }[];
}

/** Operators know the timeouts by ipvsadm's names. */
const IPVSADM_NAME = { tcp: 'tcp', tcpFin: 'tcpfin', udp: 'udp' } as const;

export class KernelSettings {
  private readonly sysctlsSeen = new Map<IpvsSysctl, number | undefined>();
  /** Derived from a configuration, which is replaced whole on reload, never changed. */
  private wantedFor: { config: Config; wanted: ReturnType<typeof wantedSysctls> } | undefined;
  private timeoutsSeen: Timeouts | undefined;

  constructor(
    private readonly log: Logger,
    private readonly sysctls: SysctlPort | undefined,
  ) {}

  /** Reads both kinds and writes what differs from `config`. */
  async sync(config: Config, timeouts: TimeoutsPort | undefined): Promise<void> {
    await this.syncSysctls(config);
    if (timeouts && Object.keys(config.ipvsTimeouts).length > 0)
      await this.syncTimeouts(config, timeouts);
  }

  status(config: Config): KernelSettingsStatus {
    return {
      sysctls: [...this.wanted(config)].map(([name, w]) => ({
        name,
        wanted: w.value,
        actual: this.sysctlsSeen.get(name),
        why: w.why,
      })),
      timeouts: TIMEOUT_NAMES.flatMap((name) => {
        const wanted = config.ipvsTimeouts[name];
        return wanted === undefined
          ? []
          : [{ name: IPVSADM_NAME[name], wanted, actual: this.timeoutsSeen?.[name] }];
      }),
    };
  }

  private wanted(config: Config): ReturnType<typeof wantedSysctls> {
    if (this.wantedFor?.config !== config)
      this.wantedFor = { config, wanted: wantedSysctls(config.ipvsSysctls, config.services) };
    return this.wantedFor.wanted;
  }

  private async syncSysctls(config: Config): Promise<void> {
    const port = this.sysctls;
    if (!port) return;
    const wanted = this.wanted(config);
    try {
      for (const name of wanted.keys()) this.sysctlsSeen.set(name, await port.read(name));
      for (const c of planSysctls(wanted, this.sysctlsSeen)) {
        if (c.from === undefined) {
          this.log.warn(
            { event: 'ipvs_sysctl_missing', name: c.name },
            `net.ipv4.vs.${c.name} does not exist in this kernel; not set`,
          );
          continue;
        }
        await port.write(c.name, c.to);
        this.sysctlsSeen.set(c.name, c.to);
        this.log.info(
          { event: 'ipvs_sysctl_set', name: c.name, from: c.from, to: c.to, why: c.why },
          `net.ipv4.vs.${c.name} ${c.from} -> ${c.to} (${c.why})`,
        );
      }
    } catch (err) {
      this.log.error(
        { event: 'ipvs_sysctl_failed', error: String(err) },
        `cannot hold the net.ipv4.vs settings: ${String(err)}`,
      );
    }
  }

  private async syncTimeouts(config: Config, port: TimeoutsPort): Promise<void> {
    try {
      const present = await port.timeouts();
      this.timeoutsSeen = present;
      const plan = planTimeouts(config.ipvsTimeouts, present);
      if (!plan) return;
      await port.setTimeouts(plan.set);
      this.timeoutsSeen = { ...present, ...config.ipvsTimeouts };
      for (const c of plan.changes)
        this.log.info(
          { event: 'ipvs_timeout_set', name: IPVSADM_NAME[c.name], from: c.from, to: c.to },
          `IPVS ${IPVSADM_NAME[c.name]} timeout ${c.from}s -> ${c.to}s`,
        );
    } catch (err) {
      this.log.error(
        { event: 'ipvs_timeouts_failed', error: String(err) },
        `cannot hold the IPVS connection timeouts: ${String(err)}`,
      );
    }
  }
}
