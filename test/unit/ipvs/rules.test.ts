import { describe, expect, it } from 'vitest';
import { parseRules, type RuleResolver, splitWords } from '../../../src/ipvs/ipvsadm/rules.js';
import { destination, service } from '../../../src/ipvs/validate.js';

const resolver: RuleResolver = {
  host: async (name) => (name === 'web1.example' ? '10.1.1.1' : undefined),
  port: (name, protocol) => (name === 'http' && protocol === 'tcp' ? 80 : undefined),
};

async function one(line: string) {
  const parsed = await parseRules(line, resolver);
  expect(parsed.errors).toEqual([]);
  return parsed.ops[0]?.op;
}

async function error(line: string) {
  const parsed = await parseRules(line, resolver);
  expect(parsed.ops).toEqual([]);
  return parsed.errors.map((e) => e.message);
}

const web = { family: 'ipv4', protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;

describe('ipvsadm rules', () => {
  it('reads services with ipvsadm defaults', async () => {
    expect(await one('-A -t 192.0.2.10:80')).toEqual({
      type: 'add-service',
      service: service({ key: web, scheduler: 'wlc' }),
    });
    expect(await one('-A -t 192.0.2.10:http -s rr -p')).toEqual({
      type: 'add-service',
      service: service({ key: web, scheduler: 'rr', flags: ['persistent'], timeout: 360 }),
    });
    expect(
      await one(
        '--add-service --tcp-service=192.0.2.10:80 --scheduler mh --persistent 60 --netmask 255.255.0.0 --sched-flags mh-fallback,mh-port',
      ),
    ).toEqual({
      type: 'add-service',
      service: service({
        key: web,
        scheduler: 'mh',
        flags: ['persistent', 'mh-fallback', 'mh-port'],
        timeout: 60,
        netmask: 0xffff0000,
      }),
    });
    expect(await one('-A -f 42 -6 -s lc -p 60 -M 64 --pe sip')).toEqual({
      type: 'add-service',
      service: service({
        key: { family: 'ipv6', fwmark: 42 },
        scheduler: 'lc',
        flags: ['persistent'],
        timeout: 60,
        netmask: 64,
        pe: 'sip',
      }),
    });
    expect(await one('-E -u [2001:DB8::10]:53 -s sh -o -b sh-port')).toEqual({
      type: 'edit-service',
      service: service({
        key: { family: 'ipv6', protocol: 'udp', address: '2001:db8::10', port: 53 },
        scheduler: 'sh',
        flags: ['one-packet', 'sh-port'],
      }),
    });
    expect(await one('-D --sctp-service 192.0.2.11:3868')).toEqual({
      type: 'delete-service',
      service: { family: 'ipv4', protocol: 'sctp', address: '192.0.2.11', port: 3868 },
    });
  });

  it('reads real servers, forcing the service port for direct routing and tunnels', async () => {
    expect(await one('-a -t 192.0.2.10:80 -r 10.0.0.2:8080')).toEqual({
      type: 'add-destination',
      service: web,
      destination: destination({ address: '10.0.0.2', port: 80 }),
    });
    expect(await one('-a -t 192.0.2.10:80 -r 10.0.0.2:8080 -m -w 0 -x 100 -y 10')).toEqual({
      type: 'add-destination',
      service: web,
      destination: destination({
        address: '10.0.0.2',
        port: 8080,
        forward: 'nat',
        weight: 0,
        upperThreshold: 100,
        lowerThreshold: 10,
      }),
    });
    expect(
      await one('-e -t 192.0.2.10:80 -r web1.example -i --tun-type gue --tun-port 6080 --tun-csum'),
    ).toEqual({
      type: 'edit-destination',
      service: web,
      destination: destination({
        address: '10.1.1.1',
        port: 80,
        forward: 'tunnel',
        tunnelType: 'gue',
        tunnelPort: 6080,
        tunnelFlags: ['csum'],
      }),
    });
    expect(await one('-a -t [2001:db8::10]:443 -r 10.0.0.11 -i')).toMatchObject({
      destination: { family: 'ipv4', address: '10.0.0.11', port: 443, forward: 'tunnel' },
    });
    // Deleting keeps the port as written.
    expect(await one('-d -t 192.0.2.10:80 -r 10.0.0.2:8080')).toEqual({
      type: 'delete-destination',
      service: web,
      destination: { family: 'ipv4', address: '10.0.0.2', port: 8080 },
    });
    expect(await one('-a -f 7 -r 10.0.0.5:0 -w3')).toMatchObject({
      destination: { port: 0, weight: 3 },
    });
  });

  it('reads the other commands', async () => {
    expect(await one('-C')).toEqual({ type: 'flush' });
    expect(await one('-Z')).toEqual({ type: 'zero' });
    expect(await one('-Z -t 192.0.2.10:80')).toEqual({ type: 'zero', service: web });
    expect(await one('--set 900 120 300')).toEqual({
      type: 'set-timeouts',
      timeouts: { tcp: 900, tcpFin: 120, udp: 300 },
    });
    expect(
      await one('--start-daemon master --mcast-interface eth1 --syncid 5 --mcast-group 224.0.0.90'),
    ).toEqual({
      type: 'start-daemon',
      daemon: {
        state: 'master',
        interface: 'eth1',
        syncId: 5,
        maxLength: undefined,
        group: '224.0.0.90',
        port: undefined,
        ttl: undefined,
      },
    });
    expect(await one('--stop-daemon backup')).toEqual({ type: 'stop-daemon', state: 'backup' });
  });

  it.each([
    ['-A', ['-A needs a service (-t, -u, --sctp-service or -f)']],
    [
      '-t 192.0.2.1:80',
      ['no command (one of -A -E -D -a -e -d -C -Z --set --start-daemon --stop-daemon)'],
    ],
    ['-A -D -t 192.0.2.1:80', ['more than one command (-A and -D)']],
    [
      '-A -t 192.0.2.1:80 -t 192.0.2.2:80',
      ['option -t given twice (or conflicts with an earlier one)'],
    ],
    ['-A -t 192.0.2.1:80 -w 3', ['option -w does not go with -A']],
    ['-A -t 192.0.2.1:0', ['port 0 (all ports) needs -p (a persistent service)']],
    ['-A -t 192.0.2.1:80 -o', ['-o (one-packet scheduling) is only for UDP services']],
    ['-A -t 192.0.2.1:80 -s rr -b sh-port', ['-b: "sh-port" does not go with scheduler rr']],
    ['-A -t 192.0.2.1:80 -b fast', ['-b: "fast" is not a scheduler flag']],
    ['-A -t 192.0.2.1:80 -p 0', ['-p timeout: 0 is not in 1..2678400']],
    ['-A -t 192.0.2.1:80 -M 300.0.0.0', ['-M: "300.0.0.0" is not a netmask like 255.255.255.0']],
    ['-A -t 192.0.2.1:ftpx', ['-t: "ftpx" is not a port number or known service name']],
    [
      '-A -t nowhere.invalid:80',
      ['-t: "nowhere.invalid:80" is not an address (or a host name that resolves)'],
    ],
    ['-A -t 192.0.2.1:80 -6', ['-6 only goes with -f (fwmark services)']],
    ['-A -f 0', ['-f fwmark: 0 is not in 1..4294967295']],
    ['-a -t 192.0.2.1:80', ['-a needs -r real-server']],
    [
      '-a -t 192.0.2.1:80 -r [2001:db8::1]:80',
      ['a real server of another address family needs -i (tunnelling)'],
    ],
    ['-a -t 192.0.2.1:80 -r 10.0.0.1 --tun-type gue', ['tunnel options need -i (tunnelling)']],
    ['-a -t 192.0.2.1:80 -r 10.0.0.1 -i --tun-type gue', ['the gue tunnel type needs --tun-port']],
    [
      '-a -t 192.0.2.1:80 -r 10.0.0.1 -i --tun-port 5',
      ['--tun-port does not go with the ipip tunnel type'],
    ],
    [
      '-a -t 192.0.2.1:80 -r 10.0.0.1 -i --tun-type gre --tun-remcsum',
      ['--tun-remcsum does not go with the gre tunnel type'],
    ],
    [
      '-a -t 192.0.2.1:80 -r 10.0.0.1 -i --tun-type gue --tun-port 1 --tun-csum --tun-remcsum',
      ['--tun-csum and --tun-remcsum exclude each other'],
    ],
    [
      '-a -t 192.0.2.1:80 -r 10.0.0.1 -x 5 -y 10',
      ['destination.lowerThreshold: 10 is above upperThreshold 5 (the kernel refuses it)'],
    ],
    [
      '-a -t 192.0.2.1:80 -r 10.0.0.1 -m -g',
      ['option -g given twice (or conflicts with an earlier one)'],
    ],
    ['--set 1 2', ['--set needs three timeouts: tcp tcpfin udp']],
    ['--start-daemon primary', ['--start-daemon: "primary" is not master or backup']],
    ['-A -t 192.0.2.1:80 extra', ['unexpected argument "extra"']],
    ['-A -t 192.0.2.1:80 --scheduler', ['option --scheduler needs a value']],
    ['-L -n', ['unknown option -L']],
  ])('refuses %j', async (line, messages) => {
    expect(await error(line)).toEqual(messages);
  });

  it('reports line numbers, skipping comments and blank lines', async () => {
    const parsed = await parseRules('# comment\n\n-A -t 192.0.2.1:80\n  -A -t bad\n-C\n', resolver);
    expect(parsed.ops.map((o) => o.line)).toEqual([3, 5]);
    expect(parsed.errors).toEqual([
      { line: 4, message: '-t: "bad" is not an address (or a host name that resolves)' },
    ]);
  });

  it('splits words with quotes', () => {
    expect(splitWords(`-A  -t "192.0.2.1:80"  -s 'rr'`)).toEqual([
      '-A',
      '-t',
      '192.0.2.1:80',
      '-s',
      'rr',
    ]);
  });
});
