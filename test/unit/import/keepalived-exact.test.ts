/**
 * keepalived.conf read the way keepalived 2.2.7 reads it, where a reading
 * could go two ways: the protocol, ports 0, duplicates, tunnel options,
 * one-packet scheduling, real servers without a checker, and services on one
 * VIP that are checked port by port. Each case asserts the exact
 * configuration and the exact notes.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { importKeepalived } from '../../../src/import/keepalived.js';
import { parseKeepalivedConf } from '../../../src/import/keepalived-conf.js';
import { toConfigDoc } from '../../../src/import/model.js';
import { stringify } from 'yaml';

const ID = {
  name: 'lb1',
  routerId: '192.0.2.11',
  asn: 65010,
  peers: [{ address: '192.0.2.1', asn: 65000 }],
};
const run = (text: string) => {
  const imported = importKeepalived(parseKeepalivedConf(text));
  const { doc, notes } = toConfigDoc(imported, ID);
  return { services: (doc as { services: Record<string, unknown>[] }).services, notes, doc };
};
/** A TCP check that keeps no note of its own: the first failure counts. */
const TCP = '  TCP_CHECK {\n   retry 0\n  }';

describe('keepalived protocol, as 2.2.7 reads it', () => {
  it('no protocol is UDP, an unknown one is ignored, and both are said', () => {
    const r = run(
      `virtual_server 198.51.100.10 53 {\n lb_kind DR\n real_server 10.1.0.1 53 {\n  MISC_CHECK {\n   misc_path /bin/true\n   misc_timeout 5\n  }\n }\n}\nvirtual_server 198.51.100.11 53 {\n lb_kind DR\n protocol DNS\n real_server 10.1.0.1 53 {\n  MISC_CHECK {\n   misc_path /bin/true\n   misc_timeout 5\n  }\n }\n}\n`,
    );
    expect(r.services.map((s) => s.ports)).toEqual([
      [{ port: 53, protocol: 'udp' }],
      [{ port: 53, protocol: 'udp' }],
    ]);
    expect(r.notes).toEqual([
      'line 1: virtual_server: no protocol: keepalived 2.2.7 makes the service UDP ("no protocol set - defaulting to UDP"), and so does this; write protocol TCP if TCP was meant',
      'line 12: protocol: DNS is not TCP, UDP or SCTP; keepalived ignores it, and so does this',
      'line 10: virtual_server: no protocol: keepalived 2.2.7 makes the service UDP ("no protocol set - defaulting to UDP"), and so does this; write protocol TCP if TCP was meant',
    ]);
  });

  it('one-packet scheduling only on UDP, as keepalived resets it elsewhere', () => {
    const r = run(
      `virtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n ops\n real_server 10.1.0.1 80 {\n${TCP}\n }\n}\n`,
    );
    expect(r.services[0]?.flags).toBeUndefined();
    expect(r.notes).toEqual([
      'line 4: ops: one-packet scheduling requires UDP; keepalived resets it on tcp, and so does this',
    ]);
  });
});

