import { join } from 'node:path';
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

  it('lists the connection entries as ipvsadm -L -c does, IPv4 and IPv6, with persistence', async () => {
    const client = await lab().namespace('client');
    const director = await lab().namespace('director');
    const real = await lab().namespace('real');
    const toDirector = await lab().link(client, director, {
      addressA: '10.1.0.2/24',
      addressB: '10.1.0.1/24',
    });
    const toReal = await lab().link(director, real, {
      addressA: '10.2.0.1/24',
      addressB: '10.2.0.2/24',
    });
    const v6 = async (ns: typeof client, ifname: string, cidr: string) =>
      ns.ip('addr', 'add', cidr, 'dev', ifname, 'nodad');
    await v6(client, toDirector.a, 'fd01::2/64');
    await v6(director, toDirector.b, 'fd01::1/64');
    await v6(director, toReal.a, 'fd02::1/64');
    await v6(real, toReal.b, 'fd02::2/64');
    await client.ip('route', 'add', '192.0.2.0/24', 'via', '10.1.0.1');
    await client.ip('-6', 'route', 'add', '2001:db8::/64', 'via', 'fd01::1');
    await real.ip('route', 'add', 'default', 'via', '10.2.0.1');
    await real.ip('-6', 'route', 'add', 'default', 'via', 'fd02::1');
    await director.sysctl('net.ipv4.ip_forward', '1');
    await director.sysctl('net.ipv6.conf.all.forwarding', '1');
    await director.addAddress('lo', '192.0.2.10/32');
    await director.addAddress('lo', '2001:db8::10/128');
    const server = real.spawn('node', [
      '-e',
      `const h = (s) => { s.on('data', () => {}); s.end('x'); };
       let n = 0; const up = () => { if (++n === 2) console.log('ready'); };
       require('net').createServer(h).listen(8080, '10.2.0.2', up);
       require('net').createServer(h).listen(8080, 'fd02::2', up);`,
    ]);
    await server.waitFor('ready');
    const ipvsadm = (...args: string[]) => director.run('ipvsadm', args);
    await ipvsadm('-A', '-t', '192.0.2.10:80', '-s', 'rr', '-p', '60');
    await ipvsadm('-a', '-t', '192.0.2.10:80', '-r', '10.2.0.2:8080', '-m');
    await ipvsadm('-A', '-t', '[2001:db8::10]:80', '-s', 'rr');
    await ipvsadm('-a', '-t', '[2001:db8::10]:80', '-r', '[fd02::2]:8080', '-m');
    const r = await client.run('node', [
      '-e',
      `const net = require('net');
       let left = 6;
       for (const host of ['192.0.2.10', '192.0.2.10', '192.0.2.10', '2001:db8::10', '2001:db8::10', '2001:db8::10']) {
         const s = net.connect(80, host, () => s.write('hi'));
         s.on('data', () => {});
         s.on('close', () => { if (--left === 0) console.log('done'); });
       }`,
    ]);
    expect(r.stdout.trim()).toBe('done');

    const main = join(process.cwd(), 'dist/main.js');
    // ipvsadm reads the kernel's table right after ours (node takes seconds to start here, so
    // not both at once): only the seconds left may differ, by no more than the time between.
    const same = async (ours: string[], theirs: string[]) => {
      const started = Date.now();
      const a = await director.run('node', [main, 'ipvs', 'list', ...ours], { timeoutMs: 120_000 });
      const b = await ipvsadm('-L', ...theirs);
      const apart = Math.ceil((Date.now() - started) / 1000) + 1;
      const expire = /^(\S+ )(\d+):(\d\d)/;
      const mask = (text: string) => text.replace(/^(\S+ )\d+:\d\d/gm, '$1mm:ss');
      expect(mask(a.stdout)).toBe(mask(b.stdout));
      const seconds = (line: string) => {
        const m = expire.exec(line);
        return m ? Number(m[2]) * 60 + Number(m[3]) : Number.NaN;
      };
      const al = a.stdout.split('\n').slice(2, -1);
      const bl = b.stdout.split('\n').slice(2, -1);
      al.forEach((line, i) =>
        expect(Math.abs(seconds(line) - seconds(bl[i] ?? ''))).toBeLessThanOrEqual(apart),
      );
      return a.stdout;
    };
    const numeric = await same(['-c', '-n'], ['-c', '-n']);
    // Six connections and the IPv4 client's persistence template (client port 0).
    expect(numeric.split('\n').filter((l) => /^TCP /.test(l))).toHaveLength(7);
    expect(numeric).toContain('[2001:db8::10]:80');
    expect(numeric).toMatch(
      /^TCP \d\d:\d\d {2}[A-Z_]+ +10\.1\.0\.2:0 +192\.0\.2\.10:80 +10\.2\.0\.2:8080$/m,
    );
    await same(['-c', '-n', '--persistent-conn'], ['-c', '-n', '--persistent-conn']);
    await same(['--connection'], ['-c']);
    // From outside the namespace too.
    const outside = await import('../lab/exec.js').then(({ run }) =>
      run('node', [main, 'ipvs', 'list', '-c', '-n', '--netns', director.name], {
        timeoutMs: 120_000,
      }),
    );
    expect(outside.stdout.split('\n').length).toBe(numeric.split('\n').length);
  }, 600_000);
});
