/**
 * What ships for Prometheus and Grafana, checked with Prometheus's own
 * promtool: the alert rules parse and pass their unit tests, the metrics
 * anycastd writes are valid exposition text, and every metric the rules and
 * the dashboard ask for is one anycastd writes.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Metrics } from '../../src/daemon/metrics.js';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { run } from '../lab/exec.js';

const PROMTOOL = resolve('.lab/promtool/promtool');
const DIR = resolve('examples/monitoring');

function promtool(args: string[], input?: string) {
  if (!existsSync(PROMTOOL))
    throw new Error(
      `${PROMTOOL} is missing: ./scripts/setup takes it out of Debian's prometheus package (apt-get download prometheus)`,
    );
  return run(PROMTOOL, args, { allowFailure: true, ...(input !== undefined && { input }) });
}

/** Metrics text from a daemon with one of everything that has labels. */
async function scrape(): Promise<string> {
  const status = {
    vips: [
      {
        vip: '198.51.100.10',
        route: 'announce',
        since: '2026-12-04T01:00:00.000Z',
        healthy: [{ service: 'web', healthy: 2, total: 2, needed: 1 }],
      },
    ],
    reals: [{ service: 'web', address: '2001:db8:1::11', port: 80, state: 'up' }],
    ipvs: { ok: true },
    bgp: {
      sidecar: 'up',
      announced: 1,
      errors: 0,
      peers: [{ address: '192.0.2.1', state: 'ESTABLISHED', flaps: 0 }],
    },
    config: { loadedAt: '2026-12-04T01:00:00.000Z' },
  } as unknown as DaemonStatus;
  const m = new Metrics(() => status, { limit: 100, inUse: 1, waits: 0 });
  m.checkRun({
    key: 'k',
    type: 'tcp',
    ok: false,
    reason: 'timeout after 1s',
    durationMs: 1000,
    latenessMs: 0,
  });
  m.checkRun({
    key: 'k',
    type: 'tcp',
    ok: true,
    reason: 'connected',
    durationMs: 1,
    latenessMs: 0,
  });
  m.reconciled({ ms: 3, ops: 1, failed: 0, ipvsOk: true });
  m.reloaded(true);
  m.vipChanged('198.51.100.10', 'announce');
  m.realChanged('web', 'up');
  return m.text();
}

/** Metric names in a PromQL expression (what is followed by `{`, `[`, `)` or a space). */
function metricNames(expr: string): string[] {
  const words = expr.match(/[a-z_][a-z0-9_]*(?=\s*[{[)]|\s|$)/g) ?? [];
  return words.filter((w) => /^(anycastd|process|nodejs)_/.test(w));
}

describe('monitoring', () => {
  it('the alert rules are valid and pass their promtool unit tests', async () => {
    const check = await promtool(['check', 'rules', join(DIR, 'anycastd-alerts.yaml')]);
    expect(check.stdout + check.stderr).toContain('SUCCESS: 7 rules found');
    expect(check.code).toBe(0);
    // rule_files are found beside the test file.
    const tested = await promtool(['test', 'rules', join(DIR, 'anycastd-alerts.test.yaml')]);
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.code).toBe(0);
  });

  it('the rule tests can fail: a rule with a shorter for: is caught', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-rules-'));
    writeFileSync(
      join(dir, 'anycastd-alerts.yaml'),
      readFileSync(join(DIR, 'anycastd-alerts.yaml'), 'utf8').replace('for: 10m', 'for: 5m'),
    );
    writeFileSync(
      join(dir, 'anycastd-alerts.test.yaml'),
      readFileSync(join(DIR, 'anycastd-alerts.test.yaml'), 'utf8'),
    );
    const r = await promtool(['test', 'rules', join(dir, 'anycastd-alerts.test.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('alertname: AnycastdVipWithdrawn, time: 9m');
  });

  it('the metrics are valid exposition text with conventional names', async () => {
    const r = await promtool(['check', 'metrics'], await scrape());
    // The only remarks are on three gauges of the runtime's metrics (prom-client names them).
    expect((r.stdout + r.stderr).trim().split('\n')).toEqual([
      'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
    ]);
  });

  it('every metric the rules and the dashboard use is one anycastd writes', async () => {
    const text = await scrape();
    const written = new Set(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(/[{ ]/)[0]),
    );
    const rules = parse(readFileSync(join(DIR, 'anycastd-alerts.yaml'), 'utf8')) as {
      groups: { rules: { expr: string }[] }[];
    };
    const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-anycastd.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { definition?: string }[] };
    };
    const exprs = [
      ...rules.groups.flatMap((g) => g.rules.map((x) => x.expr)),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
    ];
    const used = [...new Set(exprs.flatMap(metricNames))];
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((name) => !written.has(name))).toEqual([]);
  });
});
