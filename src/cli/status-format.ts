/** The text `anycastd status` prints, from the daemon's status document; pure. */
import type { DaemonStatus } from '../daemon/daemon.js';
import { canonicalAddress } from '../model/address.js';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const SORRY = { in: 'in the table', out: 'out', kept: 'kept as found (verdicts pending)' };

export function formatStatus(s: DaemonStatus): string {
  const out: string[] = [];
  const last = s.lastReconcile;
  out.push(
    `director ${s.director}: ${s.warmingUp ? 'warming up (waiting for check verdicts)' : 'running'}; ` +
      `IPVS ${s.ipvs.ok ? 'ok' : `FAILING: ${s.ipvs.error ?? ''}`}` +
      (last
        ? `; last pass ${last.at}, ${last.ms} ms, ${last.ops} changes${last.failed ? `, ${last.failed} FAILED` : ''}`
        : ''),
  );
  const c = s.config;
  if (c) {
    const r = c.lastReload;
    out.push(
      `config ${c.file} (sha256 ${c.sha256.slice(0, 12)})` +
        (c.included?.length
          ? ` with ${c.included.length} included file${c.included.length === 1 ? '' : 's'}`
          : '') +
        `, loaded ${c.loadedAt}` +
        (r && !r.ok
          ? `; last reload ${r.at} REFUSED, ${r.problems} problem${r.problems === 1 ? '' : 's'}: ${r.first ?? ''}`
          : ''),
    );
  }
  const b = s.bgp;
  out.push(
    `GoBGP (${b.mode}, ${b.address}): ${b.sidecar}${b.lastError ? ` — ${b.lastError}` : ''}; ` +
      `${b.announced} routes announced${b.waitingForFirstSet ? ' (left as found until warm-up ends)' : ''}`,
  );
  out.push('');
  out.push(
    table(
      ['VIP', 'ROUTE', 'SINCE', 'WHY', 'SERVICES'],
      s.vips.map((v) => [
        v.vip,
        v.role === 'backup' ? `${v.route} (backup)` : v.route,
        v.since ?? '-',
        v.reason,
        v.services.join(','),
      ]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['SERVICE', 'REAL SERVER', 'HEALTH', 'SINCE', 'WHY'],
      s.reals
        .map((r) => [
          r.service,
          `${r.address}${r.port ? `:${r.port}` : ''}`,
          r.drained ? `${r.state} (drained)` : r.state,
          r.since ?? '-',
          r.reason ?? '',
        ])
        .concat(
          s.vips.flatMap((v) =>
            (v.healthy ?? []).flatMap((h) =>
              h.sorry
                ? [
                    [
                      h.service,
                      `${h.sorry.address}${h.sorry.port ? `:${h.sorry.port}` : ''}`,
                      `sorry server, ${SORRY[h.sorry.state]}`,
                      '-',
                      'not checked: in the table while no real server is up',
                    ],
                  ]
                : [],
            ),
          ),
        ),
    ),
  );
  out.push('');
  out.push(
    table(
      ['BGP PEER', 'ASN', 'STATE', 'UP SINCE', 'FLAPS'],
      b.peers.map((p) => [p.address, String(p.asn), p.state, p.upSince ?? '-', String(p.flaps)]),
    ),
  );
  const d = s.drains;
  const drained = [
    ...(d.director ? ['the director'] : []),
    ...d.vips.map((v) => `VIP ${v}`),
    ...d.services.map((v) => `service ${v}`),
    ...d.reals.map((v) => `real ${v}`),
  ];
  out.push('', `drained: ${drained.length ? drained.join(', ') : 'nothing'}`);
  return `${out.join('\n')}\n`;
}

/**
 * The status narrowed to the given VIPs and service names: a VIP keeps its
 * services' real servers, a service keeps its VIP. Names that match nothing
 * are returned, for the command to refuse.
 */
export function filterStatus(
  s: DaemonStatus,
  targets: readonly string[],
): { status: DaemonStatus; unknown: string[] } {
  const canonical = (t: string) => canonicalAddress(t)?.address ?? t;
  const services = new Set<string>();
  const vips = new Set<string>();
  const unknown: string[] = [];
  for (const t of targets) {
    const asVip = s.vips.find((v) => v.vip === canonical(t));
    if (asVip) {
      vips.add(asVip.vip);
      for (const name of asVip.services) services.add(name);
    } else if (s.reals.some((r) => r.service === t) || s.vips.some((v) => v.services.includes(t))) {
      services.add(t);
      for (const v of s.vips) if (v.services.includes(t)) vips.add(v.vip);
    } else unknown.push(t);
  }
  return {
    status: {
      ...s,
      vips: s.vips.filter((v) => vips.has(v.vip)),
      reals: s.reals.filter((r) => services.has(r.service)),
    },
    unknown,
  };
}