describe('keepalived ports 0 and duplicates', () => {
  it('a real server on port 0 (or none) is on the service port, as IPVS takes it', () => {
    const r = run(
      `virtual_server 198.51.100.10 443 {\n lb_kind DR\n protocol TCP\n real_server 10.1.0.1 0 {\n${TCP}\n }\n real_server 10.1.0.2 {\n  TCP_CHECK {\n   retry 0\n   connect_port 8443\n  }\n }\n}\n`,
    );
    expect(r.services[0]?.reals).toEqual([
      {
        address: '10.1.0.1',
        check: { type: 'tcp', interval: '60s', timeout: '5s', rise: 1, fall: 1 },
      },
      {
        address: '10.1.0.2',
        check: { type: 'tcp', port: 8443, interval: '60s', timeout: '5s', rise: 1, fall: 1 },
      },
    ]);
    expect(r.notes).toEqual([
      "line 5: TCP_CHECK: keepalived's checker connects to port 0 of a real server on port 0, and fails; this check probes the service's port 443",
    ]);
  });

  it('a virtual server on port 0 is named, not carried', () => {
    const r = run(
      `virtual_server 198.51.100.10 0 {\n lb_kind DR\n protocol TCP\n real_server 10.1.0.1 80 {\n${TCP}\n }\n}\n`,
    );
    expect(r.services).toEqual([]);
    expect(r.notes).toEqual([
      'line 1: virtual_server: 198.51.100.10 port 0 (every port of the VIP, made persistent by keepalived) has no anycastd equivalent; use a fwmark service (services[].fwmark with a vip); not carried over',
    ]);
  });

  it('keeps the first of two real servers, and the first of two virtual servers', () => {
    const r = run(
      `virtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n real_server 10.1.0.1 80 {\n  weight 2\n${TCP}\n }\n real_server 10.1.0.1 80 {\n  weight 5\n${TCP}\n }\n}\nvirtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n real_server 10.1.0.9 80 {\n${TCP}\n }\n}\n`,
    );
    expect(r.services).toHaveLength(1);
    expect(r.services[0]?.reals).toEqual([
      {
        address: '10.1.0.1',
        weight: 2,
        check: { type: 'tcp', interval: '60s', timeout: '5s', rise: 1, fall: 1 },
      },
    ]);
    expect(r.notes).toEqual([
      'line 10: real_server: 10.1.0.1 port 80 is already a real server here; keepalived removes the second, and so does this',
      'line 17: virtual_server 198.51.100.10 80: 198.51.100.10:80/tcp is already line 1: virtual_server 198.51.100.10 80; only the first is carried over',
    ]);
  });
});

describe('keepalived tunnels', () => {
  it('carries lvs_method TUN options from the virtual server and the real servers', () => {
    const r = run(
      `virtual_server 198.51.100.10 80 {\n lvs_method TUN type gue port 6080 csum\n protocol TCP\n real_server 10.1.0.1 80 {\n${TCP}\n }\n real_server 10.1.0.2 80 {\n  lvs_method TUN type gre\n${TCP}\n }\n real_server 10.1.0.3 80 {\n${TCP}\n }\n}\n`,
    );
    expect(r.services[0]).toMatchObject({
      forwarding: 'tunnel',
      tunnel: { type: 'gue', port: 6080, flags: ['csum'] },
    });
    expect(r.notes).toEqual([
      'line 1: virtual_server 198.51.100.10 80: real servers use different tunnels (gue port 6080 csum; gre); all use gue port 6080 csum (anycastd has one per service)',
    ]);
    expect(parseConfigText(stringify(r.doc)).issues).toBeUndefined();
  });

  it('ignores a statement keepalived refuses, keeping what was set before', () => {
    const r = run(
      `virtual_server 198.51.100.10 80 {\n lvs_method DR\n lvs_method TUN type gue\n protocol TCP\n real_server 10.1.0.1 80 {\n  lvs_method TUN type ipip csum\n${TCP}\n }\n real_server 10.1.0.2 80 {\n  lvs_method TUN port 6080\n${TCP}\n }\n}\n`,
    );
    // The virtual server's second lvs_method and both real servers' are refused: DR stays.
    expect(r.services[0]?.forwarding).toBeUndefined();
    expect(r.notes).toEqual([
      'line 3: lvs_method: a gue tunnel needs a port, and only a gue tunnel takes one; keepalived ignores the statement, and so does this (dr kept)',
      'line 6: lvs_method: ipip tunnels take no checksum option; keepalived ignores the statement, and so does this (dr kept)',
      'line 12: lvs_method: a gue tunnel needs a port, and only a gue tunnel takes one; keepalived ignores the statement, and so does this (dr kept)',
    ]);
  });

  it('plain ipip writes no tunnel section', () => {
    const r = run(
      `virtual_server 198.51.100.10 80 {\n lb_kind TUN\n protocol TCP\n real_server 10.1.0.1 80 {\n${TCP}\n }\n}\n`,
    );
    expect(r.services[0]).toMatchObject({ forwarding: 'tunnel' });
    expect(r.services[0]?.tunnel).toBeUndefined();
    expect(r.notes).toEqual([]);
  });
});

