/**
 * Drift in every field: the kernel's service or destination differs from
 * the desired one in exactly one field, and the planner repairs it with one
 * edit carrying the desired value. A field the comparison forgot would
 * leave the plan empty here.
 */
import { describe, expect, it } from 'vitest';
import type { DesiredService } from '../../../src/daemon/desired-ipvs.js';
import type { ViewService } from '../../../src/daemon/kernel-view.js';
import { planIpvs } from '../../../src/daemon/plan-ipvs.js';
import type { DestinationConfig, ServiceConfig } from '../../../src/ipvs/model.js';

const service: ServiceConfig = {
  key: { family: 'ipv4', protocol: 'tcp', address: '198.51.100.10', port: 80 },
  scheduler: 'mh',
  flags: ['persistent', 'mh-port'],
  timeout: 300,
  netmask: 0xffffff00,
  pe: 'sip',
};
const destination: DestinationConfig = {
  family: 'ipv4',
  address: '10.1.0.1',
  port: 80,
  forward: 'tunnel',
  weight: 3,
  upperThreshold: 100,
  lowerThreshold: 10,
  tunnelType: 'gue',
  tunnelPort: 6080,
  tunnelFlags: ['csum'],
};
const desired: DesiredService[] = [
  { service, destinations: [{ destination, weight: 3, why: 'up' }], owner: 'web' },
];

/** One other value for each field that is not part of an identity. */
const SERVICE_DRIFT: { [K in Exclude<keyof ServiceConfig, 'key'>]-?: ServiceConfig[K] } = {
  scheduler: 'rr',
  flags: ['persistent'],
  timeout: 60,
  netmask: 0xffffffff,
  pe: undefined,
};
const DESTINATION_DRIFT: {
  [K in Exclude<keyof DestinationConfig, 'family' | 'address' | 'port'>]-?: DestinationConfig[K];
} = {
  forward: 'dr',
  weight: 0,
  upperThreshold: 0,
  lowerThreshold: 0,
  tunnelType: 'ipip',
  tunnelPort: 0,
  tunnelFlags: [],
};

const kernel = (svc: ServiceConfig, dest: DestinationConfig): ViewService[] => [
  { ...svc, destinations: [dest] },
];

describe('the planner repairs drift in every field', () => {
  it('an identical kernel needs nothing', () => {
    expect(planIpvs(desired, kernel(service, destination)).ops).toEqual([]);
  });

  it.each(Object.entries(SERVICE_DRIFT))('service %s', (field, value) => {
    const plan = planIpvs(desired, kernel({ ...service, [field]: value }, destination));
    expect(plan.ops).toEqual([{ type: 'edit-service', service }]);
  });

  it.each(Object.entries(DESTINATION_DRIFT))('destination %s', (field, value) => {
    const plan = planIpvs(desired, kernel(service, { ...destination, [field]: value }));
    expect(plan.ops).toEqual([{ type: 'edit-destination', service: service.key, destination }]);
  });
});
