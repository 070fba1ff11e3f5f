import { describe, expect, it } from 'vitest';
import { IpvsError, IpvsValidationError } from '../../src/ipvs/errors.js';
import { formatSave } from '../../src/ipvs/ipvsadm/format.js';
import { numericNames } from '../../src/ipvs/ipvsadm/names.js';
import { SCHEDULERS, type ServiceKey } from '../../src/ipvs/model.js';
import type { IpvsOp } from '../../src/ipvs/ops.js';
import { destination, service } from '../../src/ipvs/validate.js';
import { kernelHasScheduler, useIpvs } from './ipvs-fixture.js';

const tcp = (address: string, port: number): ServiceKey => ({
  family: address.includes(':') ? 'ipv6' : 'ipv4',
  protocol: 'tcp',
  address,
  port,
});

describe('IPVS client against the kernel', () => {
  const t = useIpvs();

  /** Our own save output must equal ipvsadm's for the same kernel table. */
  async function expectSaveMatchesIpvsadm(): Promise<string> {
    const { ipvs, ipvsadm } = t();
    const theirs = await ipvsadm('-S', '-n');
    expect(formatSave(await ipvs.dump(), { numeric: true, nosort: false }, numericNames)).toBe(
      theirs,
    );
    return theirs;
  }

  it('creates TCP, UDP, SCTP and fwmark services over IPv4 and IPv6', async () => {
    const { ipvs } = t();
    await ipvs.addService(service({ key: tcp('192.0.2.10', 80), scheduler: 'rr' }));
    await ipvs.addService(
      service({ key: { family: 'ipv4', protocol: 'udp', address: '192.0.2.10', port: 53 } }),
    );
    await ipvs.addService(
      service({ key: { family: 'ipv4', protocol: 'sctp', address: '192.0.2.11', port: 3868 } }),
    );
    await ipvs.addService(service({ key: { family: 'ipv4', fwmark: 42 }, flags: ['persistent'] }));
    await ipvs.addService(service({ key: tcp('2001:db8::10', 443), scheduler: 'wrr' }));
    await ipvs.addService(
      service({ key: { family: 'ipv6', protocol: 'udp', address: '2001:db8::10', port: 53 } }),
    );
    await ipvs.addService(service({ key: { family: 'ipv6', fwmark: 43 }, scheduler: 'lc' }));
    expect(await expectSaveMatchesIpvsadm()).toBe(
      [
        '-A -t 192.0.2.10:80 -s rr',
        '-A -u 192.0.2.10:53 -s wlc',
        '-A --sctp-service 192.0.2.11:3868 -s wlc',
        '-A -t [2001:db8::10]:443 -s wrr',
        '-A -u [2001:db8::10]:53 -s wlc',
        '-A -f 42 -s wlc -p 360',
        '-A -f 43 -6 -s lc',
        '',
      ].join('\n'),
    );
    expect(await ipvs.service(tcp('192.0.2.10', 80))).toMatchObject({
      scheduler: 'rr',
      timeout: 0,
    });
    expect(await ipvs.service(tcp('192.0.2.99', 80))).toBeUndefined();
  });

  it('uses every scheduler the kernel ships and names the missing ones', async () => {
    const { ipvs } = t();
    const ops: IpvsOp[] = SCHEDULERS.map((scheduler, i) => ({
      type: 'add-service',
      service: service({ key: tcp('192.0.2.20', 1000 + i), scheduler }),
    }));
    const results = await ipvs.apply(ops);
    const available = SCHEDULERS.filter(kernelHasScheduler);
    expect(available.length).toBeGreaterThanOrEqual(13);
    for (const [i, r] of results.entries()) {
      const scheduler = SCHEDULERS[i] as string;
      if (available.includes(scheduler as (typeof SCHEDULERS)[number])) {
        expect({ scheduler, ok: r.ok }).toEqual({ scheduler, ok: true });
      } else {
        expect(r.ok).toBe(false);
        if (!r.ok)
          expect(r.error.message).toMatch(/ENOENT \(scheduler or persistence engine not available/);
      }
    }
    const schedulers = (await ipvs.services()).map((s) => s.scheduler).sort();
    expect(schedulers).toEqual([...available].sort());
  });

  it('sends flags as a flags+mask pair, persistence with netmask and engine', async () => {
    const { ipvs, ipvsadm } = t();
    await ipvs
      .apply([
        {
          type: 'add-service',
          service: service({
            key: { family: 'ipv4', protocol: 'udp', address: '192.0.2.30', port: 53 },
            scheduler: 'sh',
            flags: ['sh-fallback', 'sh-port', 'one-packet'],
          }),
        },
        {
          type: 'add-service',
          service: service({
            key: tcp('192.0.2.31', 80),
            scheduler: 'mh',
            flags: ['persistent', 'mh-fallback', 'mh-port'],
            timeout: 600,
            netmask: 0xffffff00,
          }),
        },
        {
          type: 'add-service',
          service: service({
            key: tcp('192.0.2.32', 80),
            scheduler: 'dh',
            flags: ['flag-1', 'flag-3'],
          }),
        },
        {
          type: 'add-service',
          service: service({
            key: { family: 'ipv6', fwmark: 7 },
            flags: ['persistent'],
            timeout: 60,
            netmask: 64,
            pe: 'sip',
          }),
        },
      ])
      .then((r) => expect(r.every((x) => x.ok)).toBe(true));
    const saved = await expectSaveMatchesIpvsadm();
    expect(saved).toContain('-A -u 192.0.2.30:53 -s sh -o -b sh-fallback,sh-port\n');
    expect(saved).toContain(
      '-A -t 192.0.2.31:80 -s mh -p 600 -M 255.255.255.0 -b mh-fallback,mh-port\n',
    );
    expect(saved).toContain('-A -t 192.0.2.32:80 -s dh -b flag-1,flag-3\n');
    expect(saved).toContain('-A -f 7 -6 -s wlc -p 60 -M 64 --pe sip\n');
    // Editing replaces the flags: the mask covers every bit we own.
    await ipvs.editService(
      service({ key: tcp('192.0.2.31', 80), scheduler: 'mh', flags: ['mh-port'] }),
    );
    expect(await ipvsadm('-S', '-n')).toContain('-A -t 192.0.2.31:80 -s mh -b mh-port\n');
    const edited = await ipvs.service(tcp('192.0.2.31', 80));
    expect(edited?.flags).toEqual(['hashed', 'mh-port']);
  });

  it('manages destinations: every forwarding method, weights, thresholds, tunnels', async () => {
    const { ipvs, ipvsadm } = t();
    const web = tcp('192.0.2.10', 80);
    const dns = { family: 'ipv4', protocol: 'udp', address: '192.0.2.10', port: 53 } as const;
    const v6 = tcp('2001:db8::10', 443);
    const results = await ipvs.apply([
      { type: 'add-service', service: service({ key: web, scheduler: 'wrr' }) },
      { type: 'add-service', service: service({ key: dns, scheduler: 'rr' }) },
      { type: 'add-service', service: service({ key: v6, scheduler: 'mh' }) },
      {
        type: 'add-destination',
        service: web,
        destination: destination({ address: '10.0.0.2', port: 80, weight: 3 }),
      },
      {
        type: 'add-destination',
        service: web,
        destination: destination({
          address: '10.0.0.1',
          port: 8080,
          forward: 'nat',
          weight: 0,
          upperThreshold: 100,
          lowerThreshold: 10,
        }),
      },
      {
        type: 'add-destination',
        service: web,
        destination: destination({ address: '10.0.0.3', port: 80, weight: 65535 }),
      },
      {
        type: 'add-destination',
        service: dns,
        destination: destination({ address: '10.0.0.5', port: 53, forward: 'tunnel' }),
      },
      {
        type: 'add-destination',
        service: dns,
        destination: destination({
          address: '10.0.0.6',
          port: 53,
          forward: 'tunnel',
          tunnelType: 'gue',
          tunnelPort: 6080,
          tunnelFlags: ['csum'],
        }),
      },
      {
        type: 'add-destination',
        service: dns,
        destination: destination({
          address: '10.0.0.7',
          port: 53,
          forward: 'tunnel',
          tunnelType: 'gue',
          tunnelPort: 6081,
          tunnelFlags: ['remcsum'],
        }),
      },
      {
        type: 'add-destination',
        service: dns,
        destination: destination({
          address: '10.0.0.8',
          port: 53,
          forward: 'tunnel',
          tunnelType: 'gre',
          tunnelFlags: ['csum'],
        }),
      },
      {
        type: 'add-destination',
        service: v6,
        destination: destination({ address: '2001:db8::1:2', port: 443, weight: 7 }),
      },
      // A destination of the other family is allowed through a tunnel.
      {
        type: 'add-destination',
        service: v6,
        destination: destination({ address: '10.0.0.11', port: 443, forward: 'tunnel' }),
      },
    ]);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.message))).toEqual([]);
    const saved = await expectSaveMatchesIpvsadm();
    expect(saved).toContain('-a -t 192.0.2.10:80 -r 10.0.0.1:8080 -m -w 0\n');
    expect(saved).toContain(
      '-a -u 192.0.2.10:53 -r 10.0.0.6:53 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum\n',
    );
    expect(saved).toContain(
      '-a -u 192.0.2.10:53 -r 10.0.0.7:53 -i -w 1 --tun-type gue --tun-port 6081 --tun-remcsum\n',
    );
    expect(saved).toContain(
      '-a -u 192.0.2.10:53 -r 10.0.0.8:53 -i -w 1 --tun-type gre --tun-csum\n',
    );
    expect(saved).toContain('-a -t [2001:db8::10]:443 -r 10.0.0.11:443 -i -w 1 --tun-type ipip\n');
    expect(await ipvsadm('-L', '-n', '--thresholds', '-t', '192.0.2.10:80')).toContain(
      '  -> 10.0.0.1:8080                100        10         0          0         \n',
    );
    const dests = await ipvs.destinations(web);
    expect(dests.find((d) => d.address === '10.0.0.1')).toMatchObject({
      forward: 'nat',
      weight: 0,
      upperThreshold: 100,
      lowerThreshold: 10,
    });

    // Drain with weight 0, then restore; edit keeps the destination in place.
    await ipvs.editDestination(web, destination({ address: '10.0.0.2', port: 80, weight: 0 }));
    expect((await ipvs.destinations(web)).find((d) => d.address === '10.0.0.2')?.weight).toBe(0);
    await ipvs.deleteDestination(web, { family: 'ipv4', address: '10.0.0.3', port: 80 });
    await ipvs.deleteService(dns);
    const after = await ipvsadm('-S', '-n');
    expect(after).not.toContain('10.0.0.3');
    expect(after).not.toContain('-u 192.0.2.10:53');
    expect(after).toContain('-a -t 192.0.2.10:80 -r 10.0.0.2:80 -g -w 0\n');
    await expectSaveMatchesIpvsadm();
  });

  it('reports kernel refusals per operation with errno, operation and object', async () => {
    const { ipvs } = t();
    const web = tcp('192.0.2.10', 80);
    const results = await ipvs.apply([
      { type: 'add-service', service: service({ key: web }) },
      { type: 'add-service', service: service({ key: web }) },
      {
        type: 'add-destination',
        service: web,
        destination: destination({ address: '10.0.0.2', port: 80 }),
      },
      {
        type: 'add-destination',
        service: web,
        destination: destination({ address: '10.0.0.2', port: 80 }),
      },
      {
        type: 'add-destination',
        service: tcp('192.0.2.99', 80),
        destination: destination({ address: '10.0.0.2', port: 80 }),
      },
      {
        type: 'delete-destination',
        service: web,
        destination: { family: 'ipv4', address: '10.0.0.9', port: 80 },
      },
      { type: 'delete-service', service: tcp('192.0.2.98', 80) },
      {
        type: 'add-destination',
        service: web,
        destination: destination({ address: '10.0.0.4', port: 80 }),
      },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.message))).toEqual([
      'ok',
      'add service TCP 192.0.2.10:80: EEXIST (service already exists)',
      'ok',
      'add destination 10.0.0.2:80 to TCP 192.0.2.10:80: EEXIST (destination already exists)',
      'add destination 10.0.0.2:80 to TCP 192.0.2.99:80: ESRCH (no such service)',
      'delete destination 10.0.0.9:80 from TCP 192.0.2.10:80: ENOENT (no such destination)',
      'delete service TCP 192.0.2.98:80: ESRCH (no such service)',
      'ok',
    ]);
    const failure = results[1];
    expect(failure && !failure.ok && failure.error).toBeInstanceOf(IpvsError);
    expect(failure && !failure.ok && failure.error.code).toBe('EEXIST');
    await expect(ipvs.addService(service({ key: web }))).rejects.toThrow(/EEXIST/);
  });

  it('refuses bad input before sending anything, naming each value', async () => {
    const { ipvs, ipvsadm } = t();
    const ops: IpvsOp[] = [
      { type: 'add-service', service: service({ key: tcp('192.0.2.10', 80) }) },
      {
        type: 'add-service',
        service: service({ key: tcp('192.0.2.11', 80), scheduler: 'fastest' }),
      },
      { type: 'add-service', service: service({ key: tcp('10.0.0.300', 80) }) },
      { type: 'add-service', service: service({ key: tcp('192.0.2.12', 70000) }) },
      {
        type: 'add-destination',
        service: tcp('192.0.2.10', 80),
        destination: destination({ address: '10.0.0.2', port: 80, weight: 2147483648 }),
      },
      {
        type: 'add-destination',
        service: tcp('192.0.2.10', 80),
        destination: destination({
          address: '10.0.0.3',
          port: 80,
          upperThreshold: 5,
          lowerThreshold: 10,
        }),
      },
    ];
    const error = await ipvs.apply(ops).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpvsValidationError);
    expect((error as IpvsValidationError).problems).toEqual([
      'ops[1].service.scheduler: "fastest" is not one of rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos',
      'ops[2].service.address: "10.0.0.300" is not an IP address',
      'ops[3].service.port: 70000 is not an integer in 0..65535',
      'ops[4].destination.weight: 2147483648 is not an integer in 0..2147483647',
      'ops[5].destination.lowerThreshold: 10 is above upperThreshold 5 (the kernel refuses it)',
    ]);
    // Nothing of the batch reached the kernel, not even its valid first operation.
    expect(await ipvsadm('-S', '-n')).toBe('');
  });

  it('reads kernel info, reads and sets timeouts, zeroes and flushes', async () => {
    const { ipvs, ipvsadm } = t();
    expect(await ipvs.info()).toEqual({
      version: '1.2.1',
      versionCode: 0x010201,
      connTableSize: 4096,
    });
    expect(await ipvs.timeouts()).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    await ipvs.setTimeouts({ tcp: 100, tcpFin: 20, udp: 30 });
    expect(await ipvsadm('-L', '--timeout')).toBe('Timeout (tcp tcpfin udp): 100 20 30\n');
    // Zero leaves a timeout as it is.
    await ipvs.setTimeouts({ tcp: 0, tcpFin: 0, udp: 45 });
    expect(await ipvs.timeouts()).toEqual({ tcp: 100, tcpFin: 20, udp: 45 });
    await ipvs.addService(service({ key: tcp('192.0.2.10', 80) }));
    await ipvs.zero(tcp('192.0.2.10', 80));
    await ipvs.zero();
    await expect(ipvs.zero(tcp('192.0.2.11', 80))).rejects.toThrow(/ESRCH/);
    await ipvs.flush();
    expect(await ipvs.services()).toEqual([]);
  });

  it('applies a large batch in chunks and reports the failures among it', async () => {
    const { ipvs, ipvsadm } = t();
    const ops: IpvsOp[] = [];
    for (let s = 0; s < 200; s++) {
      const key = tcp(`198.51.100.${s}`, 80);
      ops.push({ type: 'add-service', service: service({ key, scheduler: 'mh' }) });
      for (let d = 1; d <= 10; d++) {
        ops.push({
          type: 'add-destination',
          service: key,
          destination: destination({ address: `10.${s}.0.${d}`, port: 80 }),
        });
      }
    }
    // Now and then an operation is repeated right away; each repeat must fail alone.
    let repeats = 0;
    for (let i = 0; i < ops.length; i += 100) {
      ops.splice(i + 1, 0, ops[i] as IpvsOp);
      repeats++;
    }
    const results = await ipvs.apply(ops);
    const failed = results.filter((r) => !r.ok);
    expect(failed.length).toBe(repeats);
    expect(results.findIndex((r) => !r.ok)).toBe(1);
    expect(failed.every((r) => !r.ok && r.error.code === 'EEXIST')).toBe(true);
    // Large enough to be read over several sockets: each service must still
    // get its own destinations, in the kernel's service order.
    const table = await ipvs.dump();
    expect(table).toHaveLength(200);
    expect(table.map((s) => s.key)).toEqual((await ipvs.services()).map((s) => s.key));
    for (const svc of table) {
      const n = (svc.key as { address: string }).address.split('.')[3];
      expect(svc.destinations.map((d) => d.address).sort()).toEqual(
        Array.from({ length: 10 }, (_, d) => `10.${n}.0.${d + 1}`).sort(),
      );
    }
    expect((await ipvsadm('-S', '-n')).split('\n').length - 1).toBe(2200);
  });

  it('starts, lists and stops the connection sync daemon', async () => {
    const { ipvs, ipvsadm, lab, ns } = t();
    const peer = await lab.namespace('peer');
    await lab.link(ns, peer, { addressA: '10.200.0.1/24' });
    const ifname = 'veth1a';
    await ipvs.startDaemon({ state: 'master', interface: ifname, syncId: 7 });
    await ipvs.startDaemon({
      state: 'backup',
      interface: ifname,
      syncId: 9,
      maxLength: 1400,
      group: '224.0.0.88',
      port: 8850,
      ttl: 3,
    });
    const daemons = await ipvs.daemons();
    expect(daemons.find((d) => d.state === 'backup')).toMatchObject({
      interface: ifname,
      syncId: 9,
      maxLength: 1400,
      group: '224.0.0.88',
      port: 8850,
      ttl: 3,
    });
    expect(daemons.find((d) => d.state === 'master')).toMatchObject({
      interface: ifname,
      syncId: 7,
    });
    const { formatDaemons } = await import('../../src/ipvs/ipvsadm/format.js');
    expect(formatDaemons(daemons)).toBe(await ipvsadm('-L', '--daemon'));
    await expect(
      ipvs.startDaemon({ state: 'master', interface: ifname, syncId: 7 }),
    ).rejects.toThrow(/EEXIST \(sync daemon already running\)/);
    await ipvs.stopDaemon('master');
    await ipvs.stopDaemon('backup');
    expect(await ipvs.daemons()).toEqual([]);
  });
});

