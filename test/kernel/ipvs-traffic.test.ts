import { describe, expect, it } from 'vitest';
import { IpvsClient } from '../../src/ipvs/client.js';
import { formatList, defaultListOptions } from '../../src/ipvs/ipvsadm/format.js';
import { numericNames } from '../../src/ipvs/ipvsadm/names.js';
import type { ServiceKey } from '../../src/ipvs/model.js';
import { destination, service } from '../../src/ipvs/validate.js';
import { useNetnsLab } from '../lab/vitest.js';

/**
 * A NAT service with real packets: client -> director (VIP) -> real server,
 * each in its own namespace. Proves the counters the client reads back, and
 * that zeroing clears them.
 */
describe('IPVS counters with real traffic', () => {
  const lab = useNetnsLab();

  it('reads connection, packet and byte counters and zeroes them', async () => {
    const client = await lab().namespace('client');
    const director = await lab().namespace('director');
    const real = await lab().namespace('real');
    await lab().link(client, director, { addressA: '10.1.0.2/24', addressB: '10.1.0.1/24' });
    await lab().link(director, real, { addressA: '10.2.0.1/24', addressB: '10.2.0.2/24' });
    await client.ip('route', 'add', '192.0.2.0/24', 'via', '10.1.0.1');
    await real.ip('route', 'add', 'default', 'via', '10.2.0.1');
    await director.sysctl('net.ipv4.ip_forward', '1');
    // IPVS sees packets addressed to the director itself: the VIP is local there.
    await director.addAddress('lo', '192.0.2.10/32');
    const server = real.spawn('node', [
      '-e',
      `require('net').createServer((s) => { s.on('data', () => {}); s.end('x'.repeat(1000)); }).listen(8080, '10.2.0.2', () => console.log('ready'))`,
    ]);
    await server.waitFor('ready');

    const ipvs = await IpvsClient.open({ netns: director.name });
    try {
      const vip: ServiceKey = { family: 'ipv4', protocol: 'tcp', address: '192.0.2.10', port: 80 };
      await ipvs.addService(service({ key: vip, scheduler: 'rr' }));
      await ipvs.addDestination(
        vip,
        destination({ address: '10.2.0.2', port: 8080, forward: 'nat' }),
      );

      const connections = 5;
      const r = await client.run('node', [
        '-e',
        `let left = ${connections}, bytes = 0;
         for (let i = 0; i < ${connections}; i++) {
           const s = require('net').connect(80, '192.0.2.10', () => s.write('hello'));
           s.on('data', (d) => { bytes += d.length; });
           s.on('close', () => { if (--left === 0) console.log(bytes); });
         }`,
      ]);
      expect(Number(r.stdout.trim())).toBe(connections * 1000);

      // The kernel folds per-CPU counters into what it reports every ~2 s.
      let [svc] = await ipvs.dump();
      for (
        let waited = 0;
        svc?.stats.conns !== BigInt(connections) && waited < 10_000;
        waited += 250
      ) {
        await new Promise((r) => setTimeout(r, 250));
        [svc] = await ipvs.dump();
      }
      expect(svc?.stats.conns).toBe(BigInt(connections));
      expect(svc?.stats.inPkts).toBeGreaterThanOrEqual(BigInt(connections * 3));
      expect(svc?.stats.outBytes).toBeGreaterThan(BigInt(connections * 1000));
      const dest = svc?.destinations[0];
      expect(dest?.stats.conns).toBe(BigInt(connections));
      // Closed connections linger as inactive (TIME_WAIT/CLOSE) entries.
      expect((dest?.activeConns ?? 0) + (dest?.inactiveConns ?? 0)).toBe(connections);
      // Our --stats listing prints what ipvsadm prints for the same counters.
      expect(
        formatList(
          await ipvs.info(),
          await ipvs.dump(),
          { ...defaultListOptions, numeric: true, stats: true },
          numericNames,
        ),
      ).toBe((await director.run('ipvsadm', ['-L', '-n', '--stats'])).stdout);

      await ipvs.zero(vip);
      const [zeroed] = await ipvs.dump();
      expect(zeroed?.stats.conns).toBe(0n);
      expect(zeroed?.stats.inBytes).toBe(0n);
      expect(zeroed?.destinations[0]?.stats.conns).toBe(0n);
    } finally {
      ipvs.close();
    }
  });
});
