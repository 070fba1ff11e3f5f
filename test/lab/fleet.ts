/**
 * The fleet lab: a router, directors, real servers and a client in network
 * namespaces, as an anycast load-balancer fleet is wired.
 *
 *   client ── router ══ LAN (a bridge in the router namespace) ══ directors, real servers
 *
 * The router runs BIRD with ECMP (layer-4 hashing, so one client's
 * connections spread), peers with every director over the LAN and forwards
 * the client's packets for the VIP to a director; a director forwards them
 * over direct routing (MAC rewrite on the LAN) to a real server, which has
 * the VIP on `lo` (arp_ignore=1, arp_announce=2) and answers the client
 * through the router directly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callApi } from '../../src/api/client.js';
import { type DirectorLink, Router } from './bgp-fabric.js';
import { run } from './exec.js';
import type { LabProcess, Netns, NetnsLab } from './netns.js';

export const VIP = '198.51.100.10';
// The built program, from this file as TypeScript (tests) or compiled into .lab/bench-build.
const MAIN_JS = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.js') ? '../../../../dist/main.js' : '../../dist/main.js',
    import.meta.url,
  ),
);
export const ROUTER_LAN = '10.10.0.1';
export const CLIENT = '10.20.0.2';

export interface FleetDirector {
  ns: Netns;
  address: string;
  /** Its interface on the LAN. */
  lan: string;
  dir: string;
  config: string;
  daemon?: LabProcess;
  /** Its BFD speaker, when the fleet runs BFD. */
  bfd?: LabProcess;
}

export interface FleetReal {
  ns: Netns;
  name: string;
  address: string;
  server?: LabProcess;
}

export interface Fleet {
  router: Router;
  client: Netns;
  directors: FleetDirector[];
  reals: FleetReal[];
}

/** The health-check timers of the lab's directors. */
export interface CheckTimers {
  interval: string;
  timeout: string;
  fall: number;
}

/** Fast enough for the failover timings the demo and the bench show. */
export const FAST_CHECKS: CheckTimers = { interval: '500ms', timeout: '300ms', fall: 2 };

/** anycastd's configuration for one director of the lab. */
export function directorConfig(
  d: FleetDirector,
  reals: readonly FleetReal[],
  scheduler: string,
  opts: {
    ipvsSysctls?: Readonly<Record<string, number>> | undefined;
    /**
     * The other directors, for the fleet guard's sessions (bgp.fleet). The settle time is
     * 3 s: in the kernel lab's one CPU a director's change can take over a second to reach
     * the other's view, and the settle must outlast that.
     */
    fleetPeers?: readonly string[];
    checkPort?: number;
    check?: CheckTimers | undefined;
  } = {},
): string {
  const { ipvsSysctls = {}, fleetPeers = [], checkPort = 80, check = FAST_CHECKS } = opts;
  const sysctls = Object.entries(ipvsSysctls).map(([k, v]) => `${k}: ${v}`);
  return `
director: {name: ${d.ns.name.slice(-8)}, router_id: ${d.address}}
api: {listen: "unix://${d.dir}/api.sock"}
state_file: ${d.dir}/state.json
resync_interval: 2s
ipvs_sysctls: {${sysctls.join(', ')}}
bgp:
  asn: 65001
  listen_addresses: [${d.address}]
  sidecar: {mode: spawn, state_dir: ${d.dir}/gobgp}
  # A restarted anycastd has its BGP session back 10 to 35 s after the kill in the kernel
  # lab (user-mode Linux); it must be back before the router's graceful-restart timer ends.
  restart_time: 120s
  peers: [{address: ${ROUTER_LAN}, asn: 65000, families: [ipv4], hold_time: 3s, connect_retry: 1s}]
  shutdown: {drain_time: 1s}
${fleetPeers.length > 0 ? `  fleet: {peers: [${fleetPeers.join(', ')}], settle: 3s}\n` : ''}defaults:
  check: {type: http, port: ${checkPort}, path: /, interval: ${check.interval}, timeout: ${check.timeout}, rise: 1, fall: ${check.fall}}
services:
  - name: web
    vip: ${VIP}
    ports: [{port: 80}]
    scheduler: ${scheduler}
    # mh hashes the source address alone; with one client in the lab, the port spreads it.
    flags: [${scheduler === 'mh' ? 'mh-port' : ''}]
    reals: [${reals.map((r) => `{address: ${r.address}}`).join(', ')}]
    announce: {min_healthy: 1}
`;
}

