/**
 * The director daemon on a real kernel: `anycastd run` in a director
 * namespace with IPVS, its spawned gobgpd peering with a BIRD router, real
 * servers answering HTTP checks in namespaces of their own. The kernel's
 * table (ipvsadm) and the router's routes are the judges.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../src/api/client.js';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { type DirectorLink, Router, buildFabric, requirePrograms } from '../lab/bgp-fabric.js';
import type { LabProcess, Netns } from '../lab/netns.js';
import { procWeight, procWeights } from '../lab/proc-ip-vs.js';
import { useNetnsLab } from '../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');
const VIP = '198.51.100.10/32';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function configText(dir: string, link: DirectorLink, extra = ''): string {
  return `
director: {name: lab-director, router_id: ${link.director4}}
api: {listen: "unix://${dir}/api.sock"}
metrics: {listen: 9750}
state_file: ${dir}/state.json
resync_interval: 2s
bgp:
  asn: 65001
  listen_addresses: [${link.director4}]
  sidecar: {mode: spawn, state_dir: ${dir}/gobgp}
  peers: [{address: ${link.router4}, asn: 65000, families: [ipv4], connect_retry: 1s}]
  draining: {communities: [graceful-shutdown]}
  shutdown: {drain_time: 6s}
defaults:
  check: {type: http, port: 8080, path: /, interval: 1s, timeout: 800ms, rise: 1, fall: 2}
services:
  - name: web
    vip: 198.51.100.10
    ports: [{port: 80}]
    scheduler: mh
    reals: [{address: 10.2.1.2}, {address: 10.2.2.2}]
    announce: {min_healthy: 1}
${extra}`;
}

describe('anycastd run on a real kernel', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('programs IPVS and the route, drains failures, repairs drift, survives a crash, refuses a bad reload, drains on SIGTERM', async () => {
    const { router: rns, links } = await buildFabric(lab(), 1);
    const link = links[0] as DirectorLink;
    const director = link.ns;
    const dir = mkdtempSync(join(tmpdir(), 'acd-daemon-'));
    const router = await Router.start(rns, links, dir);

    // Two real servers, each an HTTP server in a namespace of its own.
    const reals: { ns: Netns; server?: LabProcess; address: string }[] = [];
    for (const i of [1, 2]) {
      const ns = await lab().namespace(`real${i}`);
      await lab().link(director, ns, { addressA: `10.2.${i}.1/24`, addressB: `10.2.${i}.2/24` });
      reals.push({ ns, address: `10.2.${i}.2` });
    }
    const serve = async (r: (typeof reals)[0]) => {
      r.server = r.ns.spawn('node', [
        '-e',
        `require('http').createServer((q, s) => s.end('ok')).listen(8080, '${r.address}', () => console.log('ready'))`,
      ]);
      await r.server.waitFor('ready');
    };
    for (const r of reals) await serve(r);

    const file = join(dir, 'anycastd.yaml');
    writeFileSync(file, configText(dir, link));
    const start = () => director.spawn('node', [MAIN, 'run', '--config', file]);
    let daemon = start();
    const api = `unix://${dir}/api.sock`;
    const status = async (): Promise<DaemonStatus> => {
      for (;;) {
        try {
          const r = await callApi(api, 'GET', '/status');
          if (r.status === 200) return JSON.parse(r.body) as DaemonStatus;
        } catch {
          // Not listening yet.
        }
        if (daemon.child.exitCode !== null) throw new Error(`anycastd exited:\n${daemon.output()}`);
        await sleep(100);
      }
    };
    const saved = async () => (await director.run('ipvsadm', ['-S', '-n'])).stdout;
    /** anycastd's log lines from `since` on, with their times after it, to explain a slow step. */
    const logSince = (since: number): string =>
      'anycastd logged since:\n' +
      daemon
        .output()
        .split('\n')
        .flatMap((line) => {
          const time = /"time":(\d+)/.exec(line)?.[1];
          return time !== undefined && Number(time) >= since
            ? [`+${Number(time) - since} ms ${line.slice(0, 300)}`]
            : [];
        })
        .slice(0, 40)
        .join('\n');
    const until = async (
      what: string,
      ok: () => Promise<boolean>,
      timeoutMs = 20_000,
      everyMs = 100,
    ) => {
      const started = performance.now();
      while (!(await ok())) {
        if (performance.now() - started > timeoutMs)
          throw new Error(
            `${what} not within ${timeoutMs} ms; ipvsadm:\n${await saved()}\nanycastd:\n${daemon.output().slice(-3000)}`,
          );
        await sleep(everyMs);
      }
      return performance.now() - started;
    };
    const table = (w1: number, w2: number) =>
      '-A -t 198.51.100.10:80 -s mh -b mh-fallback\n' +
      `-a -t 198.51.100.10:80 -r 10.2.1.2:80 -g -w ${w1}\n` +
      `-a -t 198.51.100.10:80 -r 10.2.2.2:80 -g -w ${w2}\n`;

    // Config in: the table and the route.
    await status();
    await until('table with both real servers up', async () => (await saved()) === table(1, 1));
    await router.waitNexthops(VIP, [link.director4], 30_000);

    // One real server dies: weight 0 within interval × fall + timeout (+ a reconcile pass).
    const killedAt = Date.now();
    reals[1]?.server?.kill('SIGKILL');
    // Timed by reading the daemon's own /proc/PID/net/ip_vs (its namespace's table) every
    // 20 ms: forking ipvsadm every 100 ms takes the kernel lab's one CPU from the daemon
    // being timed. The whole table is compared once the weight is seen.
    const drained = await until(
      'weight 0 for the dead real server',
      () => Promise.resolve(procWeight(daemon.child.pid, '10.2.2.2') === 0),
      10_000,
      20,
    );
    expect(await saved()).toBe(table(1, 0));
    console.log(`drain of a dead real server: ${Math.round(drained)} ms`);
    expect(drained, `the drain took ${Math.round(drained)} ms; ${logSince(killedAt)}`).toBeLessThan(
      1000 * 2 + 800 + 1500,
    );
    expect(await router.nexthops(VIP)).toEqual([link.director4]);

    // The read-only listener, as Prometheus and a browser on the director reach it.
    const readOnly = async (path: string, method = 'GET') =>
      (
        await director.run('node', [
          '-e',
          `fetch('http://127.0.0.1:9750${path}', {method: '${method}'}).then(async (r) => process.stdout.write(r.status + '\\n' + (await r.text())))`,
        ])
      ).stdout;
    const scraped = await readOnly('/metrics');
    expect(scraped).toMatch(/^200\n/);
    expect(scraped).toMatch(
      /\nanycastd_real_healthy\{service="web",address="10\.2\.2\.2",port="\d+",state="down"\} 0\n/,
    );
    expect(scraped).toContain('\nanycastd_real_transitions_total{service="web",to="down"} 1\n');
    expect(scraped).toMatch(/\nprocess_resident_memory_bytes \d+/);
    expect(await readOnly('/')).toMatch(/^200\n<!doctype html>/);
    const fromPage = JSON.parse((await readOnly('/status.json')).slice(4)) as DaemonStatus;
    expect(fromPage.reals.find((r) => r.address === '10.2.2.2')?.state).toBe('down');
    expect(await readOnly('/drain', 'POST')).toMatch(/^405\n/);

    // All dead: the route is withdrawn; recovery restores both.
    reals[0]?.server?.kill('SIGKILL');
    await router.waitNexthops(VIP, [], 10_000);
    expect((await status()).vips[0]).toMatchObject({
      reason: 'web: 0 of 2 real servers healthy, needs 1',
      code: 'below-min-healthy',
      healthy: [{ service: 'web', healthy: 0, total: 2, needed: 1 }],
    });
    for (const r of reals) await serve(r);
    await until('both restored', async () => (await saved()) === table(1, 1));
    await router.waitNexthops(VIP, [link.director4], 15_000);

    // Drift: someone flushes the table; the resync (2 s) puts it back.
    const flushedAt = Date.now();
    await director.run('ipvsadm', ['-C']);
    // Followed through /proc like the drain above; ipvsadm then judges the whole table.
    const repaired = await until(
      'table repaired after ipvsadm -C',
      () =>
        Promise.resolve(
          procWeights(daemon.child.pid, ['10.2.1.2', '10.2.2.2']).every((w) => w === 1),
        ),
      10_000,
      20,
    );
    expect(await saved()).toBe(table(1, 1));
    expect(
      repaired,
      `the repair took ${Math.round(repaired)} ms; ${logSince(flushedAt)}`,
    ).toBeLessThan(2000 + 1500);

    // Refused reloads, by the API and by SIGHUP, a wrong value and hostile text: the
    // running configuration, the kernel's table and the route stay exactly as they were,
    // and each refusal is logged with every problem.
    const before = await saved();
    const statusBefore = await status();
    const reloadWatch = await router.monitor({ [VIP]: [link.director4] });
    const refusedLogs = () =>
      daemon
        .output()
        .split('\n')
        .filter((l) => l.includes('"event":"reload_refused"'));
    const refusals = async (n: number) =>
      until(
        `${n} reload_refused log lines`,
        () => Promise.resolve(refusedLogs().length >= n),
        60_000,
      );
    const hostile: { text: string; by: 'api' | 'sighup'; problem: string }[] = [
      {
        text: configText(dir, link).replace('min_healthy: 1', 'min_healthy: 7'),
        by: 'api',
        problem: '7 healthy real servers can never be met',
      },
      {
        text: `${'['.repeat(30_000)}${']'.repeat(30_000)}\n`,
        by: 'sighup',
        problem: 'nest',
      },
      {
        text: `a: &a [1]\nb: [${Array.from({ length: 150 }, () => '*a').join(', ')}]\n`,
        by: 'api',
        problem: 'aliases',
      },
      {
        text: configText(dir, link)
          .replace('vip: 198.51.100.10', 'vip: 224.0.0.1')
          .replace('scheduler: mh', 'scheduler: nope'),
        by: 'sighup',
        problem: 'multicast',
      },
    ];
    for (const [i, h] of hostile.entries()) {
      writeFileSync(file, h.text);
      if (h.by === 'api') {
        const reload = await callApi(api, 'POST', '/reload', {});
        expect(reload.status).toBe(422);
        expect(reload.body).toContain(h.problem);
      } else {
        daemon.child.kill('SIGHUP');
      }
      await refusals(i + 1);
      expect(refusedLogs()[i]).toContain(h.problem);
      const now = await status();
      expect(now.config?.sha256).toBe(statusBefore.config?.sha256);
      expect(now.config?.loadedAt).toBe(statusBefore.config?.loadedAt);
      expect(now.config?.lastReload).toMatchObject({ ok: false });
      expect(now.vips).toEqual(statusBefore.vips);
      expect(now.reals).toEqual(statusBefore.reals);
      expect(await saved()).toBe(before);
    }
    // Both problems of the last file are in its log line.
    expect(refusedLogs()[3]).toContain('scheduler');
    expect((await status()).config?.lastReload?.problems).toBe(2);
    await sleep(1500);
    expect(await reloadWatch.stop()).toEqual([]);
    writeFileSync(file, configText(dir, link));

    // kill -9 and start again: nothing moves at the router or in the kernel.
    const watch = await router.monitor({ [VIP]: [link.director4] });
    const tableBefore = await saved();
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    daemon = start();
    await until(
      'new daemon in sync',
      async () => {
        const s = await status();
        return !s.warmingUp && s.bgp.peers.some((p) => p.state === 'ESTABLISHED');
      },
      120_000,
    );
    await sleep(1500);
    const moved = await watch.stop();
    expect(
      moved,
      `${daemon.output().slice(-6000)}\n${router.process.output().slice(-3000)}`,
    ).toEqual([]);
    expect(await saved()).toBe(tableBefore);

    // SIGTERM: draining attributes for the drain time, then withdrawn. (To
    // the whole process group, as a terminal or a service manager sends it.)
    daemon.kill('SIGTERM');
    await until(
      'GRACEFUL_SHUTDOWN at the router',
      // birdc fails once the route is gone: the draining window was missed.
      async () =>
        (await router.birdc('show', 'route', VIP, 'all').catch(() => '')).includes('(65535,0)'),
      6000,
    );
    await router.waitNexthops(VIP, [], 20_000);
    // The stop the signal asked for completed: a clean exit, as service managers expect.
    expect(await daemon.exited).toBe(0);
    // The kernel is left as it was.
    expect(await saved()).toBe(table(1, 1));
  }, 600_000);
});