describe('keepalived checks across the ports of one VIP', () => {
  const two = (check: string) =>
    run(
      [80, 443]
        .map(
          (p) =>
            `virtual_server 198.51.100.10 ${p} {\n lb_kind DR\n protocol TCP\n real_server 10.1.0.1 ${p} {\n${check}\n }\n}\n`,
        )
        .join(''),
    );

  it('services checked on their own port stay apart, as keepalived checks each', () => {
    const r = two(TCP);
    expect(r.services.map((s) => [s.name, s.ports])).toEqual([
      ['198-51-100-10-80', [{ port: 80 }]],
      ['198-51-100-10-443', [{ port: 443 }]],
    ]);
    expect(r.notes).toEqual([]);
    expect(parseConfigText(stringify(r.doc)).issues).toBeUndefined();
  });

  it('services whose checks name their port are one service with two ports', () => {
    const r = two('  TCP_CHECK {\n   retry 0\n   connect_port 8080\n  }');
    expect(r.services.map((s) => [s.name, s.ports])).toEqual([
      ['198-51-100-10-80', [{ port: 80 }, { port: 443 }]],
    ]);
    expect(r.notes).toEqual([]);
  });

  it('a real server without a checker is named: keepalived never checks it', () => {
    const r = two('');
    expect(r.services.map((s) => s.ports)).toEqual([[{ port: 80 }, { port: 443 }]]);
    expect(r.notes).toEqual([
      'line 4: real_server: no checker: keepalived keeps this real server up unchecked; anycastd checks it with its default (a TCP connect to its port every 2 s)',
      'line 11: real_server: no checker: keepalived keeps this real server up unchecked; anycastd checks it with its default (a TCP connect to its port every 2 s)',
      "line 1: virtual_server 198.51.100.10 80: ports 80, 443 of 198.51.100.10 are one service; its real servers without a check get anycastd's default, a TCP connect to port 80 only",
    ]);
  });
});

describe('keepalived url digest and regex_no_match', () => {
  it("a url's digest is the check's body_md5; regex_no_match makes the regex body_not_match", () => {
    const r = run(
      `virtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n real_server 10.1.0.1 80 {\n  HTTP_GET {\n   retry 0\n   url {\n    path /ready\n    digest 9B3A0C85A887A256D6939DA88AABD8CD\n   }\n  }\n }\n real_server 10.1.0.2 80 {\n  HTTP_GET {\n   retry 0\n   url {\n    path /ready\n    regex maintenance\n    regex_no_match\n   }\n  }\n }\n}\n`,
    );
    expect(r.services[0]?.reals).toEqual([
      {
        address: '10.1.0.1',
        check: {
          type: 'http',
          path: '/ready',
          status: '200-299',
          body_md5: '9b3a0c85a887a256d6939da88aabd8cd',
          interval: '60s',
          timeout: '5s',
          rise: 1,
          fall: 1,
        },
      },
      {
        address: '10.1.0.2',
        check: {
          type: 'http',
          path: '/ready',
          status: '200-299',
          body_not_match: 'maintenance',
          interval: '60s',
          timeout: '5s',
          rise: 1,
          fall: 1,
        },
      },
    ]);
    expect(r.notes).toEqual([]);
    expect(parseConfigText(stringify(r.doc)).issues).toBeUndefined();
  });
});