export async function buildFleet(
  lab: NetnsLab,
  opts: {
    directors: number;
    reals: number;
    scheduler?: string;
    ipvsSysctls?: Readonly<Record<string, number>>;
    /** Sessions among the directors for the fleet guard. */
    fleetGuard?: boolean;
    /** BFD between the router and each director (BIRD as the directors' BFD speaker). */
    bfd?: boolean;
    check?: CheckTimers;
    /** The program real servers run `realserver up` with: dist/main.js (default) or an installed one. */
    main?: string;
  },
): Promise<Fleet> {
  const router = await lab.namespace('router');
  await router.sysctl('net.ipv4.ip_forward', '1');
  // Hash on ports too: one client's connections spread over every director.
  await router.sysctl('net.ipv4.fib_multipath_hash_policy', '1');
  await router.ip('link', 'add', 'br0', 'type', 'bridge');
  await router.ip('link', 'set', 'br0', 'up');
  await router.addAddress('br0', `${ROUTER_LAN}/24`);
  const join_ = async (ns: Netns, address: string) => {
    const l = await lab.link(router, ns, { addressB: `${address}/24` });
    await router.ip('link', 'set', l.a, 'master', 'br0');
    await ns.ip('route', 'add', 'default', 'via', ROUTER_LAN);
    return l.b;
  };

  const client = await lab.namespace('client');
  await lab.link(router, client, { addressA: '10.20.0.1/24', addressB: `${CLIENT}/24` });
  await client.ip('route', 'add', 'default', 'via', '10.20.0.1');

  const directors: FleetDirector[] = [];
  for (let i = 1; i <= opts.directors; i++) {
    const ns = await lab.namespace(`dir${i}`);
    const address = `10.10.0.${10 + i}`;
    const lan = await join_(ns, address);
    // anycastd puts the VIP on its own interface (IPVS sees local packets only); the
    // director must not answer ARP for it on the LAN.
    await ns.sysctl('net.ipv4.conf.all.arp_ignore', '1');
    await ns.sysctl('net.ipv4.conf.all.arp_announce', '2');
    const dir = mkdtempSync(join(tmpdir(), `acd-fleet-d${i}-`));
    directors.push({ ns, address, lan, dir, config: join(dir, 'anycastd.yaml') });
  }
  const reals: FleetReal[] = [];
  for (let i = 1; i <= opts.reals; i++) {
    const ns = await lab.namespace(`real${i}`);
    const address = `10.10.0.${20 + i}`;
    await join_(ns, address);
    // The VIP on lo with ARP kept off it, as an operator sets up a real server.
    await ns.run(...program(opts.main ?? MAIN_JS, ['realserver', 'up', '--vip', VIP]), {
      timeoutMs: 120_000,
    });
    reals.push({ ns, address, name: `real${i}` });
  }
  for (const d of directors)
    writeFileSync(
      d.config,
      directorConfig(d, reals, opts.scheduler ?? 'mh', {
        ipvsSysctls: opts.ipvsSysctls,
        fleetPeers: opts.fleetGuard ? directors.filter((o) => o !== d).map((o) => o.address) : [],
        check: opts.check,
      }),
    );

  const links: DirectorLink[] = directors.map((d, i) => ({
    ns: d.ns,
    router4: ROUTER_LAN,
    router6: `fd10::1`,
    director4: d.address,
    director6: `fd10::${11 + i}`,
  }));
  const routerDir = mkdtempSync(join(tmpdir(), 'acd-fleet-router-'));
  const started = await Router.start(router, links, routerDir, { bfd: opts.bfd ?? false });
  if (opts.bfd)
    for (const d of directors) d.bfd = await Router.startBfdSpeaker(d.ns, ROUTER_LAN, d.dir);
  started.diagnostics = () => fleetDiagnostics(directors);
  return { router: started, client, directors, reals };
}

/** Starts a real server's HTTP server: it answers with its own name. */
export async function serve(r: FleetReal): Promise<void> {
  r.server = r.ns.spawn('node', [
    '-e',
    `require('http').createServer((q, s) => s.end('${r.name}')).listen(80, '0.0.0.0', () => console.log('ready'))`,
  ]);
  await r.server.waitFor('ready');
}

/**
 * `count` HTTP requests from the client to the VIP, each on a new connection: answers by real
 * server. A request may take up to 5 s: time for two SYN retransmissions (1 s, 2 s) when the
 * kernel lab's one CPU stalls for a moment; a request that fails or takes longer is an error.
 */
export async function requests(client: Netns, count: number): Promise<Record<string, number>> {
  const r = await client.run('node', [
    '-e',
    `const http = require('http');
     const seen = {};
     let left = ${count};
     const one = () => new Promise((resolve) => {
       const req = http.get({ host: '${VIP}', port: 80, agent: false, timeout: 5000 }, (res) => {
         let body = ''; res.on('data', (d) => body += d); res.on('end', () => { seen[body] = (seen[body] || 0) + 1; resolve(); });
       });
       req.on('timeout', () => req.destroy(new Error('timeout')));
       req.on('error', (e) => { seen['error: ' + e.message] = (seen['error: ' + e.message] || 0) + 1; resolve(); });
     });
     (async () => { while (left-- > 0) await one(); console.log(JSON.stringify(seen)); })();`,
  ]);
  return JSON.parse(r.stdout) as Record<string, number>;
}

