import { describe, expect, it } from 'vitest';
import { parseConfig, parseConfigOrThrow } from '../../../src/config/parse.js';
import { planTimeouts } from '../../../src/daemon/ipvs-timeouts.js';

const base = {
  director: { name: 'lb1', router_id: '192.0.2.11' },
  bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }] },
  services: [
    { name: 'web', vip: '198.51.100.10', ports: [{ port: 80 }], reals: [{ address: '10.1.0.1' }] },
  ],
};

describe('ipvs_timeouts in the configuration', () => {
  it('reads durations into whole seconds and keeps only the ones named', () => {
    const c = parseConfigOrThrow({ ...base, ipvs_timeouts: { tcp: '1h', tcp_fin: '30s' } });
    expect(c.ipvsTimeouts).toEqual({ tcp: 3600, tcpFin: 30 });
    expect(parseConfigOrThrow(base).ipvsTimeouts).toEqual({});
  });

  it('refuses fractions of a second, zero, unknown names and more than 24 days, naming them', () => {
    const r = parseConfig({
      ...base,
      ipvs_timeouts: { tcp: '1500ms', udp: 0, tcp_fin: '600h', tcpfin: 10 },
    });
    const text = (r.issues ?? []).map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/ipvs_timeouts\.tcp: IPVS timeouts are whole seconds/);
    expect(text).toMatch(/ipvs_timeouts\.udp: 0 is out of range/);
    expect(text).toMatch(/ipvs_timeouts\.tcp_fin: "600h" is out of range/);
    expect(text).toContain('tcpfin');
  });
});

const kernelDefaults = { tcp: 900, tcpFin: 120, udp: 300 };

describe('planTimeouts', () => {
  it('writes only the configured values that differ, 0 for the rest', () => {
    expect(planTimeouts({ tcp: 3600, udp: 300 }, kernelDefaults)).toEqual({
      set: { tcp: 3600, tcpFin: 0, udp: 0 },
      changes: [{ name: 'tcp', from: 900, to: 3600 }],
    });
  });

  it('has nothing to do when the kernel holds what is configured, or nothing is', () => {
    expect(planTimeouts({ tcp: 900, tcpFin: 120 }, kernelDefaults)).toBeUndefined();
    expect(planTimeouts({}, kernelDefaults)).toBeUndefined();
  });

  it('repairs every drifted value in one write', () => {
    expect(planTimeouts({ tcp: 60, tcpFin: 10, udp: 5 }, kernelDefaults)?.set).toEqual({
      tcp: 60,
      tcpFin: 10,
      udp: 5,
    });
  });
});
