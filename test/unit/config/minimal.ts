/** The smallest valid configuration document, for tests that change one part of it. */
export function minimalConfig(
  service: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
) {
  return {
    director: { name: 'lb1', router_id: '192.0.2.11' },
    bgp: { asn: 65001, peers: [{ address: '192.0.2.1', asn: 65000 }] },
    services: [
      {
        name: 'web',
        vip: '198.51.100.10',
        ports: [{ port: 80 }],
        reals: [{ address: '10.1.0.2' }, { address: '10.1.0.1' }],
        ...service,
      },
    ],
    ...top,
  };
}