/**
 * Starts `anycastd run` on a director with its configuration. `main` is a
 * script run with node (dist/main.js) or an installed program (/usr/bin/anycastd).
 */
export function startAnycastd(d: FleetDirector, main: string): void {
  d.daemon = d.ns.spawn(...program(main, ['run', '--config', d.config]));
}

/** The command line for anycastd: a script runs under node, an installed program by itself. */
function program(main: string, args: readonly string[]): [string, string[]] {
  return main.endsWith('.js') ? ['node', [main, ...args]] : [main, [...args]];
}

/**
 * Kills every director's anycastd and flushes its IPVS table: a namespace's
 * table goes with the namespace only when the kernel gets round to it, and
 * later tests unload the ip_vs modules.
 */
export async function stopDirectors(directors: readonly FleetDirector[]): Promise<void> {
  for (const d of directors) {
    d.daemon?.kill('SIGKILL');
    await d.daemon?.exited;
    await d.ns.run('ipvsadm', ['-C'], { allowFailure: true });
  }
}

/** A real server's weight (port 80, direct routing) in a director's table, or undefined. */
export async function weightOf(d: FleetDirector, real: string): Promise<number | undefined> {
  const saved = (await d.ns.run('ipvsadm', ['-S', '-n'])).stdout;
  const m = new RegExp(`-r ${real.replace(/\./g, '\\.')}:80 -g -w (\\d+)`).exec(saved);
  return m ? Number(m[1]) : undefined;
}

/** Active and inactive connection entries per real server in a director's table. */
export async function ipvsConnections(
  d: FleetDirector,
): Promise<Map<string, { active: number; inactive: number }>> {
  const out = (await d.ns.run('ipvsadm', ['-L', '-n'])).stdout;
  const byReal = new Map<string, { active: number; inactive: number }>();
  for (const m of out.matchAll(/->\s+([\d.]+):\d+\s+\w+\s+\d+\s+(\d+)\s+(\d+)/g))
    byReal.set(m[1] ?? '', { active: Number(m[2]), inactive: Number(m[3]) });
  return byReal;
}

/**
 * What the router adds to a failed wait: each director's status and recent
 * events, and the (kernel-lab) machine's memory, load and busiest processes.
 */
async function fleetDiagnostics(directors: readonly FleetDirector[]): Promise<string> {
  const out = await Promise.all(
    directors.map(async (d) => {
      const code = d.daemon?.child.exitCode;
      // Health flaps crowd out everything else: show the other events.
      const lines = (d.daemon?.output() ?? '')
        .trim()
        .split('\n')
        .filter((l) => !/"event":"(health\.transition|real_state)"/.test(l))
        .slice(-15);
      const status = await Promise.race([
        callApi(`unix://${d.dir}/api.sock`, 'GET', '/status').then(
          (r) => {
            const s = JSON.parse(r.body) as {
              warmingUp: boolean;
              lastReconcile?: unknown;
              bgp: {
                sidecar: string;
                announced: number;
                peers: { address: string; state: string }[];
              };
            };
            return JSON.stringify({
              warmingUp: s.warmingUp,
              lastReconcile: s.lastReconcile,
              sidecar: s.bgp.sidecar,
              announced: s.bgp.announced,
              peers: s.bgp.peers,
            });
          },
          (e: unknown) => `status API: ${String(e)}`,
        ),
        new Promise<string>((r) => setTimeout(() => r('status API: no answer in 3 s'), 3000)),
      ]);
      return (
        `${d.ns.name} anycastd (pid ${d.daemon?.child.pid ?? '-'}${code === null || code === undefined ? '' : `, exited ${code}`}${d.daemon?.child.signalCode ? `, ${d.daemon.child.signalCode}` : ''}) status ${status}\nits last events but health changes:\n` +
        lines.join('\n')
      );
    }),
  );
  // Memory and load of the whole (kernel-lab) machine: a starved one explains slow starts.
  const free = await run('free', ['-m'], { allowFailure: true });
  const load = await run('cat', ['/proc/loadavg'], { allowFailure: true });
  // The processes that used the most CPU, and any waiting in the kernel (D state).
  const ps = await run('ps', ['-eo', 'pid,stat,pcpu,time,etimes,wchan:20,args', '--sort=-time'], {
    allowFailure: true,
  });
  const busy = ps.stdout
    .split('\n')
    .filter((l, i) => i < 16 || /^\s*\d+\s+D/.test(l))
    .map((l) => l.slice(0, 160));
  return `${out.join('\n')}\nfree -m:\n${free.stdout}load: ${load.stdout}processes:\n${busy.join('\n')}`;
}
