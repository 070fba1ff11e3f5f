/**
 * `anycastd import`: realistic keepalived.conf and ipvsadm rules in, a
 * configuration `validate` accepts out, and every left-behind piece named.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../../src/config/load.js';
import { anycastd } from '../../lab/cli.js';

const KEEPALIVED = `
! Configuration File for keepalived
global_defs {
   router_id lb-ams-2
   notification_email { ops@example.org }
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        198.51.100.10
    }
}

virtual_server 198.51.100.10 443 {
    delay_loop 6
    lb_algo wrr
    lb_kind DR
    persistence_timeout 300
    persistence_granularity 255.255.255.0
    protocol TCP
    sorry_server 10.1.0.99 443

    real_server 10.1.0.1 443 {
        weight 3
        inhibit_on_failure
        SSL_GET {
            url {
              path /healthz
              status_code 200
            }
            url {
              path /ready
              digest 9b3a0c85a887a256d6939da88aabd8cd
            }
            connect_timeout 1
            retry 3
            delay_before_retry 2
        }
    }
    real_server 10.1.0.2 443 {
        weight 1
        TCP_CHECK {
            connect_port 8443
            connect_timeout 2
        }
    }
}

virtual_server 198.51.100.10 80 {
    delay_loop 6
    lb_algo wrr
    lb_kind DR
    persistence_timeout 300
    persistence_granularity 255.255.255.0
    protocol TCP

    real_server 10.1.0.1 80 {
        weight 3
        HTTP_GET {
            url {
              path /healthz
              status_code 200
            }
            connect_timeout 3
            retry 3
            delay_before_retry 2
        }
    }
    real_server 10.1.0.2 80 {
        weight 1
        TCP_CHECK {
            connect_port 8443
            connect_timeout 2
        }
    }
}

virtual_server 198.51.100.20 53 {
    delay_loop 10
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server 10.2.0.1 5353 {
        DNS_CHECK {
            type A
            name health.example.org
            connect_timeout 2
        }
    }
    real_server 10.2.0.2 5353 {
        UDP_CHECK {
            payload 0a0b
            connect_timeout 2
        }
        MISC_CHECK {
            misc_path "/usr/local/bin/check_dns 10.2.0.2"
        }
    }
}

virtual_server 198.51.100.30 8080 {
    delay_loop 5
    lb_algo lc
    lb_kind NAT
    real_server 10.3.0.1 80 {
        MISC_CHECK {
            misc_path "/usr/local/bin/load.sh 10.3.0.1 | grep -q ok"
            misc_timeout 3
            misc_dynamic
        }
    }
}

virtual_server fwmark 7 {
    lb_algo rr
    real_server 10.1.0.1 0 { weight 1 }
}
`;

const RULES = `-A -t 198.51.100.10:80 -s mh -b mh-port
-a -t 198.51.100.10:80 -r 10.1.0.1:80 -g -w 1
-a -t 198.51.100.10:80 -r 10.1.0.2:80 -g -w 0
-A -t 198.51.100.10:443 -s mh -b mh-port
-a -t 198.51.100.10:443 -r 10.1.0.1:443 -g -w 1
-a -t 198.51.100.10:443 -r 10.1.0.2:443 -g -w 0
-A -u [2001:db8::53]:53 -s rr -p 120
-a -u [2001:db8::53]:53 -r [2001:db8:1::1]:5353 -m -w 2 -x 100
-A -t 198.51.100.40:25 -s wlc
-a -t 198.51.100.40:25 -r 10.4.0.1:25 -g
-D -t 198.51.100.40:25
-A -f 5 -s rr
-a -f 5 -r 10.5.0.1:0 -g
--set 3600 120 300
`;

describe('anycastd import keepalived', () => {
  it('writes a valid configuration with services, checks and timers, and names what it left', async () => {
    const r = await anycastd(
      ['import', 'keepalived', '-', '--peer', '192.0.2.1,65000'],
      KEEPALIVED,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(parseConfigText(r.stdout).issues).toBeUndefined();
    const doc = parse(r.stdout) as {
      director: { name: string };
      services: {
        name: string;
        vip: string;
        ports: { port: number; protocol?: string }[];
        scheduler: string;
        forwarding?: string;
        persistence?: { timeout: number; netmask?: string };
        reals: {
          address: string;
          port?: number;
          weight?: number;
          check?: Record<string, unknown> | Record<string, unknown>[];
        }[];
      }[];
    };
    expect(doc.director.name).toBe('lb-ams-2');
    const [https, http, dns, misc] = doc.services;
    // 443 and 80 differ in their checks (SSL_GET against HTTP_GET): two services, one VIP.
    expect(https).toMatchObject({
      vip: '198.51.100.10',
      ports: [{ port: 443 }],
      scheduler: 'wrr',
      persistence: { timeout: 300, netmask: '255.255.255.0' },
      sorry_server: { address: '10.1.0.99' },
      announce: { min_healthy: 0 },
    });
    expect(https?.forwarding).toBeUndefined();
    // Two urls: two checks, both must pass, as keepalived requests each.
    const timing = { interval: '6s', timeout: '1s', rise: 1, fall: 4, fast_interval: '2s' };
    expect(https?.reals[0]).toMatchObject({
      address: '10.1.0.1',
      weight: 3,
      check: [
        { type: 'https', path: '/healthz', status: 200, ...timing },
        {
          type: 'https',
          path: '/ready',
          status: '200-299',
          body_md5: '9b3a0c85a887a256d6939da88aabd8cd',
          ...timing,
        },
      ],
    });
    expect(https?.reals[1]?.check).toMatchObject({
      type: 'tcp',
      port: 8443,
      timeout: '2s',
      fall: 2,
    });
    expect(http?.ports).toEqual([{ port: 80 }]);
    expect(dns).toMatchObject({ ports: [{ port: 53, protocol: 'udp' }], forwarding: 'nat' });
    expect(dns?.reals.map((x) => x.port)).toEqual([5353, 5353]);
    expect(dns?.reals[0]?.check).toMatchObject({
      type: 'dns',
      name: 'health.example.org',
      qtype: 'A',
    });
    // Two checkers: two checks, both must pass.
    expect(dns?.reals[1]?.check).toMatchObject([
      { type: 'udp', payload: 'hex', send: '0a0b', silence_is_up: true },
      { type: 'exec' },
    ]);
    expect(misc?.reals[0]?.check).toMatchObject({
      type: 'exec',
      command: ['/bin/sh', '-c', '/usr/local/bin/load.sh 10.3.0.1 | grep -q ok'],
      dynamic_weight: true,
      timeout: '3s',
    });
    for (const left of [
      /line 8: vrrp_instance: VRRP is not carried over.*director\.role: backup/,
      /line 25: sorry_server: announce.min_healthy 0: the VIP stays announced, as keepalived keeps serving it, and the sorry server takes the clients while no real server is up/,
      /fwmark 7: a fwmark service has no VIP/,
      /director\.router_id is the placeholder 192\.0\.2\.1/,
    ])
      expect(r.stderr).toMatch(left);
    // The notes are in the file too, for whoever reviews it.
    expect(r.stdout).toMatch(
      /^# Not carried over, or to review:\n# {3}line 3: global_defs: only router_id/m,
    );
    expect(r.stderr).toMatch(/import: 4 services, 7 real servers; \d+ notes\n$/);
  });

  it('carries PING_CHECK over as an icmp check', async () => {
    const r = await anycastd(
      ['import', 'keepalived'],
      'virtual_server 198.51.100.50 53 {\n protocol UDP\n lb_kind DR\n real_server 10.6.0.1 53 {\n  PING_CHECK {\n   connect_timeout 1\n  }\n }\n}\n',
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = parse(r.stdout) as { services: { reals: { check: unknown }[] }[] };
    expect(doc.services[0]?.reals[0]?.check).toEqual({
      type: 'icmp',
      interval: '60s',
      timeout: '1s',
      rise: 1,
      fall: 2,
    });
  });

  it('refuses broken syntax with its line and writes nothing', async () => {
    const r = await anycastd(
      ['import', 'keepalived'],
      'virtual_server 198.51.100.10 80 {\n  lb_algo rr\n',
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('line 1: this "{" is never closed');
  });
});

describe('anycastd import ipvsadm', () => {
  it('replays the rules and groups ports of one VIP that share everything', async () => {
    const r = await anycastd(
      [
        'import',
        'ipvsadm',
        '--name',
        'lb1',
        '--router-id',
        '192.0.2.11',
        '--peer',
        '192.0.2.1,65000',
      ],
      RULES,
    );
    expect(r.code, r.stderr).toBe(0);
    const check = parseConfigText(r.stdout);
    expect(check.issues).toBeUndefined();
    const doc = parse(r.stdout) as { ipvs_timeouts: unknown; services: Record<string, unknown>[] };
    expect(doc.ipvs_timeouts).toEqual({ tcp: 3600, tcp_fin: 120, udp: 300 });
    expect(doc.services).toEqual([
      {
        name: '198-51-100-10-80',
        vip: '198.51.100.10',
        ports: [{ port: 80 }, { port: 443 }],
        scheduler: 'mh',
        flags: ['mh-port'],
        reals: [{ address: '10.1.0.1' }, { address: '10.1.0.2', weight: 0 }],
      },
      {
        name: '2001-db8--53-53',
        vip: '2001:db8::53',
        ports: [{ port: 53, protocol: 'udp' }],
        scheduler: 'rr',
        forwarding: 'nat',
        persistence: { timeout: 120 },
        reals: [{ address: '2001:db8:1::1', port: 5353, weight: 2, upper_threshold: 100 }],
      },
    ]);
    expect(r.stderr).toMatch(/fwmark service 5 has no VIP/);
    expect(r.stderr).toMatch(/no health checks/);
    expect(r.stderr).not.toMatch(/placeholder/);
  });

  it('reads ipvsadm command lines, service names, per-real tunnels and --pe sip', async () => {
    const script = [
      '#!/bin/sh',
      'modprobe ip_vs',
      '/sbin/ipvsadm -C',
      'ipvsadm -A -t 198.51.100.10:http -s rr',
      'sudo ipvsadm -a -t 198.51.100.10:http -r 10.1.0.1:http -g -w 2  # web1',
      'ipvsadm -A -u 198.51.100.20:5060 -s rr -p 60 --pe sip',
      'ipvsadm -a -u 198.51.100.20:5060 -r 10.2.0.1:5060 -i --tun-type gue --tun-port 6080 --tun-csum',
      'ipvsadm -a -u 198.51.100.20:5060 -r 10.2.0.2:5060 -i --tun-type gue --tun-port 6080 --tun-csum',
      'ipvsadm -a -u 198.51.100.20:5060 -r 10.2.0.3:5060 -i --tun-type gre',
      'ipvsadm -L -n',
      '',
    ].join('\n');
    const r = await anycastd(['import', 'ipvsadm', '--peer', '192.0.2.1,65000'], script);
    expect(r.code, r.stderr).toBe(0);
    expect(parseConfigText(r.stdout).issues).toBeUndefined();
    const doc = parse(r.stdout) as { services: Record<string, unknown>[] };
    expect(doc.services).toEqual([
      {
        name: '198-51-100-10-80',
        vip: '198.51.100.10',
        ports: [{ port: 80 }],
        scheduler: 'rr',
        reals: [{ address: '10.1.0.1', weight: 2 }],
      },
      {
        name: '198-51-100-20-5060',
        vip: '198.51.100.20',
        ports: [{ port: 5060, protocol: 'udp' }],
        scheduler: 'rr',
        forwarding: 'tunnel',
        tunnel: { type: 'gue', port: 6080, flags: ['csum'] },
        persistence: { timeout: 60, engine: 'sip' },
        reals: [{ address: '10.2.0.1' }, { address: '10.2.0.2' }, { address: '10.2.0.3' }],
      },
    ]);
    expect(r.stderr).toContain('line 2: not an ipvsadm command, skipped: modprobe ip_vs');
    expect(r.stderr).toContain('line 10: lists or prints, changes nothing; skipped: ipvsadm -L -n');
    expect(r.stderr).toContain(
      'line 6: real servers use different tunnels (gue port 6080 csum; gre); all use gue port 6080 csum (anycastd has one per service)',
    );
  });

  it('refuses command lines that need the shell, naming the line', async () => {
    const r = await anycastd(
      ['import', 'ipvsadm', '-'],
      'VIP=198.51.100.10\nipvsadm -A -t $VIP:80 -s rr\n',
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'stdin:2: uses the shell (variables, substitutions, continuations, pipes or several commands): write the values out',
    );
  });

  it('says why when no service is left, not only that services is empty', async () => {
    const r = await anycastd(
      ['import', 'ipvsadm', '-'],
      '-A -t 198.51.100.10:80 -s rr\n-A -t 198.51.100.11:80 -s rr\n',
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('stdin: no service that can be carried over');
    expect(r.stderr).toContain('line 1: 198.51.100.10:80 has no real servers; not carried over');
    expect(r.stderr).toContain('line 2: 198.51.100.11:80 has no real servers; not carried over');
    expect(r.stderr).not.toMatch(/entries/);
  });

  it('reports bad lines with their numbers and writes nothing', async () => {
    const r = await anycastd(['import', 'ipvsadm', '-'], '-A -t 198.51.100.10:80 -s nope\n');
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/stdin:1: .*nope/);
  });

  it('will not overwrite an existing file', async () => {
    const r = await anycastd(['import', 'ipvsadm', '-o', 'package.json'], RULES);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot write package.json: EEXIST');
  });
});
