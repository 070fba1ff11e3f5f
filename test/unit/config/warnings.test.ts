/** Valid configurations known to hurt, and the warnings `validate` gives for them. */
import { describe, expect, it } from 'vitest';
import { parseConfigOrThrow } from '../../../src/config/parse.js';
import { configWarnings } from '../../../src/config/warnings.js';

const base = {
  director: { name: 'lb1', router_id: '192.0.2.11' },
  bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }] },
};
const web = (over: Record<string, unknown> = {}) => ({
  name: 'web',
  vip: '198.51.100.10',
  ports: [{ port: 80 }],
  reals: [{ address: '10.1.0.1' }],
  ...over,
});
const warningsOf = (doc: Record<string, unknown>) =>
  configWarnings(parseConfigOrThrow({ ...base, ...doc })).map((w) => w.path);

describe('configWarnings', () => {
  it('has nothing to say about the defaults, with or without mh', () => {
    expect(warningsOf({ services: [web()] })).toEqual([]);
    expect(warningsOf({ services: [web({ scheduler: 'mh' })] })).toEqual([]);
  });

  it('warns about mh or sh with sloppy_tcp or sloppy_sctp turned off', () => {
    expect(
      warningsOf({
        ipvs_sysctls: { sloppy_tcp: 0, sloppy_sctp: 0 },
        services: [
          web({ scheduler: 'sh' }),
          web({
            name: 'api',
            scheduler: 'mh',
            fwmark: 7,
            ports: undefined,
            check: { type: 'tcp', port: 80 },
          }),
        ],
      }),
    ).toEqual(['ipvs_sysctls.sloppy_tcp', 'ipvs_sysctls.sloppy_sctp']);
    // Without a hashing scheduler the setting does not matter.
    expect(warningsOf({ ipvs_sysctls: { sloppy_tcp: 0 }, services: [web()] })).toEqual([]);
  });

  it('warns about a non-hashing TCP scheduler in a fleet, where moved connections reset', () => {
    const fleet = { ...base.bgp, fleet: { peers: ['192.0.2.12'] } };
    const w = configWarnings(
      parseConfigOrThrow({ ...base, bgp: fleet, services: [web({ scheduler: 'rr' })] }),
    );
    expect(w.map((x) => x.path)).toEqual(['services[0].scheduler']);
    expect(w[0]?.message).toContain('rr with a fleet');
    expect(
      warningsOf({
        bgp: fleet,
        services: [
          web({ scheduler: 'mh' }),
          web({ name: 'u', ports: [{ port: 53, protocol: 'udp' }] }),
        ],
      }),
    ).toEqual([]);
  });

  it('warns about persistence without expire_quiescent_template', () => {
    const sticky = web({ persistence: { timeout: 300 } });
    expect(warningsOf({ services: [sticky] })).toEqual(['services[0].persistence']);
    expect(
      warningsOf({ ipvs_sysctls: { expire_quiescent_template: 1 }, services: [sticky] }),
    ).toEqual([]);
  });

  it('warns about conn_reuse_mode without bit 2 under direct routing, not under NAT', () => {
    expect(warningsOf({ ipvs_sysctls: { conn_reuse_mode: 1 }, services: [web()] })).toEqual([
      'ipvs_sysctls.conn_reuse_mode',
    ]);
    expect(
      warningsOf({ ipvs_sysctls: { conn_reuse_mode: 1 }, services: [web({ forwarding: 'nat' })] }),
    ).toEqual([]);
  });

  it('warns about defences set to always on', () => {
    expect(
      warningsOf({
        ipvs_sysctls: { drop_entry: 3, drop_packet: 1, secure_tcp: 3 },
        services: [web()],
      }),
    ).toEqual(['ipvs_sysctls.drop_entry', 'ipvs_sysctls.secure_tcp']);
  });
});
