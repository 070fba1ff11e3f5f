import { describe, expect, it } from 'vitest';
import {
  describeService,
  sameDestinationConfig,
  sameServiceConfig,
  serviceKeyString,
} from '../../../src/ipvs/model.js';
import { destination, service } from '../../../src/ipvs/validate.js';

const key = { family: 'ipv4', protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;

describe('IPVS keys and configuration equality', () => {
  it('names services stably', () => {
    expect(serviceKeyString(key)).toBe('tcp 192.0.2.10:80');
    expect(
      serviceKeyString({ family: 'ipv6', protocol: 'udp', address: '2001:db8::1', port: 53 }),
    ).toBe('udp [2001:db8::1]:53');
    expect(serviceKeyString({ family: 'ipv6', fwmark: 7 })).toBe('fwmark 7 ipv6');
    expect(describeService({ family: 'ipv4', fwmark: 7 })).toBe('FWM 7');
    expect(describeService(key)).toBe('TCP 192.0.2.10:80');
  });

  it('compares services by configuration: not counters, not the kernel hashed bit, not flag order', () => {
    const a = service({ key, scheduler: 'mh', flags: ['mh-port', 'persistent'], timeout: 60 });
    expect(sameServiceConfig(a, { ...a, flags: ['persistent', 'hashed', 'mh-port'] })).toBe(true);
    expect(sameServiceConfig(a, { ...a, scheduler: 'rr' })).toBe(false);
    expect(sameServiceConfig(a, { ...a, timeout: 61 })).toBe(false);
    expect(sameServiceConfig(a, { ...a, pe: 'sip' })).toBe(false);
    expect(sameServiceConfig(a, { ...a, key: { ...key, port: 81 } })).toBe(false);
  });

  it('compares destinations by configuration', () => {
    const d = destination({ address: '10.0.0.1', port: 80, weight: 5 });
    expect(sameDestinationConfig(d, { ...d })).toBe(true);
    expect(sameDestinationConfig(d, { ...d, weight: 0 })).toBe(false);
    expect(sameDestinationConfig(d, { ...d, forward: 'nat' })).toBe(false);
    const t = destination({
      address: '10.0.0.1',
      port: 80,
      forward: 'tunnel',
      tunnelType: 'gue',
      tunnelPort: 1,
      tunnelFlags: ['csum'],
    });
    expect(sameDestinationConfig(t, { ...t, tunnelFlags: ['remcsum'] })).toBe(false);
  });
});
