import { describe, expect, it } from 'vitest';
import { KernelView } from '../../../src/daemon/kernel-view.js';
import type { OpResult } from '../../../src/ipvs/client.js';
import { IpvsError } from '../../../src/ipvs/errors.js';
import {
  type DestinationConfig,
  type ServiceConfig,
  serviceKeyString,
} from '../../../src/ipvs/model.js';
import type { IpvsOp } from '../../../src/ipvs/ops.js';

const svc = (address: string): ServiceConfig => ({
  key: { family: 'ipv4', protocol: 'tcp', address, port: 80 },
  scheduler: 'mh',
  flags: [],
  timeout: 0,
  netmask: 0xffffffff,
});
const dest = (address: string, weight: number): DestinationConfig => ({
  family: 'ipv4',
  address,
  port: 80,
  forward: 'dr',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelFlags: [],
});
const web = svc('192.0.2.10');
const dns = svc('192.0.2.53');
const WEB = serviceKeyString(web.key);
const DNS = serviceKeyString(dns.key);

/** Sends `ops` through the view as the loop does, with these outcomes (true: applied). */
function apply(view: KernelView, ops: IpvsOp[], outcomes: boolean[] = ops.map(() => true)) {
  view.sending(ops);
  const results: OpResult[] = ops.map((op, i) =>
    outcomes[i]
      ? { op, ok: true as const }
      : { op, ok: false as const, error: new IpvsError(17, 'refused', op.type) },
  );
  return view.applied(results);
}

describe('KernelView', () => {
  it('follows the applied operations: services, destinations, weights, deletions', () => {
    const view = new KernelView();
    expect(view.state(WEB)).toBe('unknown');
    apply(view, [
      { type: 'add-service', service: web },
      { type: 'add-destination', service: web.key, destination: dest('10.0.0.1', 0) },
      { type: 'add-destination', service: web.key, destination: dest('10.0.0.2', 0) },
    ]);
    expect(view.state(WEB)).toBe('present');
    expect(view.get(WEB)?.destinations.map((d) => [d.address, d.weight])).toEqual([
      ['10.0.0.1', 0],
      ['10.0.0.2', 0],
    ]);
    apply(view, [
      { type: 'edit-destination', service: web.key, destination: dest('10.0.0.1', 5) },
      { type: 'delete-destination', service: web.key, destination: dest('10.0.0.2', 0) },
      { type: 'edit-service', service: { ...web, scheduler: 'rr' } },
    ]);
    expect(view.get(WEB)).toMatchObject({ scheduler: 'rr', destinations: [{ weight: 5 }] });
    apply(view, [{ type: 'delete-service', service: web.key }]);
    expect(view.state(WEB)).toBe('absent');
    expect(view.get(WEB)).toBeUndefined();
  });

  it('forgets a service an operation failed on, and says which', () => {
    const view = new KernelView();
    apply(view, [{ type: 'add-service', service: dns }]);
    const failed = apply(
      view,
      [
        { type: 'add-service', service: web },
        { type: 'add-destination', service: dns.key, destination: dest('10.0.0.9', 1) },
      ],
      [false, true],
    );
    expect(failed).toEqual([WEB]);
    expect(view.state(WEB)).toBe('unknown');
    expect(view.get(DNS)?.destinations).toHaveLength(1);
  });

  it('drops a read for a service written since the read began, and merges the rest', () => {
    const view = new KernelView();
    apply(view, [
      { type: 'add-service', service: web },
      { type: 'add-destination', service: web.key, destination: dest('10.0.0.1', 1) },
    ]);
    const readEpoch = view.epoch();
    // The loop drains the real server while the read is on its way.
    apply(view, [{ type: 'edit-destination', service: web.key, destination: dest('10.0.0.1', 0) }]);
    const merged = view.mergeRead(readEpoch, [
      { ...web, destinations: [dest('10.0.0.1', 1)] },
      { ...dns, destinations: [dest('10.0.0.7', 3)] },
    ]);
    expect(merged).toEqual([DNS]);
    expect(view.get(WEB)?.destinations[0]?.weight).toBe(0);
    expect(view.get(DNS)?.destinations[0]?.weight).toBe(3);
    // A read begun after the write is taken, and a read that matches the view changes nothing.
    const later = view.epoch();
    expect(view.mergeRead(later, [{ ...web, destinations: [dest('10.0.0.1', 0)] }])).toEqual([]);
    expect(view.mergeRead(later, [{ ...web, destinations: [dest('10.0.0.1', 7)] }])).toEqual([WEB]);
    expect(view.get(WEB)?.destinations[0]?.weight).toBe(7);
  });

  it('a write in flight when the read began also wins over the read', () => {
    const view = new KernelView();
    apply(view, [{ type: 'add-service', service: web }]);
    const op: IpvsOp = {
      type: 'add-destination',
      service: web.key,
      destination: dest('10.0.0.1', 1),
    };
    view.sending([op]);
    const readEpoch = view.epoch();
    view.applied([{ op, ok: true }]);
    expect(view.mergeRead(readEpoch, [{ ...web, destinations: [] }])).toEqual([]);
    expect(view.get(WEB)?.destinations).toHaveLength(1);
  });

  it('merges the service list: absent services, and ones added behind its back', () => {
    const view = new KernelView();
    const list = view.epoch();
    expect(view.mergeList(list, new Set([WEB]), [WEB, DNS]).sort()).toEqual([DNS]);
    expect(view.state(DNS)).toBe('absent');
    expect(view.state(WEB)).toBe('unknown');
    // Someone adds dns: unknown until its contents are read.
    expect(view.mergeList(view.epoch(), new Set([WEB, DNS]), [WEB, DNS])).toEqual([DNS]);
    expect(view.state(DNS)).toBe('unknown');
    // A service the loop added after the list was taken is not marked absent.
    const stale = view.epoch();
    apply(view, [{ type: 'add-service', service: dns }]);
    expect(view.mergeList(stale, new Set([WEB]), [WEB, DNS])).toEqual([]);
    expect(view.state(DNS)).toBe('present');
    // clear() forgets everything.
    view.clear();
    expect(view.state(DNS)).toBe('unknown');
  });
});
