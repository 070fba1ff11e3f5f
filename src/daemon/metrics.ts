/**
 * Prometheus metrics, on a registry of our own (prom-client: the exposition
 * format, histograms and label handling are its job, well done). Gauges that
 * describe current state are filled from the daemon's status at scrape time;
 * counters and histograms are fed as things happen.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DaemonStatus } from './daemon.js';
import type { RunRecord } from '../health/engine.js';
import { manifest } from '../version.js';

/** A label value as the exposition format writes it. */
function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** Labels as the exposition format writes them: `{a="x",b="y"}`. */
function labels(pairs: Record<string, string | number>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(String(v))}"`)
    .join(',')}}`;
}

/**
 * A counter with many label sets, kept as text keys: the registry's label
 * hashing is what made scrapes slow at scale, and these grow with the table.
 */
class CounterTable {
  private readonly counts = new Map<string, number>();
  constructor(
    private readonly name: string,
    private readonly help: string,
  ) {}
  inc(pairs: Record<string, string | number>): void {
    const key = labels(pairs);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  write(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [key, n] of this.counts) out.push(`${this.name}${key} ${n}`);
  }
}

/**
 * Why a probe failed, as a few stable classes (the reasons themselves are
 * free text: status codes, addresses, durations).
 */
export function failureClass(reason: string): string {
  if (reason.startsWith('timeout') || /^no (echo )?(reply|response) within/.test(reason))
    return 'timeout';
  if (reason.includes('ECONNREFUSED')) return 'refused';
  if (reason.includes('ECONNRESET') || reason.includes('EPIPE')) return 'reset';
  if (/EHOSTUNREACH|ENETUNREACH|unreachable/.test(reason)) return 'unreachable';
  if (reason.startsWith('TLS')) return 'tls';
  if (/^status \d+, body/.test(reason)) return 'body';
  if (reason.startsWith('status ')) return 'status';
  if (/^exit |^killed /.test(reason)) return 'exit';
  if (/reply|answer|response|N?X?DOMAIN|SERVFAIL|REFUSED|NOERROR/.test(reason)) return 'reply';
  return 'other';
}

export class Metrics {
  readonly registry = new Registry();
  private readonly checkDuration: Histogram;
  private readonly checkLateness: Histogram;
  private readonly checks: Counter;
  private readonly reconcileDuration: Histogram;
  private readonly ipvsOps: Counter;
  private readonly ipvsErrors: Counter;
  private scraping: DaemonStatus | undefined;
  private readonly reloads: Counter;
  private readonly vipTransitions = new CounterTable(
    'anycastd_vip_transitions_total',
    "Route decisions that changed a VIP's state, by the state it went to.",
  );
  private readonly realTransitions = new CounterTable(
    'anycastd_real_transitions_total',
    'Health changes of real servers, by service and the state they went to (flaps).',
  );
  private readonly failures = new CounterTable(
    'anycastd_check_failures_total',
    'Failed health-check probes, by type and class of reason.',
  );

  constructor(
    private readonly status: () => DaemonStatus,
    descriptors?: { limit: number; inUse: number; waits: number },
  ) {
    const r = [this.registry];
    // The runtime's own: CPU, memory, descriptors, event-loop lag, GC.
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'anycastd_build_info',
      help: "1, labelled with anycastd's version and the Node.js runtime's.",
      labelNames: ['version', 'nodejs'],
      registers: r,
    }).set({ version: manifest().version, nodejs: process.versions.node }, 1);
    this.reloads = new Counter({
      name: 'anycastd_config_reloads_total',
      help: 'Reloads asked for (SIGHUP or the API), by result: ok or refused.',
      labelNames: ['result'],
      registers: r,
    });
    this.checkDuration = new Histogram({
      name: 'anycastd_check_duration_seconds',
      help: 'Duration of health-check probes by type.',
      labelNames: ['type'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    });
    // How late probes start against their schedule: the cost of anything else the
    // thread does (a scrape, a reload, a kernel read) shows here first.
    this.checkLateness = new Histogram({
      name: 'anycastd_check_lateness_seconds',
      help: 'How much later than scheduled health-check probes started.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    });
    this.checks = new Counter({
      name: 'anycastd_checks_total',
      help: 'Health-check probes run, by type and result.',
      labelNames: ['type', 'result'],
      registers: r,
    });
    this.reconcileDuration = new Histogram({
      name: 'anycastd_reconcile_duration_seconds',
      help: 'Duration of a reconcile pass (read kernel, plan, apply, routes).',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    });
    this.ipvsOps = new Counter({
      name: 'anycastd_ipvs_operations_total',
      help: 'IPVS changes applied, by result.',
      labelNames: ['result'],
      registers: r,
    });
    this.ipvsErrors = new Counter({
      name: 'anycastd_ipvs_errors_total',
      help: 'Failures to read or program IPVS (netlink errors).',
      registers: r,
    });
    // One status per scrape, shared by every gauge (building it is the cost at scale).
    const read = () => this.scraping ?? status();
    new Gauge({
      name: 'anycastd_bgp_sidecar_up',
      help: '1 when GoBGP answers and is in sync.',
      registers: r,
      collect() {
        this.set(read().bgp.sidecar === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'anycastd_bgp_peer_established',
      help: '1 when the BGP session with the peer is established.',
      labelNames: ['peer'],
      registers: r,
      collect() {
        this.reset();
        for (const p of read().bgp.peers)
          this.set({ peer: p.address }, p.state === 'ESTABLISHED' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'anycastd_bgp_routes_announced',
      help: 'Routes GoBGP holds for this director.',
      registers: r,
      collect() {
        this.set(read().bgp.announced);
      },
    });
    let grpcSeen = 0;
    new Counter({
      name: 'anycastd_bgp_grpc_errors_total',
      help: 'Failed calls to the GoBGP sidecar (gRPC errors, deadlines, refusals).',
      registers: r,
      collect() {
        const n = read().bgp.errors;
        if (n > grpcSeen) this.inc(n - grpcSeen);
        grpcSeen = n;
      },
    });
    if (descriptors) {
      new Gauge({
        name: 'anycastd_check_descriptors_limit',
        help: 'File descriptors the health checks may hold at once.',
        registers: r,
        collect() {
          this.set(descriptors.limit);
        },
      });
      new Gauge({
        name: 'anycastd_check_descriptors_in_use',
        help: 'File descriptors the health checks hold now.',
        registers: r,
        collect() {
          this.set(descriptors.inUse);
        },
      });
      let waitsSeen = 0;
      new Counter({
        name: 'anycastd_check_descriptor_waits_total',
        help: 'Probe runs that waited for a file descriptor before they could start.',
        registers: r,
        collect() {
          if (descriptors.waits > waitsSeen) this.inc(descriptors.waits - waitsSeen);
          waitsSeen = descriptors.waits;
        },
      });
    }
    new Gauge({
      name: 'anycastd_config_last_reload_successful',
      help: '0 when the last reload was refused (the daemon runs on the file loaded before), else 1.',
      registers: r,
      collect() {
        this.set(read().config?.lastReload?.ok === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'anycastd_config_loaded_timestamp_seconds',
      help: 'When the configuration the daemon runs on was loaded (start or last reload taken).',
      registers: r,
      collect() {
        const at = read().config?.loadedAt;
        if (at) this.set(Date.parse(at) / 1000);
      },
    });
    new Gauge({
      name: 'anycastd_ipvs_ok',
      help: '1 when the kernel IPVS table could be read and programmed at the last pass.',
      registers: r,
      collect() {
        this.set(read().ipvs.ok ? 1 : 0);
      },
    });
  }

  checkRun(run: RunRecord): void {
    this.checkDuration.observe({ type: run.type }, run.durationMs / 1000);
    this.checkLateness.observe(Math.max(0, run.latenessMs) / 1000);
    this.checks.inc({ type: run.type, result: run.ok ? 'pass' : 'fail' });
    if (!run.ok) this.failures.inc({ type: run.type, reason: failureClass(run.reason) });
  }

  reloaded(ok: boolean): void {
    this.reloads.inc({ result: ok ? 'ok' : 'refused' });
  }

  vipChanged(vip: string, route: string): void {
    this.vipTransitions.inc({ vip, to: route });
  }

  realChanged(service: string, to: string): void {
    this.realTransitions.inc({ service, to });
  }

  reconciled(r: { ms: number; ops: number; failed: number; ipvsOk: boolean }): void {
    this.reconcileDuration.observe(r.ms / 1000);
    if (r.ops - r.failed > 0) this.ipvsOps.inc({ result: 'ok' }, r.ops - r.failed);
    if (r.failed > 0) this.ipvsOps.inc({ result: 'failed' }, r.failed);
    if (!r.ipvsOk || r.failed > 0) this.ipvsErrors.inc(r.ipvsOk ? r.failed : 1);
  }

  /**
   * The exposition text. The per-VIP and per-real-server gauges are written
   * here rather than through the registry: at 100,000 real servers its label
   * hashing made a scrape take about a second.
   */
  async text(): Promise<string> {
    const s = this.status();
    this.scraping = s;
    try {
      return `${await this.registry.metrics()}${this.tables(s)}`;
    } finally {
      this.scraping = undefined;
    }
  }

  private tables(s: DaemonStatus): string {
    const out: string[] = [];
    out.push(
      '# HELP anycastd_vip_announced 1 when the VIP is announced (normally or draining), 0 when withdrawn.',
      '# TYPE anycastd_vip_announced gauge',
    );
    for (const v of s.vips) {
      const on = v.route === 'announce' || v.route === 'drain' || v.route === 'fail-open';
      out.push(
        `anycastd_vip_announced${labels({ vip: v.vip, state: v.route, code: v.code })} ${on ? 1 : 0}`,
      );
    }
    out.push(
      '# HELP anycastd_real_healthy 1 when the real server passes its check, 0 when it fails or has no verdict.',
      '# TYPE anycastd_real_healthy gauge',
    );
    for (const x of s.reals)
      out.push(
        // Written out rather than through labels(): one line per real server, 100,000 a scrape.
        `anycastd_real_healthy{service="${label(x.service)}",address="${x.address}",port="${x.port}",state="${x.state}"} ${x.state === 'up' ? 1 : 0}`,
      );
    const healthy: string[] = [];
    const needed: string[] = [];
    for (const v of s.vips)
      for (const h of v.healthy ?? []) {
        const l = labels({ vip: v.vip, service: h.service });
        healthy.push(`anycastd_service_healthy_reals${l} ${h.healthy}`);
        needed.push(`anycastd_service_min_healthy${l} ${h.needed}`);
      }
    // Lines pushed one by one: a spread of 100,000 arguments would overflow the stack.
    out.push(
      '# HELP anycastd_service_healthy_reals Real servers of the service that count as healthy (up, not drained).',
      '# TYPE anycastd_service_healthy_reals gauge',
    );
    for (const line of healthy) out.push(line);
    out.push(
      '# HELP anycastd_service_min_healthy Healthy real servers the service needs for its VIP to be announced.',
      '# TYPE anycastd_service_min_healthy gauge',
    );
    for (const line of needed) out.push(line);
    out.push(
      "# HELP anycastd_vip_last_change_timestamp_seconds When the VIP's route state last changed.",
      '# TYPE anycastd_vip_last_change_timestamp_seconds gauge',
    );
    for (const v of s.vips)
      if (v.since)
        out.push(
          `anycastd_vip_last_change_timestamp_seconds{vip="${label(v.vip)}"} ${Date.parse(v.since) / 1000}`,
        );
    out.push(
      '# HELP anycastd_bgp_peer_flaps_total BGP sessions with the peer lost since gobgpd started.',
      '# TYPE anycastd_bgp_peer_flaps_total counter',
    );
    for (const p of s.bgp.peers)
      out.push(`anycastd_bgp_peer_flaps_total{peer="${label(p.address)}"} ${p.flaps ?? 0}`);
    this.vipTransitions.write(out);
    this.realTransitions.write(out);
    this.failures.write(out);
    return `${out.join('\n')}\n`;
  }
}
