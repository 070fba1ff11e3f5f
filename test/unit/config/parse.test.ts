import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { parseConfigText } from '../../../src/config/load.js';
import { parseConfig } from '../../../src/config/parse.js';
import { minimalConfig } from './minimal.js';

const minimal = () => minimalConfig();

type Doc = ReturnType<typeof minimal> & Record<string, unknown>;

function problems(change: (d: Doc) => void): string[] {
  const doc = minimal() as Doc;
  change(doc);
  const r = parseConfig(doc);
  return (r.issues ?? []).map((i) => `${i.path}: ${i.message}`);
}

describe('parseConfig', () => {
  it('reads the example file into the canonical form', () => {
    const r = parseConfigText(readFileSync('examples/anycastd.yaml', 'utf8'));
    if (!r.config) throw new Error(JSON.stringify(r.issues));
    const c = r.config;
    expect(Object.isFrozen(c.services[0])).toBe(true);
    expect(c.bgp.speaker).toMatchObject({ asn: 65001, routerId: '192.0.2.11', restartTime: 30 });
    expect(c.bgp.drainTimeMs).toBe(10_000);
    const web = c.services[0];
    if (!web) throw new Error('no web');
    expect(web.services.map((s) => s.key)).toEqual([
      { family: 'ipv4', protocol: 'tcp', address: '198.51.100.10', port: 80 },
      { family: 'ipv4', protocol: 'tcp', address: '198.51.100.10', port: 443 },
    ]);
    expect(web.services[0]).toMatchObject({ scheduler: 'mh', flags: ['mh-port', 'mh-fallback'] });
    // defaults.check and the service's check, merged field by field.
    expect(web.reals[0]?.check.probe).toMatchObject({
      type: 'http',
      path: '/healthz',
      target: { address: '10.1.0.11', port: 8080 },
    });
    expect(web.reals[0]?.check.timing).toMatchObject({ intervalMs: 2000, rise: 2, fall: 3 });
    expect(web.announce.minHealthy).toEqual({ count: 2 });
    expect(web.announce.reannounceHealthy).toEqual({ count: 3 });
    expect(web.announce.route).toMatchObject({
      prefix: '198.51.100.10/32',
      communities: ['65001:100'],
    });
    expect(web.announce.drainingRoute).toMatchObject({
      med: 1000,
      communities: ['65001:100', '65535:0'],
    });
    const v6 = c.services[1];
    expect(v6?.announce.minHealthy).toEqual({ percent: 50 });
    expect(v6?.announce.route.prefix).toBe('2001:db8:100::10/128');
    const dns = c.services[2];
    expect(dns?.services.map((s) => ('protocol' in s.key ? s.key.protocol : '')).sort()).toEqual([
      'tcp',
      'udp',
    ]);
    expect(dns?.reals.map((r) => [r.address, r.weight])).toEqual([
      ['10.1.0.21', 2],
      ['10.1.0.22', 1],
    ]);
  });

  it('puts real servers in a canonical order and defaults the check to TCP on the service port', () => {
    const r = parseConfig(minimal());
    const web = r.config?.services[0];
    expect(web?.reals.map((x) => x.address)).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(web?.reals[0]?.check.probe).toMatchObject({
      type: 'tcp',
      target: { address: '10.1.0.1', port: 80 },
    });
    expect(web?.forwarding).toBe('dr');
    expect(web?.services[0]?.scheduler).toBe('wlc');
  });

  it('checks a service of several ports on its first port when the check names none', () => {
    const doc = minimal();
    (doc.services[0] as Record<string, unknown>).ports = [{ port: 443 }, { port: 80 }];
    const r = parseConfig(doc);
    expect(r.config?.services[0]?.reals[0]?.check.probe).toMatchObject({
      type: 'tcp',
      target: { address: '10.1.0.1', port: 443 },
    });
  });

  it.each<[string, (d: Doc) => void, string[]]>([
    ['unknown field', (d) => (d.colour = 'blue'), ['colour: unknown field']],
    [
      'bad VIP',
      (d) => ((d.services[0] as Record<string, unknown>).vip = '10.0.0.300'),
      ['services[0].vip: "10.0.0.300" is not an IP address'],
    ],
    [
      'real listed twice',
      (d) => d.services[0]?.reals.push({ address: '10.1.0.1' }),
      ['services[0].reals[2].address: 10.1.0.1 is already services[0].reals[1]'],
    ],
    [
      'same VIP:port:protocol twice',
      (d) => d.services.push({ ...structuredClone(d.services[0]), name: 'web2' } as never),
      ['services[1].ports[0]: tcp 198.51.100.10:80 is already used by services[0].ports[0]'],
    ],
    [
      'overlapping fwmarks',
      (d) => {
        const s = d.services[0] as Record<string, unknown>;
        delete s.ports;
        s.fwmark = 7;
        s.check = { type: 'tcp', port: 80 };
        d.services.push({ ...structuredClone(s), name: 'web2', vip: '198.51.100.11' } as never);
      },
      ['services[1].fwmark: fwmark 7 (ipv4) is already used by services[0].fwmark'],
    ],
    [
      'threshold that cannot be met',
      (d) => ((d.services[0] as Record<string, unknown>).announce = { min_healthy: 3 }),
      [
        'services[0].announce.min_healthy: 3 healthy real servers can never be met: services[0] has 2',
      ],
    ],
    [
      'hysteresis backwards',
      (d) =>
        ((d.services[0] as Record<string, unknown>).announce = {
          min_healthy: 2,
          reannounce_healthy: '10%',
        }),
      ['services[0].announce.reannounce_healthy: must not be below min_healthy (2)'],
    ],
    [
      'a mh flag on another scheduler',
      (d) => ((d.services[0] as Record<string, unknown>).flags = ['mh-port']),
      ['services[0].flags[0]: mh-port only applies to the mh scheduler, not wlc'],
    ],
    [
      'IPv6 real server behind an IPv4 VIP, direct routing',
      (d) => d.services[0]?.reals.push({ address: '2001:db8::1' }),
      [
        'services[0].reals[2].address: "2001:db8::1" is not of the VIP\'s address family (only tunnels may cross families)',
      ],
    ],
    [
      'a bad check, reported once for all real servers',
      (d) => ((d.services[0] as Record<string, unknown>).check = { type: 'http', timeout: '3s' }),
      ['services[0].check.timeout: 3s must be shorter than the interval (2s)'],
    ],
    [
      'bad community and next hop of the other family',
      (d) =>
        ((d.bgp as Record<string, unknown>).announce = {
          communities: ['1:2:3'],
          next_hop: '2001:db8::1',
        }),
      [
        'bgp.announce.communities[0]: "1:2:3" is not a community (asn:value, each 0..65535, or a well-known name)',
        'bgp.announce.next_hop: "2001:db8::1" is not an IPv4 address (the VIP 198.51.100.10 is)',
      ],
    ],
    [
      'next hop of the other family',
      (d) => ((d.bgp as Record<string, unknown>).announce = { next_hop: '2001:db8::1' }),
      ['bgp.announce.next_hop: "2001:db8::1" is not an IPv4 address (the VIP 198.51.100.10 is)'],
    ],
    [
      'peer timers',
      (d) => Object.assign(d.bgp.peers[0] as object, { hold_time: '2s' }),
      ['bgp.peers[0].hold_time: 2 is not 0 or 3..65535 seconds'],
    ],
    [
      'peer listed twice',
      (d) => d.bgp.peers.push({ address: '192.0.2.1', asn: 65002 }),
      ['bgp.peers[1].address: 192.0.2.1 is listed twice'],
    ],
    [
      'two services of one VIP with different route attributes',
      (d) =>
        d.services.push({
          ...structuredClone(d.services[0]),
          name: 'web-tls',
          ports: [{ port: 443 }],
          announce: { med: 5 },
        } as never),
      [
        'services[1].announce: route attributes differ from service "web", which has the same VIP 198.51.100.10 (one VIP is one route)',
      ],
    ],
    [
      'a fwmark service with no check to default to',
      (d) => {
        const s = d.services[0] as Record<string, unknown>;
        delete s.ports;
        s.fwmark = 7;
      },
      [
        'services[0].check: is required: without a port (fwmark service) there is no default TCP check',
      ],
    ],
    [
      'ports and fwmark together',
      (d) => ((d.services[0] as Record<string, unknown>).fwmark = 3),
      ['services[0].ports: give either ports or fwmark (exactly one of them)'],
    ],
    [
      'bad persistence netmask',
      (d) => ((d.services[0] as Record<string, unknown>).persistence = { netmask: '255.0.255.0' }),
      [
        'services[0].persistence.netmask: "255.0.255.0" is not an IPv4 netmask (e.g. "255.255.255.0" or 24)',
      ],
    ],
  ])('refuses %s', (_name, change, expected) => {
    expect(problems(change)).toEqual(expected);
  });

  it('reads bgp.fleet: iBGP sessions with the other directors, the fail-open marker on the route', () => {
    const doc = minimal() as Doc;
    Object.assign(doc.bgp, { fleet: { peers: ['192.0.2.12', '192.0.2.13'] } });
    const r = parseConfig(doc);
    if (!r.config) throw new Error(JSON.stringify(r.issues));
    expect(r.config.bgp.fleet).toEqual({
      peers: [
        { address: '192.0.2.12', asn: 65001, holdTime: 9, connectRetry: 1, passive: false },
        { address: '192.0.2.13', asn: 65001, holdTime: 9, connectRetry: 1, passive: false },
      ],
      settleMs: 1000,
      marker: '65001:0:1',
    });
    const a = r.config.services[0]?.announce;
    expect(a?.failOpen).toBe(true);
    expect(a?.route.largeCommunities).toEqual([]);
    expect(a?.failOpenRoute.largeCommunities).toEqual(['65001:0:1']);
    // Per service, and off for everything through defaults.
    const off = minimal() as Doc;
    Object.assign(off.bgp, { fleet: { peers: ['192.0.2.12'], fail_open_community: '64512:9:9' } });
    Object.assign(off, { defaults: { announce: { fail_open: false } } });
    const c = parseConfig(off).config;
    expect(c?.services[0]?.announce.failOpen).toBe(false);
    expect(c?.services[0]?.announce.failOpenRoute.largeCommunities).toEqual(['64512:9:9']);
  });

  it('refuses a fleet peer that is a router or listed twice, and a bad marker', () => {
    expect(
      problems((d) =>
        Object.assign(d.bgp, {
          fleet: { peers: ['192.0.2.1', '192.0.2.12', '192.0.2.12'], fail_open_community: '1:2' },
        }),
      ),
    ).toEqual([
      'bgp.fleet.fail_open_community: "1:2" is not a large community (ASN:number:number)',
      'bgp.fleet.peers[0]: "192.0.2.1" is listed twice (as a router or another director)',
      'bgp.fleet.peers[2]: "192.0.2.12" is listed twice (as a router or another director)',
    ]);
  });

  it('reports structural and cross-field problems in one run', () => {
    expect(
      problems((d) => {
        (d.director as Record<string, unknown>).name = 'lb 1';
        d.services[0]?.reals.push({ address: '10.1.0.1' });
        d.services.push({
          ...structuredClone(d.services[0]),
          name: 'dns',
          vip: '192.0.2.300',
        } as never);
      }),
    ).toEqual([
      'director.name: must be 1..63 letters, digits, ".", "_" or "-", starting with a letter or digit, got "lb 1"',
      'services[1].vip: "192.0.2.300" is not an IP address',
      'services[0].reals[2].address: 10.1.0.1 is already services[0].reals[1]',
    ]);
  });

  it('locates problems by line, and YAML errors too', () => {
    const text = [
      'director:',
      '  name: lb1',
      '  router_id: 192.0.2.300',
      'bgp: {asn: 1, peers: []}',
      'services: []',
    ].join('\n');
    const r = parseConfigText(text);
    expect(r.issues?.find((i) => i.path === 'director.router_id')).toEqual({
      path: 'director.router_id',
      message: '"192.0.2.300" is not an IPv4 address',
      line: 3,
    });
    const dup = parseConfigText('director: {}\ndirector: {}\n');
    expect(dup.issues?.[0]?.message).toMatch(/^YAML: Map keys must be unique/);
    expect(dup.issues?.[0]?.line).toBe(2);
  });
});

describe('JSON Schema', () => {
  it('is the one shipped in examples/ (regenerate: anycastd validate --schema > examples/anycastd.schema.json)', () => {
    const shipped = JSON.parse(readFileSync('examples/anycastd.schema.json', 'utf8')) as unknown;
    expect(shipped).toEqual(configJsonSchema());
  });
});
