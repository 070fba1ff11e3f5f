import { describe, expect, it } from 'vitest';
import type { DestinationConfig, ServiceConfig } from '../../../src/ipvs/model.js';
import {
  checkDaemon,
  checkDestinationConfig,
  checkServiceConfig,
  checkTimeouts,
  destination,
  service,
} from '../../../src/ipvs/validate.js';

const key = { family: 'ipv4', protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;
const svc = (over: Partial<ServiceConfig>) => ({ ...service({ key }), ...over });
const dst = (over: Partial<DestinationConfig>) => ({
  ...destination({ address: '10.0.0.1', port: 80 }),
  ...over,
});

describe('IPVS input checks', () => {
  it('accepts the defaults', () => {
    expect(checkServiceConfig(service({ key }))).toEqual([]);
    expect(checkDestinationConfig(destination({ address: '10.0.0.1', port: 80 }), 'ipv4')).toEqual(
      [],
    );
  });

  it.each<[Partial<ServiceConfig>, string]>([
    [
      { key: { ...key, address: '192.0.2.300' } },
      'service.address: "192.0.2.300" is not an IP address',
    ],
    [
      { key: { ...key, address: '2001:db8::1' } },
      'service.address: "2001:db8::1" is not an IPv4 address',
    ],
    [{ key: { ...key, port: -1 } }, 'service.port: -1 is not an integer in 0..65535'],
    [{ key: { ...key, port: 1.5 } }, 'service.port: 1.5 is not an integer in 0..65535'],
    [
      { key: { ...key, protocol: 'icmp' as never } },
      'service.protocol: "icmp" is not one of tcp, udp, sctp',
    ],
    [
      { key: { family: 'ipv4', fwmark: 0 } },
      'service.fwmark: 0 is not an integer in 1..4294967295',
    ],
    [
      { scheduler: 'random' },
      'service.scheduler: "random" is not one of rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos',
    ],
    [{ flags: ['sh-port'] }, 'service.flags: "sh-port" needs scheduler sh, not "wlc"'],
    [
      { scheduler: 'sh', flags: ['mh-port'] },
      'service.flags: "mh-port" needs scheduler mh, not "sh"',
    ],
    [
      { flags: ['fast' as never] },
      'service.flags: "fast" is not one of persistent, hashed, one-packet, sh-fallback, sh-port, mh-fallback, mh-port, flag-1, flag-2, flag-3',
    ],
    [{ flags: ['persistent'], timeout: 0 }, 'service.timeout: 0 is not an integer in 1..2678400'],
    [{ timeout: 2678401 }, 'service.timeout: 2678401 is not an integer in 0..2678400'],
    [{ netmask: 2 ** 32 }, 'service.netmask: 4294967296 is not an integer in 0..4294967295'],
    [{ pe: 'http' }, 'service.pe: "http" is not one of sip'],
    [{ key: { ...key, port: 0 } }, 'service.port: 0 (all ports) needs the persistent flag'],
  ])('refuses service %j', (over, message) => {
    expect(checkServiceConfig(svc(over))).toEqual([message]);
  });

  it('checks IPv6 netmasks as prefix lengths', () => {
    const v6 = service({ key: { family: 'ipv6', fwmark: 1 } });
    expect(checkServiceConfig({ ...v6, netmask: 129 })).toEqual([
      'service.netmask: 129 is not an integer in 1..128',
    ]);
  });

  it.each<[Partial<DestinationConfig>, string]>([
    [{ address: 'ten' }, 'destination.address: "ten" is not an IP address'],
    [{ weight: 2147483648 }, 'destination.weight: 2147483648 is not an integer in 0..2147483647'],
    [{ weight: -1 }, 'destination.weight: -1 is not an integer in 0..2147483647'],
    [
      { upperThreshold: 2 ** 31 },
      'destination.upperThreshold: 2147483648 is not an integer in 0..2147483647',
    ],
    [
      { lowerThreshold: 5 },
      'destination.lowerThreshold: 5 is above upperThreshold 0 (the kernel refuses it)',
    ],
    [
      { forward: 'bounce' as never },
      'destination.forward: "bounce" is not one of dr, nat, tunnel, local',
    ],
    [
      { family: 'ipv6', address: '2001:db8::1' },
      'destination.family: an ipv6 destination in an ipv4 service needs forward: tunnel',
    ],
    [{ tunnelType: 'gue' }, 'destination: tunnel options need forward: tunnel, not "dr"'],
    [
      { forward: 'tunnel', tunnelType: 'gue' },
      'destination.tunnelPort: 0 is not an integer in 1..65535',
    ],
    [{ forward: 'tunnel', tunnelPort: 5 }, 'destination.tunnelPort: 5: ipip tunnels have no port'],
    [
      { forward: 'tunnel', tunnelType: 'gre', tunnelFlags: ['remcsum'] },
      'destination.tunnelFlags: "remcsum" is not available with gre',
    ],
    [
      { forward: 'tunnel', tunnelType: 'vxlan' as never },
      'destination.tunnelType: "vxlan" is not one of ipip, gue, gre',
    ],
  ])('refuses destination %j', (over, message) => {
    expect(checkDestinationConfig(dst(over), 'ipv4')).toEqual([message]);
  });

  it('checks timeouts and the sync daemon', () => {
    expect(checkTimeouts({ tcp: 900, tcpFin: 120, udp: -1 })).toEqual([
      'timeouts.udp: -1 is not an integer in 0..2678400',
    ]);
    expect(checkDaemon({ state: 'master', interface: 'eth0', syncId: 0 })).toEqual([]);
    expect(
      checkDaemon({
        state: 'leader' as never,
        interface: 'a-very-long-interface-name',
        syncId: 256,
        group: '10.0.0.1',
        ttl: 300,
      }),
    ).toEqual([
      'daemon.state: "leader" is not master or backup',
      'daemon.interface: "a-very-long-interface-name" is not an interface name (1-15 characters)',
      'daemon.syncId: 256 is not an integer in 0..255',
      'daemon.ttl: 300 is not an integer in 0..255',
      'daemon.group: "10.0.0.1" is not a multicast address',
    ]);
  });
});
