import { describe, expect, it } from 'vitest';
import { Metrics, failureClass } from '../../../src/daemon/metrics.js';
import type { DaemonStatus } from '../../../src/daemon/daemon.js';
import { manifest } from '../../../src/version.js';

describe('metrics', () => {
  it('exposes state from the status at scrape time and counts what happened', async () => {
    let errors = 2;
    const status = () =>
      ({
        vips: [
          {
            vip: '198.51.100.10',
            route: 'announce',
            code: 'healthy',
            since: '2026-12-04T01:00:00.000Z',
            healthy: [{ service: 'web', healthy: 1, total: 3, needed: 2 }],
          },
          { vip: '198.51.100.53', route: 'withdraw', code: 'below-min-healthy' },
        ],
        reals: [
          { service: 'web', address: '10.1.0.1', port: 80, state: 'up' },
          { service: 'web6', address: '2001:db8:1::11', port: 0, state: 'down' },
        ],
        ipvs: { ok: true },
        bgp: {
          sidecar: 'up',
          announced: 1,
          errors,
          peers: [{ address: '192.0.2.1', state: 'ESTABLISHED', flaps: 3 }],
        },
      }) as unknown as DaemonStatus;
    const m = new Metrics(status);
    m.checkRun({
      key: 'k',
      type: 'http',
      ok: true,
      reason: 'status 200',
      durationMs: 3,
      latenessMs: 0,
    });
    m.checkRun({
      key: 'k',
      type: 'http',
      ok: false,
      reason: 'timeout',
      durationMs: 1000,
      latenessMs: 0,
    });
    m.checkRun({
      key: 'k',
      type: 'tcp',
      ok: false,
      reason: 'ECONNREFUSED (connection refused)',
      durationMs: 1,
      latenessMs: 0,
    });
    m.reconciled({ ms: 12, ops: 3, failed: 1, ipvsOk: true });
    m.reloaded(true);
    m.reloaded(false);
    m.reloaded(false);
    m.vipChanged('198.51.100.10', 'announce');
    m.vipChanged('198.51.100.10', 'withdraw');
    m.vipChanged('198.51.100.10', 'announce');
    m.realChanged('web', 'down');
    let text = await m.text();
    for (const line of [
      'anycastd_vip_announced{vip="198.51.100.10",state="announce",code="healthy"} 1',
      'anycastd_vip_announced{vip="198.51.100.53",state="withdraw",code="below-min-healthy"} 0',
      'anycastd_real_healthy{service="web",address="10.1.0.1",port="80",state="up"} 1',
      'anycastd_real_healthy{service="web6",address="2001:db8:1::11",port="0",state="down"} 0',
      'anycastd_check_failures_total{type="http",reason="timeout"} 1',
      'anycastd_service_healthy_reals{vip="198.51.100.10",service="web"} 1',
      'anycastd_service_min_healthy{vip="198.51.100.10",service="web"} 2',
      'anycastd_check_failures_total{type="tcp",reason="refused"} 1',
      'anycastd_config_reloads_total{result="ok"} 1',
      'anycastd_config_reloads_total{result="refused"} 2',
      'anycastd_vip_transitions_total{vip="198.51.100.10",to="announce"} 2',
      'anycastd_vip_transitions_total{vip="198.51.100.10",to="withdraw"} 1',
      'anycastd_real_transitions_total{service="web",to="down"} 1',
      'anycastd_vip_last_change_timestamp_seconds{vip="198.51.100.10"} 1796346000',
      'anycastd_bgp_peer_flaps_total{peer="192.0.2.1"} 3',
      `anycastd_build_info{version="${manifest().version}",nodejs="${process.versions.node}"} 1`,
      'anycastd_checks_total{type="http",result="pass"} 1',
      'anycastd_checks_total{type="http",result="fail"} 1',
      'anycastd_check_duration_seconds_count{type="http"} 2',
      'anycastd_check_lateness_seconds_count 3',
      'anycastd_ipvs_operations_total{result="ok"} 2',
      'anycastd_ipvs_operations_total{result="failed"} 1',
      'anycastd_ipvs_errors_total 1',
      'anycastd_reconcile_duration_seconds_count 1',
      'anycastd_bgp_peer_established{peer="192.0.2.1"} 1',
      'anycastd_bgp_routes_announced 1',
      'anycastd_bgp_grpc_errors_total 2',
    ])
      expect(text).toContain(line);
    // The runtime's own metrics.
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    errors = 5;
    text = await m.text();
    expect(text).toContain('anycastd_bgp_grpc_errors_total 5');
  });

  it('sorts failure reasons into a few classes', () => {
    expect(
      [
        'timeout after 1s',
        'no reply within 500ms',
        'no expected reply in the first 4096 bytes',
        'ECONNREFUSED (connection refused)',
        'ECONNRESET (connection reset by peer)',
        'EHOSTUNREACH (no route to host)',
        'TLS: self-signed certificate',
        'status 503',
        'status 200, body does not match /ok/',
        'exit 2: out of memory',
        'killed by SIGKILL',
        'SERVFAIL, expected NOERROR',
        'cannot run /x: ENOENT',
      ].map(failureClass),
    ).toEqual([
      'timeout',
      'timeout',
      'reply',
      'refused',
      'reset',
      'unreachable',
      'tls',
      'status',
      'body',
      'exit',
      'exit',
      'reply',
      'other',
    ]);
  });
});
