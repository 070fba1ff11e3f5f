/**
 * The kernel's IPVS settings under net.ipv4.vs (Documentation/networking/
 * ipvs-sysctl in the kernel tree) that anycastd can hold, with their ranges.
 */
/** Each setting and the largest value the kernel accepts for it (all start at 0). */
export const IPVS_SYSCTLS = {
  sloppy_tcp: { max: 1 },
  sloppy_sctp: { max: 1 },
  expire_nodest_conn: { max: 1 },
  expire_quiescent_template: { max: 1 },
  conn_reuse_mode: { max: 3 },
  schedule_icmp: { max: 1 },
  drop_entry: { max: 3 },
  drop_packet: { max: 3 },
  secure_tcp: { max: 3 },
} as const;

export type IpvsSysctl = keyof typeof IPVS_SYSCTLS;
export const IPVS_SYSCTL_NAMES = Object.keys(IPVS_SYSCTLS) as IpvsSysctl[];
