/**
 * The rows of the README's keepalived keyword table that no other test
 * covers: each keyword imported alone, with the exact service it becomes and
 * the exact notes.
 */
import { describe, expect, it } from 'vitest';
import { importKeepalived } from '../../../src/import/keepalived.js';
import { parseKeepalivedConf } from '../../../src/import/keepalived-conf.js';
import { toConfigDoc } from '../../../src/import/model.js';

const ID = {
  name: 'lb1',
  routerId: '192.0.2.11',
  asn: 65010,
  peers: [{ address: '192.0.2.1', asn: 65000 }],
};
const TCP = '  TCP_CHECK {\n   retry 0\n  }';
/** One DR virtual server on 198.51.100.10:80/tcp with one real server, 10.1.0.1:80. */
const conf = (vsLines: string, checker = TCP, realLines = '', before = '') =>
  `${before}virtual_server 198.51.100.10 80 {\n lb_kind DR\n protocol TCP\n${vsLines}\n real_server 10.1.0.1 80 {\n${realLines}${checker}\n }\n}\n`;
const run = (text: string) => {
  const { doc, notes } = toConfigDoc(importKeepalived(parseKeepalivedConf(text)), ID);
  const services = (doc as { services: Record<string, unknown>[] }).services;
  return { service: services[0] ?? {}, notes };
};
const TCP_CHECK = { type: 'tcp', interval: '60s', timeout: '5s', rise: 1, fall: 1 };

