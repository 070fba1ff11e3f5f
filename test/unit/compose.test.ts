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

interface Service {
  network_mode?: string;
  command?: string[];
  volumes?: string[];
}

const compose = parse(readFileSync('compose.yaml', 'utf8')) as {
  services: Record<string, Service>;
};

describe('compose.yaml', () => {
  const { gobgpd, guard, anycastd } = compose.services;

  it('runs gobgpd, the guard and anycastd on the host network', () => {
    expect(Object.keys(compose.services)).toEqual(['gobgpd', 'guard', 'anycastd']);
    for (const s of Object.values(compose.services)) expect(s.network_mode).toBe('host');
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
});
