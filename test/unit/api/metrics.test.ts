import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/api/metrics.js';
import type { DaemonStatus } from '../../../src/daemon/daemon.js';

describe('metrics', () => {
  it('exposes state from the status at scrape time and counts what happened', async () => {
    let errors = 2;
    const status = () =>
      ({
        vips: [
          { vip: '198.51.100.10', route: 'announce' },
          { vip: '198.51.100.53', route: 'withdraw' },
        ],
        reals: [{ service: 'web', address: '10.1.0.1', port: 80, state: 'up' }],
        ipvs: { ok: true },
        bgp: {
          sidecar: 'up',
          announced: 1,
          errors,
          peers: [{ address: '192.0.2.1', state: 'ESTABLISHED' }],
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
    m.reconciled({ ms: 12, ops: 3, failed: 1, ipvsOk: true });
    let text = await m.text();
    for (const line of [
      'anycastd_vip_announced{vip="198.51.100.10",state="announce"} 1',
      'anycastd_vip_announced{vip="198.51.100.53",state="withdraw"} 0',
      'anycastd_real_healthy{service="web",real="10.1.0.1:80",state="up"} 1',
      'anycastd_checks_total{type="http",result="pass"} 1',
      'anycastd_checks_total{type="http",result="fail"} 1',
      'anycastd_check_duration_seconds_count{type="http"} 2',
      'anycastd_ipvs_operations_total{result="ok"} 2',
      'anycastd_ipvs_operations_total{result="failed"} 1',
      'anycastd_ipvs_errors_total 1',
      'anycastd_reconcile_duration_seconds_count 1',
      'anycastd_bgp_peer_established{peer="192.0.2.1"} 1',
      'anycastd_bgp_routes_announced 1',
      'anycastd_bgp_grpc_errors_total 2',
    ])
      expect(text).toContain(line);
    errors = 5;
    text = await m.text();
    expect(text).toContain('anycastd_bgp_grpc_errors_total 5');
  });
});