describe('keepalived quorum', () => {
  const quorum = (settings: string, weights: number[]) =>
    run(
      `virtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n${settings}\n${weights
        .map((w, i) => ` real_server 10.1.0.${i + 1} 80 {\n  weight ${w}\n${TCP}\n }`)
        .join('\n')}\n}\n`,
    );

  it('becomes min_healthy and reannounce_healthy through the weights, and says so', () => {
    const r = quorum(' quorum 6\n hysteresis 2', [2, 2, 2, 2, 2]);
    expect(r.services[0]?.announce).toEqual({ min_healthy: 2, reannounce_healthy: 4 });
    expect(r.notes).toEqual([
      'line 4: quorum: quorum 6, hysteresis 2 becomes announce.min_healthy 2 and reannounce_healthy 4 (healthy real servers): the VIP is withdrawn when the quorum is lost',
    ]);
    expect(parseConfigText(stringify(r.doc)).issues).toBeUndefined();
  });

  it('names what is approximate or cannot be met', () => {
    const r = quorum(' quorum 10', [1, 3]);
    expect(r.services[0]?.announce).toEqual({ min_healthy: 2 });
    expect(r.notes).toEqual([
      'line 4: quorum: quorum 10 becomes announce.min_healthy 2 (healthy real servers): the VIP is withdrawn when the quorum is lost; the weights differ, so the sums become counts at the smallest weight 1: approximate; 2 real servers can never reach it, and keepalived would never gain the quorum; 2 (all) used instead',
    ]);
    expect(parseConfigText(stringify(r.doc)).issues).toBeUndefined();
  });

  it('the default quorum 1 writes nothing', () => {
    const r = quorum('', [1, 1]);
    expect(r.services[0]?.announce).toBeUndefined();
    expect(r.notes).toEqual([]);
  });
});

describe('keepalived FILE_CHECK', () => {
  it('a track_file at weight 0 is a file check in status mode; another weight is named', () => {
    const r = run(
      `track_file maint {\n file "/run/lb/maint"\n weight 0\n}\ntrack_file load {\n file "/run/lb/load"\n}\nvirtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n real_server 10.1.0.1 80 {\n  FILE_CHECK {\n   track_file maint\n  }\n }\n real_server 10.1.0.2 80 {\n  FILE_CHECK {\n   track_file load\n  }\n }\n}\n`,
    );
    expect(r.services[0]?.reals).toEqual([
      {
        address: '10.1.0.1',
        check: {
          type: 'file',
          path: '/run/lb/maint',
          interval: '1s',
          timeout: '500ms',
          rise: 1,
          fall: 1,
        },
      },
      { address: '10.1.0.2' },
    ]);
    expect(r.notes).toEqual([
      'line 12: FILE_CHECK: keepalived watches /run/lb/maint; this check reads it every second',
      "line 17: FILE_CHECK: keepalived adds the number in /run/lb/load times 1 to the real server's weight; anycastd's file check sets a weight or a status instead (mode: weight or status): not carried over, so the real server gets anycastd's default check",
    ]);
    expect(parseConfigText(stringify(r.doc)).issues).toBeUndefined();
  });
});

describe('keepalived sorry_server', () => {
  it('becomes the service sorry_server with the VIP kept announced; inhibit and quorum are named', () => {
    const r = run(
      `virtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n quorum 2\n sorry_server 10.9.0.1 80\n sorry_server_inhibit\n sorry_server_lvs_method NAT\n real_server 10.1.0.1 80 {\n${TCP}\n }\n real_server 10.1.0.2 80 {\n${TCP}\n }\n}\n`,
    );
    expect(r.services[0]).toMatchObject({
      sorry_server: { address: '10.9.0.1' },
      announce: { min_healthy: 0 },
    });
    expect(r.notes).toEqual([
      "line 7: sorry_server_lvs_method: the sorry server is forwarded like the service's real servers (dr) in anycastd",
      'line 6: sorry_server_inhibit: keepalived keeps an inhibited sorry server in the table at weight 0; anycastd removes it while a real server is up',
      "line 5: sorry_server: announce.min_healthy 0: the VIP stays announced, as keepalived keeps serving it, and the sorry server takes the clients while no real server is up (keepalived's quorum decided when; here it is when none is up)",
    ]);
    expect(parseConfigText(stringify(r.doc)).issues).toBeUndefined();
  });
});
