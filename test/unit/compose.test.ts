/**
 * compose.yaml cannot be started here (no container engine); what can be
 * checked is that its parts agree: host networking, gobgpd's API on loopback
 * only, anycastd's configuration valid and pointing at that API and at the
 * guard's socket, gobgpd's AS and router id the same as anycastd's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { CLIENT, ROUTER_LAN, VIP } from '../lab/fleet.js';

interface Service {
  network_mode?: string;
  command?: string[];
  volumes?: string[];
  profiles?: string[];
  networks?: Record<string, { ipv4_address: string }>;
  depends_on?: string[];
}

// Merge keys (<<) as Compose reads them.
const compose = parse(readFileSync('compose.yaml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};

describe('compose.yaml', () => {
  const { gobgpd, guard, anycastd } = compose.services;

  const main = Object.entries(compose.services).filter(([, s]) => !s.profiles);
  const demo = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('demo'));

  it('runs gobgpd, the guard and anycastd on the host network', () => {
    expect(main.map(([n]) => n)).toEqual(['gobgpd', 'guard', 'anycastd']);
    for (const [, s] of main) expect(s.network_mode).toBe('host');
  });

  it("binds gobgpd's API to loopback, where anycastd and the guard look for it", () => {
    const apiHosts = gobgpd?.command?.find((a) => a.startsWith('--api-hosts='));
    expect(apiHosts).toBe('--api-hosts=127.0.0.1:50051');
    const mounted = anycastd?.volumes?.find((v) => v.endsWith(':/etc/anycastd/anycastd.yaml:ro'));
    const file = mounted?.split(':')[0] ?? '';
    const r = parseConfigText(readFileSync(file, 'utf8'));
    if (!r.config) throw new Error(`${file}: ${JSON.stringify(r.issues)}`);
    expect(r.config.bgp.sidecar).toEqual({
      mode: 'external',
      address: '127.0.0.1:50051',
      guard: '/run/anycastd/guard.sock',
    });
    const g = guard?.command ?? [];
    expect(g[g.indexOf('--gobgp') + 1]).toBe('127.0.0.1:50051');
    expect(g[g.indexOf('--listen') + 1]).toBe('/run/anycastd/guard.sock');
    // The guard's socket directory is shared with anycastd.
    expect(guard?.volumes).toContain('anycastd-run:/run/anycastd');
    expect(anycastd?.volumes).toContain('anycastd-run:/run/anycastd');

    const toml = readFileSync('gobgp/gobgpd.toml', 'utf8');
    expect(toml).toContain(`as = ${r.config.bgp.speaker.asn}`);
    expect(toml).toContain(`router-id = "${r.config.bgp.speaker.routerId}"`);
  });

  describe('the demo profile', () => {
    const address = (name: string) => {
      const nets = compose.services[name]?.networks ?? {};
      return Object.values(nets).map((n) => n.ipv4_address);
    };

    it('is the lab fleet of ./scripts/demo: same addresses, all started by demo-client', () => {
      expect(demo.map(([n]) => n).sort()).toEqual(
        [
          'demo-client',
          'demo-director1',
          'demo-director2',
          'demo-real1',
          'demo-real2',
          'demo-real3',
          'demo-router',
        ].sort(),
      );
      expect(address('demo-router').sort()).toEqual([ROUTER_LAN, '10.20.0.1']);
      expect(address('demo-client')).toEqual([CLIENT]);
      expect(address('demo-director1')).toEqual(['10.10.0.11']);
      expect(address('demo-director2')).toEqual(['10.10.0.12']);
      expect(['demo-real1', 'demo-real2', 'demo-real3'].flatMap(address)).toEqual([
        '10.10.0.21',
        '10.10.0.22',
        '10.10.0.23',
      ]);
      expect(compose.services['demo-client']?.depends_on?.sort()).toEqual(
        demo
          .map(([n]) => n)
          .filter((n) => n !== 'demo-client')
          .sort(),
      );
    });

    it("has director configurations that are valid and agree with the router's", () => {
      const bird = readFileSync('examples/demo/bird.conf', 'utf8');
      for (const [i, other] of [
        [1, 2],
        [2, 1],
      ] as const) {
        const mounted = compose.services[`demo-director${i}`]?.volumes?.find((v) =>
          v.endsWith(':/etc/anycastd/anycastd.yaml:ro'),
        );
        const file = mounted?.split(':')[0] ?? '';
        const r = parseConfigText(readFileSync(file, 'utf8'));
        if (!r.config) throw new Error(`${file}: ${JSON.stringify(r.issues)}`);
        const me = address(`demo-director${i}`)[0] ?? '';
        expect(r.config.director.routerId).toBe(me);
        expect(r.config.bgp.peers.map((p) => p.address)).toEqual([ROUTER_LAN]);
        expect(r.config.bgp.fleet?.peers.map((p) => p.address)).toEqual(
          address(`demo-director${other}`),
        );
        expect(r.config.services[0]?.vip).toBe(VIP);
        expect(r.config.services[0]?.reals.map((x) => x.address)).toEqual([
          '10.10.0.21',
          '10.10.0.22',
          '10.10.0.23',
        ]);
        expect(bird).toContain(`neighbor ${me} as ${r.config.bgp.speaker.asn};`);
        expect(bird).toContain(`local as ${r.config.bgp.peers[0]?.asn};`);
      }
    });
  });
});
