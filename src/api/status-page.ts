/**
 * The status page of the read-only listener: one self-contained HTML file
 * (inline style and script, no outside asset) that reads /status.json every
 * few seconds and shows why each VIP is or is not announced. Every value is
 * written as text (textContent), never as markup: reasons and names come from
 * configurations and from the network.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>anycastd</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1b1b; background: #fafafa; }
  h1 { font-size: 1.4em; margin: 0 0 .2em; }
  h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
  th { background: #f0f0f0; font-weight: 600; }
  td.history span { margin-right: .8em; white-space: nowrap; }
  td.mono, span.mono { font-family: ui-monospace, monospace; }
  .up, .announce, .ESTABLISHED { color: #116611; font-weight: 600; }
  .down, .withdraw, .fail { color: #b00020; font-weight: 600; }
  .unknown, .warming-up, .drain, .fail-open { color: #8a6100; font-weight: 600; }
  #summary span { margin-right: 1.2em; }
  #error { color: #b00020; font-weight: 600; }
  input { font: inherit; padding: .2em .4em; margin-bottom: .4em; width: 24em; }
</style>
</head>
<body>
<h1>anycastd <span id="director" class="mono"></span></h1>
<div id="summary"></div>
<div id="error" role="alert"></div>
<h2>VIPs</h2>
<table id="vips"><thead><tr><th>VIP</th><th>route</th><th>why</th><th>since</th><th>role</th><th>services</th><th>healthy</th></tr></thead><tbody></tbody></table>
<h2>Real servers</h2>
<input id="filter" type="search" placeholder="filter: service, address or state" aria-label="filter real servers">
<table id="reals"><thead><tr><th>service</th><th>real server</th><th>health</th><th>last result</th><th>since</th><th>history</th><th>drained</th></tr></thead><tbody></tbody></table>
<h2>BGP sessions</h2>
<table id="peers"><thead><tr><th>peer</th><th>ASN</th><th>state</th><th>up since</th><th>flaps</th></tr></thead><tbody></tbody></table>
<h2>Drains and fleet</h2>
<div id="drains"></div>
<div id="fleet"></div>
<script>
"use strict";
const REFRESH_MS = 3000;
const $ = (id) => document.getElementById(id);
function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}
function fill(id, rows, build) {
  const body = $(id).tBodies[0];
  const next = document.createElement("tbody");
  for (const r of rows) { const tr = document.createElement("tr"); build(tr, r); next.appendChild(tr); }
  body.replaceWith(next);
}
function ago(iso) {
  if (!iso) return "";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  const text = s < 120 ? s + " s" : s < 7200 ? Math.round(s / 60) + " min" : Math.round(s / 3600) + " h";
  return text + " ago";
}
function span(parent, text, cls) {
  const e = document.createElement("span");
  e.textContent = text;
  if (cls) e.className = cls;
  parent.appendChild(e);
}
let last;
function render(s) {
  last = s;
  $("director").textContent = s.director;
  const sum = $("summary");
  sum.textContent = "";
  span(sum, s.warmingUp ? "warming up" : "running", s.warmingUp ? "warming-up" : "up");
  span(sum, "IPVS " + (s.ipvs.ok ? "ok" : "NOT OK: " + (s.ipvs.error || "")), s.ipvs.ok ? "up" : "down");
  span(sum, "GoBGP " + s.bgp.sidecar, s.bgp.sidecar === "up" ? "up" : "down");
  if (s.lastReconcile) span(sum, "last pass " + ago(s.lastReconcile.at) + ", " + s.lastReconcile.ms + " ms, " + s.lastReconcile.ops + " changes");
  if (s.config) span(sum, "config " + s.config.file + " (" + s.config.sha256.slice(0, 12) + ")" + (s.config.lastReload && !s.config.lastReload.ok ? ", last reload REFUSED" : ""), s.config.lastReload && !s.config.lastReload.ok ? "down" : "");
  span(sum, "updated " + new Date().toLocaleTimeString());
  fill("vips", s.vips, (tr, v) => {
    tr.dataset.vip = v.vip;
    cell(tr, v.vip, "mono");
    cell(tr, v.route, v.route).title = v.code || "";
    cell(tr, v.reason);
    cell(tr, ago(v.since));
    cell(tr, v.role);
    cell(tr, (v.services || []).join(", "));
    cell(tr, (v.healthy || []).map((h) => (v.healthy.length > 1 ? h.service + ": " : "") + h.healthy + " of " + h.total + ", needs " + h.needed + (h.sorry ? ", sorry server " + h.sorry.address + " " + h.sorry.state : "")).join("; "));
  });
  renderReals();
  fill("peers", s.bgp.peers || [], (tr, p) => {
    cell(tr, p.address, "mono");
    cell(tr, p.asn);
    cell(tr, p.state, p.state);
    cell(tr, ago(p.upSince));
    cell(tr, p.flaps);
  });
  const d = s.drains;
  const parts = [];
  if (d.director) parts.push("the whole director");
  for (const [what, list] of [["VIPs", d.vips], ["services", d.services], ["real servers", d.reals]])
    if (list.length) parts.push(what + ": " + list.join(", "));
  $("drains").textContent = "Drained: " + (parts.length ? parts.join("; ") : "nothing");
  $("fleet").textContent = s.fleet
    ? "Fleet guard: " + s.fleet.established + " of " + s.fleet.peers + " director sessions up"
    : "Fleet guard: off";
}
function renderReals() {
  if (!last) return;
  const f = $("filter").value.trim().toLowerCase();
  const rows = last.reals.filter((r) => !f || (r.service + " " + r.address + (r.port ? ":" + r.port : "") + " " + r.state).toLowerCase().includes(f));
  fill("reals", rows, (tr, r) => {
    // Port 0: the real server takes the service's port (or ports), as IPVS does.
    const where = r.port ? (r.address.includes(":") ? "[" + r.address + "]" : r.address) + ":" + r.port : r.address;
    tr.dataset.real = r.service + " " + where;
    cell(tr, r.service);
    cell(tr, where, "mono");
    cell(tr, r.state, r.state);
    cell(tr, r.reason);
    cell(tr, ago(r.since));
    const h = cell(tr, "", "history");
    // Newest first; the reason of each change is its tooltip.
    for (const c of (r.history || []).slice().reverse()) {
      span(h, c.to + " " + ago(c.at), c.to);
      h.lastChild.title = c.from + " \u2192 " + c.to + ": " + c.reason;
    }
    cell(tr, r.drained ? "drained" : "");
  });
}
// A large director's status is megabytes: a tab nobody looks at reads nothing, and
// reads are spaced so that reading and drawing take at most a fifth of the time.
let timer, busy = false;
async function refresh() {
  clearTimeout(timer);
  if (document.hidden || busy) return;
  busy = true;
  const started = performance.now();
  try {
    const res = await fetch("status.json", { cache: "no-store" });
    if (!res.ok) throw new Error("status.json: HTTP " + res.status);
    render(await res.json());
    $("error").textContent = "";
  } catch (e) {
    $("error").textContent = "cannot read the status: " + e.message + " (showing the last one read)";
  }
  busy = false;
  timer = setTimeout(refresh, Math.max(REFRESH_MS, 5 * (performance.now() - started)));
}
$("filter").addEventListener("input", renderReals);
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
refresh();
</script>
</body>
</html>
`;
