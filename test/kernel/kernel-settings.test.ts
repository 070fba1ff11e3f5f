/**
 * The IPVS kernel settings anycastd holds (ipvs_sysctls, ipvs_timeouts) on a
 * real kernel: set at start in the director's network namespace only, put
 * back after someone changes them, shown in the status.
 */
import { eventually } from '../lab/eventually.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../src/api/client.js';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { requirePrograms } from '../lab/bgp-fabric.js';
import { run } from '../lab/exec.js';
import type { Netns } from '../lab/netns.js';
import { useNetnsLab } from '../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');

const config = (dir: string) => `
director: {name: settings, router_id: 10.3.0.1}
api: {listen: "unix://${dir}/api.sock"}
state_file: ${dir}/state.json
resync_interval: 1s
ipvs_sysctls: {expire_nodest_conn: 1, drop_packet: 1}
ipvs_timeouts: {tcp: 1h, tcp_fin: 30s, udp: 20}
bgp:
  asn: 65001
  sidecar: {mode: spawn, state_dir: ${dir}/gobgp}
  # Nobody answers there: the settings do not depend on BGP.
  peers: [{address: 10.3.0.9, asn: 65000}]
services:
  - name: web
    vip: 198.51.100.30
    ports: [{port: 80}]
    reals: [{address: 10.3.0.2}]
`;

/** `ipvsadm -L --timeout` of a namespace (or of the lab's own when none): "tcp tcpfin udp". */
async function timeouts(ns?: Netns): Promise<string> {
  const out = ns
    ? (await ns.run('ipvsadm', ['-L', '--timeout'])).stdout
    : (await run('ipvsadm', ['-L', '--timeout'])).stdout;
  const m = /Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)/.exec(out);
  if (!m) throw new Error(`ipvsadm -L --timeout printed ${JSON.stringify(out)}`);
  return `${m[1]} ${m[2]} ${m[3]}`;
}

async function sysctl(ns: Netns, name: string): Promise<string> {
  return (await ns.run('cat', [`/proc/sys/net/ipv4/vs/${name}`])).stdout.trim();
}

describe('IPVS kernel settings on a real kernel', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('sets the configured sysctls and timeouts in its own namespace and repairs drift', async () => {
    const ns = await lab().namespace('settings');
    await ns.ip('link', 'set', 'lo', 'up');
    const dir = mkdtempSync(join(tmpdir(), 'acd-settings-'));
    const file = join(dir, 'anycastd.yaml');
    writeFileSync(file, config(dir));
    const outside = await timeouts();
    const daemon = ns.spawn('node', [MAIN, 'run', '--config', file]);
    // anycastd takes from a few seconds to over a minute to start in the kernel lab.
    const until = (what: string, ok: () => Promise<boolean>, timeoutMs = 120_000) =>
      eventually(what, ok, {
        timeoutMs,
        explain: () => daemon.output().slice(-4000),
        stop: () =>
          daemon.child.exitCode !== null
            ? `anycastd exited:\n${daemon.output().slice(-4000)}`
            : undefined,
      });

    await until('timeouts set', async () => (await timeouts(ns)) === '3600 30 20');
    expect(await sysctl(ns, 'expire_nodest_conn')).toBe('1');
    expect(await sysctl(ns, 'drop_packet')).toBe('1');
    // Implied by direct routing.
    expect(await sysctl(ns, 'conn_reuse_mode')).toBe('3');
    // Per network namespace: the lab's own namespace keeps its values.
    expect(await timeouts()).toBe(outside);

    const status = async () => {
      const r = await callApi(`unix://${dir}/api.sock`, 'GET', '/status');
      return JSON.parse(r.body) as DaemonStatus;
    };
    await until('status', async () => {
      try {
        return (await status()).timeouts.length === 3;
      } catch {
        return false;
      }
    });
    expect((await status()).timeouts).toEqual([
      { name: 'tcp', wanted: 3600, actual: 3600 },
      { name: 'tcpfin', wanted: 30, actual: 30 },
      { name: 'udp', wanted: 20, actual: 20 },
    ]);

    // Someone puts the kernel's defaults back: the next resync (1 s) repairs both kinds.
    await ns.run('ipvsadm', ['--set', '900', '120', '300']);
    await ns.run('sh', ['-c', 'echo 0 > /proc/sys/net/ipv4/vs/expire_nodest_conn']);
    await until('timeouts repaired', async () => (await timeouts(ns)) === '3600 30 20', 30_000);
    await until('sysctl repaired', async () => (await sysctl(ns, 'expire_nodest_conn')) === '1');
    const events = daemon
      .output()
      .split('\n')
      .filter((l) => l.includes('"event":"ipvs_timeout_set"') || l.includes('ipvs_sysctl_set'))
      .map((l) => JSON.parse(l) as { name: string; from: number; to: number });
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'tcp', from: 900, to: 3600 }),
        expect.objectContaining({ name: 'udp', from: 300, to: 20 }),
        expect.objectContaining({ name: 'expire_nodest_conn', from: 0, to: 1 }),
      ]),
    );
    daemon.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  }, 300_000);
});
