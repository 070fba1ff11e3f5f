/** Which net.ipv4.vs settings the daemon holds, and what it changes to hold them. */
import { describe, expect, it } from 'vitest';
import { parseConfig, parseConfigOrThrow } from '../../../src/config/parse.js';
import { planSysctls, wantedSysctls } from '../../../src/daemon/ipvs-sysctls.js';

const base = {
  director: { name: 'lb1', router_id: '192.0.2.11' },
  bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }] },
};
const service = (over: Record<string, unknown>) => ({
  name: 'web',
  vip: '198.51.100.10',
  ports: [{ port: 80 }],
  reals: [{ address: '10.1.0.1' }],
  ...over,
});

describe('wantedSysctls', () => {
  it('holds sloppy_tcp=1 for a TCP service scheduled by mh, not for wlc', () => {
    const mh = parseConfigOrThrow({ ...base, services: [service({ scheduler: 'mh' })] });
    const wanted = wantedSysctls(mh.ipvsSysctls, mh.services);
    expect([...wanted.keys()]).toEqual(['sloppy_tcp', 'conn_reuse_mode']);
    expect(wanted.get('sloppy_tcp')?.value).toBe(1);
    expect(wanted.get('sloppy_tcp')?.why).toContain('service web hashes with mh');
    const wlc = parseConfigOrThrow({ ...base, services: [service({ scheduler: 'wlc' })] });
    expect([...wantedSysctls(wlc.ipvsSysctls, wlc.services).keys()]).toEqual(['conn_reuse_mode']);
  });

  it('holds conn_reuse_mode=3 for direct routing, nothing for NAT', () => {
    const dr = parseConfigOrThrow({ ...base, services: [service({})] });
    const w = wantedSysctls(dr.ipvsSysctls, dr.services).get('conn_reuse_mode');
    expect(w?.value).toBe(3);
    expect(w?.why).toContain('service web uses direct routing');
    const nat = parseConfigOrThrow({ ...base, services: [service({ forwarding: 'nat' })] });
    expect(wantedSysctls(nat.ipvsSysctls, nat.services).size).toBe(0);
  });

  it('holds sloppy_sctp for an SCTP service scheduled by sh, both for a fwmark service', () => {
    const sctp = parseConfigOrThrow({
      ...base,
      services: [service({ scheduler: 'sh', ports: [{ port: 80, protocol: 'sctp' }] })],
    });
    expect([...wantedSysctls(sctp.ipvsSysctls, sctp.services).keys()]).toEqual([
      'sloppy_sctp',
      'conn_reuse_mode',
    ]);
    const fw = parseConfigOrThrow({
      ...base,
      services: [
        {
          name: 'fw',
          vip: '198.51.100.10',
          fwmark: 7,
          scheduler: 'mh',
          reals: [{ address: '10.1.0.1', check: { type: 'tcp', port: 80 } }],
        },
      ],
    });
    expect([...wantedSysctls(fw.ipvsSysctls, fw.services).keys()]).toEqual([
      'sloppy_tcp',
      'sloppy_sctp',
      'conn_reuse_mode',
    ]);
  });

  it('lets the configuration override the implied value and adds what it names', () => {
    const c = parseConfigOrThrow({
      ...base,
      ipvs_sysctls: { sloppy_tcp: 0, expire_nodest_conn: 1, conn_reuse_mode: 1 },
      services: [service({ scheduler: 'mh' })],
    });
    const wanted = wantedSysctls(c.ipvsSysctls, c.services);
    expect(Object.fromEntries([...wanted].map(([k, v]) => [k, [v.value, v.why]]))).toEqual({
      sloppy_tcp: [0, 'configured'],
      expire_nodest_conn: [1, 'configured'],
      conn_reuse_mode: [1, 'configured'],
    });
  });

  it('rejects unknown settings and values out of range, naming them', () => {
    const r = parseConfig({
      ...base,
      ipvs_sysctls: { sloppy_tcp: 2, conn_reuse: 1 },
      services: [service({})],
    });
    const text = (r.issues ?? []).map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/ipvs_sysctls\.sloppy_tcp: .*1/);
    expect(text).toContain('conn_reuse');
  });
});

describe('planSysctls', () => {
  it('writes only what differs, in a stable order', () => {
    const wanted = new Map([
      ['secure_tcp', { value: 0, why: 'configured' }],
      ['sloppy_tcp', { value: 1, why: 'mh' }],
    ] as const);
    expect(
      planSysctls(
        wanted,
        new Map([
          ['sloppy_tcp', 0],
          ['secure_tcp', 0],
        ]),
      ),
    ).toEqual([{ name: 'sloppy_tcp', from: 0, to: 1, why: 'mh' }]);
    expect(
      planSysctls(
        wanted,
        new Map([
          ['sloppy_tcp', 1],
          ['secure_tcp', 0],
        ]),
      ),
    ).toEqual([]);
  });
});
