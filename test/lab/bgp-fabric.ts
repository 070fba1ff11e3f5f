/**
 * The BGP lab: a router namespace running BIRD (ECMP into its kernel table)
 * and director namespaces, each running the BGP module as its own process
 * (test/lab/bgp-director.ts) with a spawned gobgpd. What the router's kernel
 * does with a VIP is the observable: one `nexthop via` per announcing director.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AnnouncementSpec } from '../../src/bgp/announcement.js';
import type { BgpStatus } from '../../src/bgp/speaker.js';
import type { PeerSettings, SpeakerSettings } from '../../src/bgp/settings.js';
import { run } from './exec.js';
import type { LabProcess, Netns, NetnsLab } from './netns.js';
import { type RouteEvent, parseRouteEvents } from './route-events.js';

/** The router's table changes as they happen (Router.watchRoutes). */
export interface RouteWatch {
  /**
   * When (ms since the epoch, as `ip` received the kernel's notification)
   * `prefix` first had exactly `want` as next hops at or after `since`;
   * undefined if that did not happen within `timeoutMs`.
   */
  until(
    prefix: string,
    want: readonly string[],
    since: number,
    timeoutMs: number,
  ): Promise<number | undefined>;
  /** Every route event so far at or after `since`. */
  events(since: number): RouteEvent[];
  stop(): void;
}

// The director runs as its own compiled program: beside this file once built
// into .lab/bench-build, or there when this file runs as TypeScript.
const DIRECTOR_JS = fileURLToPath(
  import.meta.url.endsWith('.js')
    ? new URL('./bgp-director.js', import.meta.url)
    : new URL('../../.lab/bench-build/test/lab/bgp-director.js', import.meta.url),
);
export const ROUTER_ASN = 65000;
/** BFD as routers commonly run it for fast failure detection: 100 ms, 3 missed. */
export const BFD_PROTOCOL = `protocol bfd {
  debug { states };
  interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
}`;
export const DIRECTOR_ASN = 65001;
/**
 * BFD speakers run at real-time priority, as routers run BFD: in the kernel
 * lab's single CPU, a node program starting up otherwise delays BFD packets
 * past 300 ms, and each false "down" resets the BGP session.
 */
const REALTIME = ['-f', '50'];

/** Fails with the fix when a program the lab needs is missing. */
export async function requirePrograms(): Promise<void> {
  for (const [program, pkg] of [
    ['gobgpd', 'gobgpd'],
    ['bird', 'bird2'],
    ['birdc', 'bird2'],
  ] as const) {
    const found = await run('sh', ['-c', `command -v ${program}`], { allowFailure: true });
    if (found.code !== 0)
      throw new Error(
        `${program} is missing: apt-get install ${pkg} (./scripts/setup installs it)`,
      );
  }
  if (!existsSync(DIRECTOR_JS))
    throw new Error(`${DIRECTOR_JS} is missing: run ./scripts/setup (it builds the lab programs)`);
}

export interface DirectorLink {
  ns: Netns;
  /** The director's end of the link, where buildFabric made it. */
  directorDev?: string;
  /** The router's addresses on this link, and the director's. */
  router4: string;
  router6: string;
  director4: string;
  director6: string;
}

export class Router {
  /** More to say when a wait fails (the fleet lab adds its directors' logs). */
  diagnostics: (() => Promise<string>) | undefined;

  private constructor(
    readonly ns: Netns,
    readonly socket: string,
    readonly process: LabProcess,
  ) {}

