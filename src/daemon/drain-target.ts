/**
 * What `anycastd drain TARGET` names, pure: `director`, a VIP, a service (by
 * name or `vip:port`, `[v6]:port`), or a real server's address. Drains are
 * kept as sets, so draining twice is harmless and undrain undoes exactly one
 * target.
 */
import type { Config } from '../config/model.js';
import { parseAddress, formatAddress } from '../model/address.js';
import type { Drains } from './health-view.js';

export type DrainTarget =
  | { kind: 'director' }
  | { kind: 'vip'; vip: string }
  | { kind: 'service'; name: string }
  | { kind: 'real'; address: string };

/** The target, or why `text` names nothing in this configuration. */
export function resolveDrainTarget(text: string, config: Config): DrainTarget | string {
  if (text === 'director') return { kind: 'director' };
  if (config.services.some((vs) => vs.name === text)) return { kind: 'service', name: text };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (m) {
    const addr = canonical(m[1] ?? '');
    const port = Number(m[2]);
    const vs = config.services.find(
      (s) => s.vip === addr && s.services.some((k) => 'port' in k.key && k.key.port === port),
    );
    return vs ? { kind: 'service', name: vs.name } : `no service listens on ${text}`;
  }
  const addr = canonical(text);
  if (addr === undefined)
    return `${JSON.stringify(text)} is not "director", a VIP, a service (name or VIP:PORT) or a real server address`;
  if (config.services.some((vs) => vs.vip === addr)) return { kind: 'vip', vip: addr };
  if (config.services.some((vs) => vs.reals.some((r) => r.address === addr)))
    return { kind: 'real', address: addr };
  return `${addr} is neither a VIP nor a real server of this configuration`;
}

export function applyDrain(drains: Drains, target: DrainTarget, on: boolean): Drains {
  const toggle = (set: ReadonlySet<string>, value: string) => {
    const next = new Set(set);
    if (on) next.add(value);
    else next.delete(value);
    return next;
  };
  switch (target.kind) {
    case 'director':
      return { ...drains, director: on };
    case 'vip':
      return { ...drains, vips: toggle(drains.vips, target.vip) };
    case 'service':
      return { ...drains, services: toggle(drains.services, target.name) };
    case 'real':
      return { ...drains, reals: toggle(drains.reals, target.address) };
  }
}

export function describeTarget(t: DrainTarget): string {
  switch (t.kind) {
    case 'director':
      return 'the director';
    case 'vip':
      return `VIP ${t.vip}`;
    case 'service':
      return `service ${t.name}`;
    case 'real':
      return `real server ${t.address}`;
  }
}

function canonical(text: string): string | undefined {
  const a = parseAddress(text);
  return a ? formatAddress(a.family, a.bytes) : undefined;
}