describe('keepalived keywords, row by row', () => {
  it('lvs_sched and the sh flags; lb_algo mh and the mh flags; an unknown scheduler', () => {
    const sh = run(conf(' lvs_sched sh\n sh-port\n sh-fallback'));
    expect([sh.service.scheduler, sh.service.flags, sh.notes]).toEqual([
      'sh',
      ['sh-port', 'sh-fallback'],
      [],
    ]);
    const mh = run(conf(' lb_algo mh\n mh-port\n mh-fallback'));
    expect([mh.service.scheduler, mh.service.flags, mh.notes]).toEqual([
      'mh',
      ['mh-port', 'mh-fallback'],
      [],
    ]);
    const unknown = run(conf(' lb_algo fancy'));
    expect([unknown.service.scheduler, unknown.notes]).toEqual([
      'wlc',
      ['line 1: virtual_server: scheduler fancy is unknown; wlc used'],
    ]);
  });

  it('alpha, omega, ha_suspend and smtp_alert are named with why nothing is carried', () => {
    const r = run(conf(' alpha\n omega\n ha_suspend\n smtp_alert'));
    expect(r.service.reals).toEqual([{ address: '10.1.0.1', check: TCP_CHECK }]);
    expect(r.notes).toEqual([
      'line 4: alpha: nothing to carry: anycastd keeps a new real server at weight 0 until its check passes (check.initial: unknown)',
      'line 5: omega: nothing to carry: on a clean stop anycastd runs its notify hooks for the VIPs it withdraws',
      'line 6: ha_suspend: nothing to carry: there is no VRRP',
      'line 7: smtp_alert: not carried: anycastd sends no e-mail; its notify hooks and alert rules (examples/monitoring) can',
    ]);
  });

  it('quorum_up and quorum_down are not run, said beside the quorum they belong to', () => {
    const r = run(conf(' quorum 1\n quorum_up "/bin/echo up"\n quorum_down "/bin/echo down"'));
    expect(r.service.announce).toEqual({ min_healthy: 1 });
    expect(r.notes).toEqual([
      'line 5: quorum_up: not run: anycastd announces the VIP while the quorum (announce.min_healthy) holds and withdraws it when it is lost',
      'line 6: quorum_down: not run: anycastd announces the VIP while the quorum (announce.min_healthy) holds and withdraws it when it is lost',
      'line 4: quorum: quorum 1 becomes announce.min_healthy 1 (healthy real servers): the VIP is withdrawn when the quorum is lost',
    ]);
  });

  it('weight, uthreshold and lthreshold', () => {
    const r = run(conf('', TCP, '  weight 3\n  uthreshold 100\n  lthreshold 10\n'));
    expect(r.service.reals).toEqual([
      {
        address: '10.1.0.1',
        weight: 3,
        upper_threshold: 100,
        lower_threshold: 10,
        check: TCP_CHECK,
      },
    ]);
    expect(r.notes).toEqual([]);
  });

  it('connect_ip, connect_port, bindto and nb_get_retry carried; bind_port, warmup and log_all_failures named', () => {
    const r = run(
      conf(
        '',
        '  TCP_CHECK {\n   connect_ip 10.1.0.9\n   connect_port 8080\n   bindto 10.0.0.5\n   bind_port 5000\n   nb_get_retry 2\n   warmup 5\n   log_all_failures\n  }',
      ),
    );
    expect(r.service.reals).toEqual([
      {
        address: '10.1.0.1',
        check: { ...TCP_CHECK, address: '10.1.0.9', port: 8080, source: '10.0.0.5', fall: 3 },
      },
    ]);
    expect(r.notes).toEqual([
      'line 6: TCP_CHECK: retries 1s apart cannot be kept (anycastd retries faster than the interval only when the gap is longer than the timeout 5s and shorter than the interval): retried at the interval 60s',
      'line 10: bind_port: not carried over',
      'line 12: warmup: not carried over: anycastd spreads first runs over the interval itself',
      'line 13: log_all_failures: not carried over',
    ]);
  });

  it('http_protocol, enable_sni, fast_recovery and regex_options are named', () => {
    const r = run(
      conf(
        '',
        '  HTTP_GET {\n   url {\n    path /\n    regex ok\n    regex_options caseless\n   }\n   http_protocol 1.1\n   enable_sni\n   fast_recovery\n   retry 0\n  }',
      ),
    );
    expect(r.service.reals).toEqual([
      {
        address: '10.1.0.1',
        check: { ...TCP_CHECK, type: 'http', path: '/', status: '200-299', body_match: 'ok' },
      },
    ]);
    expect(r.notes).toEqual([
      'line 12: http_protocol: not carried over',
      'line 13: enable_sni: not carried over',
      'line 14: fast_recovery: not carried over',
      'line 10: regex_options: not carried over: body_match is an ECMAScript regular expression',
    ]);
  });

  it('SMTP_CHECK and BFD_CHECK are named, and the real server gets the default check', () => {
    for (const [checker, note] of [
      [
        '  SMTP_CHECK {\n   connect_timeout 5\n  }',
        'line 6: SMTP_CHECK: no SMTP check in anycastd; a tcp check with expect "220" comes close',
      ],
      ['  BFD_CHECK {\n   name b1\n  }', 'line 6: BFD_CHECK: no BFD check in anycastd'],
    ]) {
      const r = run(conf('', checker));
      expect(r.service.reals).toEqual([{ address: '10.1.0.1' }]);
      expect(r.notes).toEqual([
        note,
        'line 5: real_server: no checker: keepalived keeps this real server up unchecked; anycastd checks it with its default (a TCP connect to its port every 2 s)',
      ]);
    }
  });

  it('vrrp_script, vrrp_instance, include and the rest of global_defs are named', () => {
    expect(
      run(
        conf(
          '',
          TCP,
          '',
          'vrrp_script chk {\n script "/bin/true"\n}\nvrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 51\n}\n',
        ),
      ).notes,
    ).toEqual([
      'line 1: vrrp_script: VRRP is not carried over: anycastd announces VIPs through BGP; for a stand-by director use director.role: backup',
      'line 4: vrrp_instance: VRRP is not carried over: anycastd announces VIPs through BGP; for a stand-by director use director.role: backup',
    ]);
    expect(run(conf('', TCP, '', 'include /etc/keepalived/other.conf\n')).notes).toEqual([
      'line 1: include: /etc/keepalived/other.conf is not read: import the included file on its own',
    ]);
    expect(
      run(conf('', TCP, '', 'global_defs {\n router_id LB7\n notification_email { a@b }\n}\n'))
        .notes,
    ).toEqual([
      "line 1: global_defs: only router_id is used (as director.name); the rest is keepalived's own",
    ]);
  });
});