  /**
   * Starts BIRD in `ns`, peering with each director over IPv4 and IPv6. With
   * `bfd`, each session also asks for BFD (100 ms x 3) and goes down with it.
   */
  static async start(
    ns: Netns,
    links: readonly DirectorLink[],
    dir: string,
    options: { bfd?: boolean } = {},
  ): Promise<Router> {
    const sessions = links
      .map(
        (l, i) => `
protocol bgp d${i}v4 from director { neighbor ${l.director4} as ${DIRECTOR_ASN}; source address ${l.router4}; ipv4 { import filter gshut; export none; }; }
protocol bgp d${i}v6 from director { neighbor ${l.director6} as ${DIRECTOR_ASN}; source address ${l.router6}; ipv6 { import filter gshut; export none; }; }`,
      )
      .join('\n');
    const config = `
router id 10.255.0.1;
log stderr all;
protocol device { scan time 1; }
# RFC 8326, as FRR does by default: a route tagged GRACEFUL_SHUTDOWN becomes a last resort.
filter gshut { if (65535, 0) ~ bgp_community then bgp_local_pref = 0; accept; }
protocol kernel { ipv4 { export all; import none; }; merge paths yes limit 8; }
protocol kernel { ipv6 { export all; import none; }; merge paths yes limit 8; }
template bgp director {
  local as ${ROUTER_ASN};
  hold time 9;
  keepalive time 3;
  connect retry time 1;
  error wait time 1, 5;
  graceful restart on;${options.bfd ? '\n  bfd on;' : ''}
  # Session changes in the log (the lab's failures quote it).
  debug { states };
}
${options.bfd ? BFD_PROTOCOL : ''}
${sessions}
`;
    const conf = join(dir, 'bird.conf');
    const socket = join(dir, 'bird.ctl');
    writeFileSync(conf, config);
    const bird = ['bird', '-f', '-c', conf, '-s', socket];
    const process = options.bfd
      ? ns.spawn('chrt', [...REALTIME, ...bird])
      : ns.spawn('bird', bird.slice(1));
    const until = Date.now() + 10_000;
    while (!existsSync(socket)) {
      if (Date.now() > until) throw new Error(`bird did not start:\n${process.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return new Router(ns, socket, process);
  }

  /**
   * A BFD speaker beside a director's gobgpd (GoBGP 3 has none): BIRD running
   * only BFD, with a session to the router.
   */
  static async startBfdSpeaker(ns: Netns, routerAddress: string, dir: string): Promise<LabProcess> {
    const conf = join(dir, 'bfd.conf');
    const socket = join(dir, 'bfd.ctl');
    writeFileSync(
      conf,
      `router id 10.255.1.1;\nlog stderr all;\nprotocol device { scan time 1; }\n` +
        BFD_PROTOCOL.replace(/\n}$/, `\n  neighbor ${routerAddress};\n}`) +
        '\n',
    );
    const p = ns.spawn('chrt', [...REALTIME, 'bird', '-f', '-c', conf, '-s', socket]);
    const until = Date.now() + 10_000;
    while (!existsSync(socket)) {
      if (Date.now() > until) throw new Error(`bird (BFD) did not start:\n${p.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return p;
  }

  async birdc(...args: string[]): Promise<string> {
    return (await run('birdc', ['-s', this.socket, ...args])).stdout;
  }

  /** The next hops of `prefix` in the router's kernel table, sorted; [] when absent. */
  async nexthops(prefix: string): Promise<string[]> {
    const v6 = prefix.includes(':');
    const out = (await this.ns.ip(...(v6 ? ['-6'] : []), 'route', 'show', prefix)).stdout;
    return [...out.matchAll(/via (?:inet6 )?([0-9a-f.:]+)/g)].map((m) => m[1] ?? '').sort();
  }

  /**
   * Watches the router's kernel table until `stop()`, which returns every
   * departure from `expected`: each change of one of the prefixes the kernel
   * reported (`ip monitor route`), however brief, and the state at the end if
   * it is not the expected one. An empty list means the router's forwarding
   * never changed meanwhile. Resolves once the kernel's notifications are
   * seen to arrive; nothing is polled meanwhile, so the processes being
   * watched keep the CPU.
   */
  async monitor(
    expected: Readonly<Record<string, readonly string[]>>,
  ): Promise<{ stop(): Promise<string[]> }> {
    const watch = await this.watchRoutes();
    const since = Date.now();
    return {
      stop: async () => {
        // Let the last kernel notifications arrive before reading them.
        await new Promise((r) => setTimeout(r, 100));
        const deviations: string[] = [];
        const dests = new Map(
          Object.entries(expected).map(([p, want]) => [p.replace(/\/(32|128)$/, ''), want]),
        );
        for (const e of watch.events(since))
          if (dests.has(e.dest))
            deviations.push(
              `kernel ${new Date(e.at).toISOString()} ${e.dest}: [${e.nexthops.join(', ')}]`,
            );
        watch.stop();
        for (const [prefix, want] of Object.entries(expected)) {
          const got = existsSync(`/run/netns/${this.ns.name}`)
            ? await this.nexthops(prefix)
            : ['(router gone)'];
          if (got.join(',') !== [...want].sort().join(','))
            deviations.push(`at the end ${prefix}: [${got.join(', ')}]`);
        }
        return deviations;
      },
    };
  }

  /**
   * Follows the kernel table from now on through its notifications (`ip
   * -timestamp monitor route`), without polling it. Resolves once the monitor
   * is seen to receive them (a throw-away blackhole route in TEST-NET-1 is
   * added and removed to find out).
   */
  async watchRoutes(): Promise<RouteWatch> {
    const events = this.ns.spawn('ip', ['-timestamp', 'monitor', 'route']);
    const marker = '192.0.2.254';
    const started = Date.now();
    while (!parseRouteEvents(events.output()).some((e) => e.dest === marker)) {
      if (Date.now() - started > 30_000)
        throw new Error(`ip monitor route in ${this.ns.name} reported nothing within 30 s`);
      await this.ns.ip('route', 'replace', 'blackhole', `${marker}/32`);
      await this.ns.ip('route', 'del', 'blackhole', `${marker}/32`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      until: async (prefix, want, since, timeoutMs) => {
        const dest = prefix.replace(/\/(32|128)$/, '');
        const expected = [...want].sort().join(',');
        const end = Date.now() + timeoutMs;
        for (;;) {
          const hit = parseRouteEvents(events.output()).find(
            (e) => e.dest === dest && e.at >= since && e.nexthops.join(',') === expected,
          );
          if (hit) return hit.at;
          if (Date.now() >= end) return undefined;
          // Reading the output costs no fork: a short wait is cheap.
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      events: (since) => parseRouteEvents(events.output()).filter((e) => e.at >= since),
      stop: () => events.kill('SIGTERM'),
    };
  }

  /**
   * Waits until `prefix` has exactly `want` as next hops; returns the elapsed
   * ms. It follows the table's notifications, reading the table itself only
   * at the start and once a second: polling it with a program every few
   * milliseconds took much of the kernel lab's one CPU from the daemons.
   */
  async waitNexthops(prefix: string, want: readonly string[], timeoutMs = 30_000): Promise<number> {
    const started = performance.now();
    const startedAt = Date.now();
    const expected = [...want].sort().join(',');
    const watch = await this.watchRoutes();
    let last: string[] = [];
    try {
      while (performance.now() - started < timeoutMs) {
        last = await this.nexthops(prefix);
        if (last.join(',') === expected) return performance.now() - started;
        const left = timeoutMs - (performance.now() - started);
        const at = await watch.until(prefix, want, startedAt, Math.max(0, Math.min(1000, left)));
        if (at !== undefined) return Math.max(0, at - startedAt);
      }
    } finally {
      watch.stop();
    }
    throw new Error(
      `${prefix} at the router: next hops [${last.join(', ')}], wanted [${expected}] within ${timeoutMs} ms\n` +
        (await this.birdc('show', 'protocols')) +
        `\nthe router's log, last lines:\n${this.process.lastLines(40).join('\n')}` +
        (this.diagnostics ? `\n${await this.diagnostics().catch(String)}` : ''),
    );
  }
}

/**
 * Creates the router and `count` director namespaces, linked by veth, v4 and
 * v6 addressed. With `bridged`, the router's end of each link is a bridge that
 * keeps its carrier when the director's side goes down (a port that stays up
 * holds it), as a switch between them would: a director whose link goes down
 * is then silently cut off, and only BGP's hold timer or BFD can tell.
 */
export async function buildFabric(
  lab: NetnsLab,
  count: number,
  options: { bridged?: boolean } = {},
): Promise<{ router: Netns; links: DirectorLink[] }> {
  const router = await lab.namespace('router');
  // No duplicate address detection: addresses are usable at once.
  await router.sysctl('net.ipv6.conf.default.accept_dad', '0');
  await router.sysctl('net.ipv6.conf.all.forwarding', '1');
  const links: DirectorLink[] = [];
  for (let i = 1; i <= count; i++) {
    const ns = await lab.namespace(`d${i}`);
    await ns.sysctl('net.ipv6.conf.default.accept_dad', '0');
    const link = await lab.link(router, ns, { addressB: `10.0.${i}.2/24` });
    let routerDev = link.a;
    if (options.bridged) {
      routerDev = `br${i}`;
      await router.ip('link', 'add', routerDev, 'type', 'bridge');
      await router.ip('link', 'set', link.a, 'master', routerDev);
      // The host may lack the dummy module: a veth pair of the router's own keeps the carrier.
      await router.ip('link', 'add', `keep${i}a`, 'type', 'veth', 'peer', 'name', `keep${i}b`);
      await router.ip('link', 'set', `keep${i}a`, 'master', routerDev);
      for (const dev of [routerDev, `keep${i}a`, `keep${i}b`])
        await router.ip('link', 'set', dev, 'up');
    }
    await router.addAddress(routerDev, `10.0.${i}.1/24`);
    await router.addAddress(routerDev, `fd00:${i}::1/64`);
    await ns.addAddress(link.b, `fd00:${i}::2/64`);
    links.push({
      ns,
      directorDev: link.b,
      router4: `10.0.${i}.1`,
      router6: `fd00:${i}::1`,
      director4: `10.0.${i}.2`,
      director6: `fd00:${i}::2`,
    });
  }
  return { router, links };
}

export interface DirectorOptions {
  /** Graceful-restart time announced to the router (seconds). */
  restartTime?: number;
  announce?: AnnouncementSpec[] | undefined;
  holdTime?: number;
  /** Drive a gobgpd someone else runs at this address instead of spawning one. */
  external?: string;
  /** With `external`: the sidecar guard's socket. */
  guard?: string;
}

/** One director's BGP process: the module plus its spawned gobgpd. */
export class Director {
  private readonly replies: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];
  readonly stateDir: string;

  private constructor(
    readonly link: DirectorLink,
    readonly process: LabProcess,
    stateDir: string,
  ) {
    this.stateDir = stateDir;
    const stdout = process.child.stdout;
    if (!stdout) throw new Error('director has no stdout');
    createInterface({ input: stdout }).on('line', (line) => {
      if (!line.startsWith('{"')) return;
      const w = this.waiting.shift();
      if (w) w(line);
      else this.replies.push(line);
    });
  }

  static settings(link: DirectorLink, stateDir: string, opts: DirectorOptions): unknown {
    const speaker: SpeakerSettings = {
      asn: DIRECTOR_ASN,
      routerId: link.director4,
      listenAddresses: [link.director4, link.director6],
      restartTime: opts.restartTime ?? 30,
    };
    const peers: PeerSettings[] = [
      {
        address: link.router4,
        asn: ROUTER_ASN,
        families: ['ipv4'],
        holdTime: opts.holdTime ?? 9,
        connectRetry: 1,
      },
      {
        address: link.router6,
        asn: ROUTER_ASN,
        families: ['ipv6'],
        holdTime: opts.holdTime ?? 9,
        connectRetry: 1,
      },
    ];
    return {
      speaker,
      peers,
      sidecar: opts.external
        ? { mode: 'external', address: opts.external, guard: opts.guard }
        : { mode: 'spawn', stateDir },
      announce: opts.announce,
      resyncIntervalMs: 2000,
    };
  }

  /** Starts the director process in its namespace and waits until it has started gobgpd. */
  static async start(
    link: DirectorLink,
    opts: DirectorOptions = {},
    stateDir?: string,
  ): Promise<Director> {
    const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'acd-director-'));
    const process = link.ns.spawn(
      'node',
      [DIRECTOR_JS, JSON.stringify(Director.settings(link, dir, opts))],
      { stdin: true },
    );
    const director = new Director(link, process, dir);
    const hello = (await director.next(20_000)) as { started?: boolean };
    if (!hello.started) throw new Error(`director did not start: ${JSON.stringify(hello)}`);
    return director;
  }

  async announce(specs: AnnouncementSpec[]): Promise<number> {
    const r = (await this.request({ announce: specs })) as {
      synced?: boolean;
      ms?: number;
      error?: string;
    };
    if (!r.synced) throw new Error(`announce failed: ${r.error ?? JSON.stringify(r)}`);
    return r.ms ?? 0;
  }

  async status(): Promise<{ status: BgpStatus; sidecarPid: number | undefined }> {
    return (await this.request({ status: true })) as {
      status: BgpStatus;
      sidecarPid: number | undefined;
    };
  }

  async stop(how: 'withdraw' | 'restart', drain?: unknown): Promise<void> {
    await this.request({ stop: how, drain });
    await this.process.exited;
  }

  /** kill -9 of the director process alone (its gobgpd must follow by itself). */
  async crash(): Promise<void> {
    this.process.child.kill('SIGKILL');
    await this.process.exited;
  }

  private async request(cmd: unknown): Promise<unknown> {
    this.process.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
    return this.next(60_000);
  }

  private next(timeoutMs: number): Promise<unknown> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(JSON.parse(queued));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no reply from the director within ${timeoutMs} ms:\n${this.process.output().slice(-4000)}`,
            ),
          ),
        timeoutMs,
      );
      void this.process.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`director exited:\n${this.process.output().slice(-4000)}`));
      });
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      });
    });
  }
}

/** True while `pid` is a live process. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
