/**
 * A real server set up for direct routing or IP tunnelling, as the LVS HOWTO
 * describes it, pure: what must hold, what is missing, and the changes that
 * make it hold. The VIP is a local address of the real server (on `lo`, a
 * dummy interface, or `tunl0` for tunnelling) so it accepts the packets the
 * director forwards unchanged, and the host must neither answer ARP for the
 * VIP nor use it as the source of its own ARP requests, or it would draw the
 * VIP's traffic away from the directors. IPv6 needs no such settings: a Linux
 * host answers neighbour solicitations only for the addresses of the
 * interface they arrive on.
 */
import type { Family } from '../model/address.js';

export type Forwarding = 'dr' | 'tunnel';

export interface RealServerSpec {
  /** Canonical VIPs. */
  readonly vips: readonly { family: Family; address: string }[];
  readonly ifname: string;
  readonly forwarding: Forwarding;
}

/** What the host has now. */
export interface RealServerState {
  /** Whether the VIP interface exists, and is up. */
  readonly interface: { exists: boolean; up: boolean };
  /** Addresses on the VIP interface as `address/prefix`. */
  readonly addresses: readonly string[];
  /** net.ipv4.conf.* values by `iface.name` (`all.arp_ignore`); undefined when absent. */
  readonly sysctls: Readonly<Record<string, number | undefined>>;
}

export type Action =
  | { kind: 'create-interface'; ifname: string; type: 'dummy' | 'ipip' }
  | { kind: 'link-up'; ifname: string }
  | { kind: 'sysctl'; key: string; from: number | undefined; to: number; why: string }
  | { kind: 'add-address'; ifname: string; cidr: string }
  | { kind: 'remove-address'; ifname: string; cidr: string };

export interface Finding {
  ok: boolean;
  /** What must hold, and what was seen when it does not. */
  what: string;
}

export const cidrOf = (v: { family: Family; address: string }) =>
  `${v.address}/${v.family === 'ipv4' ? 32 : 128}`;

/** The sysctls a setup reads: the `all` values and the VIP interface's. */
export function sysctlKeys(spec: RealServerSpec): string[] {
  if (!spec.vips.some((v) => v.family === 'ipv4')) return [];
  const keys = ['all.arp_ignore', 'all.arp_announce'];
  if (spec.forwarding === 'tunnel') keys.push('all.rp_filter', `${spec.ifname}.rp_filter`);
  return keys;
}

interface SysctlRule {
  key: string;
  ok: (v: number) => boolean;
  to: number;
  why: string;
}

/**
 * The kernel uses the larger of `all` and the interface's value for each of
 * these, so `all` decides for arp_ignore and arp_announce; for rp_filter,
 * strict mode (1) in either breaks tunnelled packets, whose source is the
 * client, arriving on tunl0.
 */
function sysctlRules(spec: RealServerSpec): SysctlRule[] {
  if (!spec.vips.some((v) => v.family === 'ipv4')) return [];
  const rules: SysctlRule[] = [
    {
      key: 'all.arp_ignore',
      ok: (v) => v >= 1 && v <= 3,
      to: 1,
      why: 'answer ARP only for addresses of the interface asked on, never for the VIP',
    },
    {
      key: 'all.arp_announce',
      ok: (v) => v === 2,
      to: 2,
      why: 'never use the VIP as the source of ARP requests',
    },
  ];
  if (spec.forwarding === 'tunnel')
    rules.push(
      {
        key: 'all.rp_filter',
        ok: (v) => v !== 1,
        to: 2,
        why: 'strict reverse-path filtering drops tunnelled packets (their source is the client)',
      },
      {
        key: `${spec.ifname}.rp_filter`,
        ok: (v) => v !== 1,
        to: 0,
        why: `strict reverse-path filtering on ${spec.ifname} drops tunnelled packets`,
      },
    );
  return rules;
}

/** Every requirement and whether it holds. */
export function check(spec: RealServerSpec, state: RealServerState): Finding[] {
  const out: Finding[] = [];
  out.push({
    ok: state.interface.exists && state.interface.up,
    what: `interface ${spec.ifname} ${!state.interface.exists ? 'is missing' : state.interface.up ? 'is up' : 'is down'}`,
  });
  for (const r of sysctlRules(spec)) {
    const v = state.sysctls[r.key];
    out.push({
      ok: v !== undefined && r.ok(v),
      what: `net.ipv4.conf.${r.key} = ${v ?? 'missing'}${v !== undefined && r.ok(v) ? '' : ` (needs ${r.to}: ${r.why})`}`,
    });
  }
  for (const v of spec.vips) {
    const cidr = cidrOf(v);
    const here = state.addresses.includes(cidr);
    out.push({
      ok: here,
      what: `VIP ${cidr} ${here ? 'is' : 'is not'} on ${spec.ifname}`,
    });
  }
  return out;
}

/**
 * The changes that bring the host to the setup, in a safe order: the
 * interface, then the ARP settings, and only then the VIPs, so the host never
 * holds a VIP it would answer ARP for.
 */
export function planUp(spec: RealServerSpec, state: RealServerState): Action[] {
  const actions: Action[] = [];
  if (!state.interface.exists)
    actions.push({
      kind: 'create-interface',
      ifname: spec.ifname,
      type: spec.forwarding === 'tunnel' ? 'ipip' : 'dummy',
    });
  if (!state.interface.up) actions.push({ kind: 'link-up', ifname: spec.ifname });
  for (const r of sysctlRules(spec)) {
    const v = state.sysctls[r.key];
    // An interface created by this run has its defaults; its own value is set after it exists.
    if (v === undefined || !r.ok(v))
      actions.push({ kind: 'sysctl', key: r.key, from: v, to: r.to, why: r.why });
  }
  for (const v of spec.vips) {
    const cidr = cidrOf(v);
    if (!state.addresses.includes(cidr))
      actions.push({ kind: 'add-address', ifname: spec.ifname, cidr });
  }
  return actions;
}

/** Takes the VIPs away; the ARP settings stay, harmless without them and perhaps relied on. */
export function planDown(spec: RealServerSpec, state: RealServerState): Action[] {
  return spec.vips
    .map(cidrOf)
    .filter((cidr) => state.addresses.includes(cidr))
    .map((cidr) => ({ kind: 'remove-address' as const, ifname: spec.ifname, cidr }));
}

/** The action that undoes `a`, for rolling back a run that failed half-way. */
export function undo(a: Action): Action | undefined {
  switch (a.kind) {
    case 'add-address':
      return { kind: 'remove-address', ifname: a.ifname, cidr: a.cidr };
    case 'remove-address':
      return { kind: 'add-address', ifname: a.ifname, cidr: a.cidr };
    case 'sysctl':
      return a.from === undefined
        ? undefined
        : { kind: 'sysctl', key: a.key, from: a.to, to: a.from, why: 'rolled back' };
    default:
      // An interface created or set up is left: it holds nothing without the addresses.
      return undefined;
  }
}

export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'create-interface':
      return `create ${a.type} interface ${a.ifname}`;
    case 'link-up':
      return `set ${a.ifname} up`;
    case 'sysctl':
      return `net.ipv4.conf.${a.key} ${a.from ?? 'missing'} -> ${a.to} (${a.why})`;
    case 'add-address':
      return `add ${a.cidr} to ${a.ifname}`;
    case 'remove-address':
      return `remove ${a.cidr} from ${a.ifname}`;
  }
}