describe('IPVS client edge cases', () => {
  const t = useIpvs();

  it('keeps local forwarding as asked, and ipvsadm shows it as Local', async () => {
    const { ipvs, ipvsadm } = t();
    const key = tcp('192.0.2.40', 80);
    await ipvs.addService(service({ key }));
    await ipvs.addDestination(
      key,
      destination({ address: '10.0.0.40', port: 80, forward: 'local' }),
    );
    expect((await ipvs.destinations(key))[0]?.forward).toBe('local');
    expect(await ipvsadm('-L', '-n')).toContain(
      `  -> ${'10.0.0.40:80'.padEnd(28)} Local   1      0          0         \n`,
    );
  });

  it('survives a batch where every operation fails (no reply is lost)', async () => {
    const { ipvs } = t();
    const ops: IpvsOp[] = [];
    for (let i = 0; i < 5000; i++) {
      ops.push({ type: 'delete-service', service: tcp(`198.18.${i >> 8}.${i & 255}`, 80) });
    }
    const results = await ipvs.apply(ops);
    expect(results.every((r) => !r.ok && r.error.code === 'ESRCH')).toBe(true);
  });

  it('rejects what is pending when closed, and everything after', async () => {
    const { ipvs } = t();
    const ops: IpvsOp[] = [];
    for (let s = 0; s < 300; s++)
      ops.push({
        type: 'add-service',
        service: service({ key: tcp(`198.51.100.${s & 255}`, 1000 + s) }),
      });
    await ipvs.apply(ops);
    const dump = ipvs.dump();
    ipvs.close();
    await expect(dump).rejects.toThrow(/ECANCELED/);
    await expect(ipvs.info()).rejects.toThrow(/ECANCELED/);
  });
});
