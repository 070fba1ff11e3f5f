import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  defaultListOptions,
  formatDaemons,
  formatList,
  formatListOne,
  formatSave,
  formatTimeouts,
  largeNumber,
  type ListOptions,
} from '../../../src/ipvs/ipvsadm/format.js';
import { numericNames, type Names, parseServices } from '../../../src/ipvs/ipvsadm/names.js';
import { sortServices } from '../../../src/ipvs/ipvsadm/sort.js';
import {
  type Destination,
  type IpvsInfo,
  type ServiceWithDestinations,
  ZERO_STATS,
} from '../../../src/ipvs/model.js';
import {
  destination,
  type DestinationInput,
  service,
  type ServiceInput,
} from '../../../src/ipvs/validate.js';

/**
 * The fixtures are what ipvsadm 1.31 (Debian 12) printed for this table in
 * the kernel lab; `table` lists it in the kernel's own order, as the
 * fixture nosort.txt shows it.
 */
const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/${name}.txt`, import.meta.url), 'utf8');

const info: IpvsInfo = { version: '1.2.1', versionCode: 0x010201, connTableSize: 4096 };

function svc(input: ServiceInput, dests: DestinationInput[] = []): ServiceWithDestinations {
  const config = service(input);
  return {
    ...config,
    flags: [...config.flags, 'hashed'],
    stats: ZERO_STATS,
    destinations: dests.map((d): Destination => ({
      ...destination(d),
      activeConns: 0,
      inactiveConns: 0,
      persistentConns: 0,
      stats: ZERO_STATS,
    })),
  };
}

const table: ServiceWithDestinations[] = [
  svc(
    {
      key: { family: 'ipv4', protocol: 'tcp', address: '192.0.2.14', port: 80 },
      scheduler: 'lblcr',
    },
    [{ address: '192.0.2.14', port: 80, weight: 65535 }],
  ),
  svc({
    key: { family: 'ipv4', protocol: 'tcp', address: '192.0.2.15', port: 80 },
    scheduler: 'fo',
  }),
  svc({
    key: { family: 'ipv4', protocol: 'tcp', address: '192.0.2.13', port: 80 },
    scheduler: 'dh',
    flags: ['flag-1', 'flag-2', 'flag-3'],
  }),
  svc(
    { key: { family: 'ipv4', protocol: 'tcp', address: '192.0.2.10', port: 80 }, scheduler: 'rr' },
    [
      { address: '10.0.0.3', port: 8080, forward: 'nat' },
      {
        address: '10.0.0.1',
        port: 80,
        forward: 'nat',
        weight: 0,
        upperThreshold: 100,
        lowerThreshold: 10,
      },
      { address: '10.0.0.2', port: 80, weight: 3 },
    ],
  ),
  svc({
    key: { family: 'ipv4', protocol: 'tcp', address: '192.0.2.16', port: 80 },
    scheduler: 'ovf',
  }),
  svc(
    {
      key: {
        family: 'ipv6',
        protocol: 'tcp',
        address: '2001:db8:1234:5678:9abc:def0:1234:5678',
        port: 65535,
      },
      scheduler: 'sed',
    },
    [{ address: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', port: 65535, forward: 'nat' }],
  ),
  svc(
    {
      key: { family: 'ipv6', protocol: 'tcp', address: '2001:db8::10', port: 443 },
      scheduler: 'wrr',
    },
    [
      { address: '10.0.0.11', port: 443, forward: 'tunnel' },
      { address: '2001:db8::1:2', port: 443, weight: 7 },
    ],
  ),
  svc({
    key: { family: 'ipv4', protocol: 'tcp', address: '192.0.2.12', port: 0 },
    scheduler: 'rr',
    flags: ['persistent'],
    timeout: 300,
  }),
  svc(
    {
      key: { family: 'ipv4', protocol: 'udp', address: '192.0.2.10', port: 53 },
      scheduler: 'sh',
      flags: ['sh-fallback', 'sh-port'],
    },
    [
      { address: '10.0.0.8', port: 53, forward: 'tunnel', tunnelType: 'gue', tunnelPort: 6081 },
      {
        address: '10.0.0.6',
        port: 53,
        forward: 'tunnel',
        tunnelType: 'gue',
        tunnelPort: 6080,
        tunnelFlags: ['csum'],
      },
      { address: '10.0.0.5', port: 53, forward: 'tunnel' },
    ],
  ),
  svc({
    key: { family: 'ipv4', protocol: 'udp', address: '203.0.113.255', port: 65535 },
    scheduler: 'nq',
    flags: ['one-packet'],
  }),
  svc(
    {
      key: { family: 'ipv4', protocol: 'sctp', address: '192.0.2.11', port: 3868 },
      scheduler: 'mh',
      flags: ['persistent', 'mh-fallback', 'mh-port'],
      timeout: 600,
      netmask: 0xffffff00,
    },
    [{ address: '10.0.0.9', port: 3868 }],
  ),
  svc({ key: { family: 'ipv4', fwmark: 42 }, scheduler: 'wlc', flags: ['persistent'] }, [
    { address: '10.0.0.10', port: 0, weight: 5 },
  ]),
  svc({
    key: { family: 'ipv6', fwmark: 43 },
    scheduler: 'lc',
    flags: ['persistent'],
    timeout: 60,
    netmask: 64,
    pe: 'sip',
  }),
];

const opts = (o: Partial<ListOptions>): ListOptions => ({
  ...defaultListOptions,
  numeric: true,
  ...o,
});

// The names the lab's /etc/services gives these ports (and none for the hosts).
const names: Names = {
  ...parseServices(
    'http 80/tcp\nhttp-alt 8080/tcp\ndomain 53/tcp\ndomain 53/udp\nhttps 443/tcp\nhttps 443/udp\n',
  ),
  host: () => undefined,
};

describe('ipvsadm-compatible output', () => {
  it.each([
    ['list-n', opts({})],
    ['stats', opts({ stats: true })],
    ['rate', opts({ rate: true })],
    ['thresholds', opts({ thresholds: true })],
    ['persistent-conn', opts({ persistentConn: true })],
    ['tun-info', opts({ tunInfo: true })],
    ['exact-stats', opts({ stats: true, exact: true })],
    ['nosort', opts({ nosort: true })],
  ] as const)('%s matches ipvsadm', (name, options) => {
    expect(formatList(info, table, options, numericNames)).toBe(fixture(name));
  });

  it('-L with names matches ipvsadm', () => {
    expect(formatList(info, table, opts({ numeric: false }), names)).toBe(fixture('list-names'));
  });

  it('-S -n and -S match ipvsadm', () => {
    expect(formatSave(table, { numeric: true, nosort: false }, numericNames)).toBe(
      fixture('save-n'),
    );
    expect(formatSave(table, { numeric: false, nosort: false }, names)).toBe(fixture('save-names'));
  });

  it('one service (-L -t) has no version line', () => {
    expect(formatListOne(table[3] as ServiceWithDestinations, opts({}), numericNames)).toBe(
      fixture('one-service'),
    );
  });

  it('timeouts and sync daemons', () => {
    expect(formatTimeouts({ tcp: 900, tcpFin: 120, udp: 300 })).toBe(
      'Timeout (tcp tcpfin udp): 900 120 300\n',
    );
    expect(
      formatDaemons([
        {
          state: 'backup',
          interface: 'veth0',
          syncId: 9,
          maxLength: 1400,
          group: '224.0.0.88',
          port: 8850,
          ttl: 3,
        },
        {
          state: 'master',
          interface: 'veth0',
          syncId: 7,
          maxLength: 1472,
          group: '224.0.0.81',
          port: 8848,
          ttl: 1,
        },
      ]),
    ).toBe(
      'master sync daemon (mcast=veth0, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n' +
        'backup sync daemon (mcast=veth0, syncid=9, maxlen=1400, group=224.0.0.88, port=8850, ttl=3)\n',
    );
  });

  it('scales large numbers as print_largenum does', () => {
    expect(largeNumber(0n, false)).toBe('        0');
    expect(largeNumber(99_999_999n, false)).toBe(' 99999999');
    expect(largeNumber(100_000_000n, false)).toBe('  100000K');
    expect(largeNumber(999_999_999n, false)).toBe('  999999K');
    expect(largeNumber(1_000_000_000n, false)).toBe('    1000M');
    expect(largeNumber(123_456_789_012n, false)).toBe('     123G');
    expect(largeNumber(2n ** 64n - 1n, false)).toBe('18446744T');
    expect(largeNumber(2n ** 64n - 1n, true)).toBe(' 18446744073709551615');
    expect(largeNumber(12345678n, true)).toBe(' 12345678');
    expect(largeNumber(123456789n, true)).toBe(' 123456789');
  });

  it("sorts with ipvsadm's wrapping comparator: 10.x after 203.x", () => {
    const services = ['10.0.0.1', '203.0.113.1', '192.0.2.1'].map((address) => ({
      key: { family: 'ipv4', protocol: 'tcp', address, port: 80 } as const,
    }));
    const sorted = sortServices(services).map((s) => Number(s.key.address.split('.')[0]));
    // 203-10 and 192-10 exceed 2^31 when shifted into the top byte, so they wrap negative.
    expect(sorted).toEqual([192, 203, 10]);
  });
});
