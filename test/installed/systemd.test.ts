/**
 * anycastd.service as shipped, under a real systemd (PID 1 of the kernel lab's
 * guest): the installed daemon directs a VIP to a real server and announces it
 * to a BIRD router with every hardening setting of the unit in force. Start
 * waits for READY=1, reload and a drain work, a crash is restarted without the
 * router noticing, and a stop drains and withdraws. The sidecar guard's unit
 * runs beside an external gobgpd.
 */
import { eventually } from '../lab/eventually.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router, requirePrograms } from '../lab/bgp-fabric.js';
import { run } from '../lab/exec.js';
import type { LabProcess } from '../lab/netns.js';
import { useNetnsLab } from '../lab/vitest.js';
import { ensureInstalled, system } from '../lab/deb.js';

const VIP = '198.51.100.10';
// The capabilities the unit bounds the daemon to: SETGID (6), SETUID (7), NET_BIND_SERVICE (10),
// NET_ADMIN (12), NET_RAW (13).
const CAPS = (1n << 6n) | (1n << 7n) | (1n << 10n) | (1n << 12n) | (1n << 13n);

const CONFIG = `
director: {name: pkg-director, router_id: 10.0.1.2}
resync_interval: 2s
bgp:
  asn: 65001
  listen_addresses: [10.0.1.2]
  peers: [{address: 10.0.1.1, asn: 65000, families: [ipv4], connect_retry: 1s}]
  shutdown: {drain_time: 2s}
defaults:
  check: {type: http, port: 8080, path: /, interval: 1s, timeout: 800ms, rise: 1, fall: 2}
services:
  - name: web
    vip: ${VIP}
    ports: [{port: 80}]
    scheduler: sh
    reals: [{address: 10.2.1.2}]
    announce: {min_healthy: 1}
`;

async function show(unit: string): Promise<Record<string, string>> {
  const r = await system('systemctl', [
    'show',
    unit,
    '-p',
    'ActiveState,SubState,Result,MainPID,NRestarts,StatusText,ExecMainStatus',
  ]);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The router's session with the director: established or not, and since when. */
async function sessionSince(router: Router): Promise<{ established: boolean; since: string }> {
  const line = (await router.birdc('show', 'protocols', 'd0v4'))
    .split('\n')
    .find((l) => l.startsWith('d0v4'));
  const fields = line?.trim().split(/\s+/) ?? [];
  return { established: fields[5] === 'Established', since: fields[4] ?? '' };
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  await eventually(what, ok, {
    timeoutMs,
    everyMs: 200,
    explain: async () => {
      const journal = await system('journalctl', ['-u', 'anycastd', '-n', '60', '--no-pager']);
      return `${journal.stdout}${journal.stderr}`;
    },
  });
}

async function must(command: string, args: string[]): Promise<string> {
  const r = await system(command, args);
  if (r.code !== 0) {
    const journal = await system('journalctl', ['-u', 'anycastd', '-n', '60', '--no-pager']);
    throw new Error(`${command} ${args.join(' ')}: exit ${r.code}: ${r.stderr}\n${journal.stdout}`);
  }
  return r.stdout;
}

describe('anycastd.service under systemd', () => {
  const lab = useNetnsLab();
  let server: LabProcess | undefined;

  beforeAll(async () => {
    await requirePrograms();
    const pid1 = readFileSync('/proc/1/comm', 'utf8').trim();
    if (pid1 !== 'systemd') {
      throw new Error(
        `PID 1 is ${pid1}, not systemd: run this tier with systemd as the guest's init ` +
          '(./scripts/test package, or ANYCASTD_LAB_INIT=systemd test/kernel/run-in-uml.sh ...)',
      );
    }
    await ensureInstalled();
  });
  afterAll(async () => {
    await system('systemctl', ['stop', 'anycastd', 'anycastd-sidecar-guard']);
  });

  it('starts when ready, directs and announces, reloads, drains, restarts after a crash, stops cleanly', async () => {
    // The director is the guest's own namespace, where systemd runs its services:
    // a router and a real server in namespaces of their own, each on a veth pair.
    const routerNs = await lab().namespace('router');
    const realNs = await lab().namespace('real');
    await run('ip', [
      'link',
      'add',
      'pkg-r',
      'type',
      'veth',
      'peer',
      'name',
      'pkg-r1',
      'netns',
      routerNs.name,
    ]);
    await run('ip', [
      'link',
      'add',
      'pkg-s',
      'type',
      'veth',
      'peer',
      'name',
      'pkg-s1',
      'netns',
      realNs.name,
    ]);
    for (const [dev, cidr] of [
      ['pkg-r', '10.0.1.2/24'],
      ['pkg-s', '10.2.1.1/24'],
    ] as const) {
      await run('ip', ['addr', 'add', cidr, 'dev', dev]);
      await run('ip', ['link', 'set', dev, 'up']);
    }
    await routerNs.addAddress('pkg-r1', '10.0.1.1/24');
    await routerNs.ip('link', 'set', 'pkg-r1', 'up');
    await realNs.addAddress('pkg-s1', '10.2.1.2/24');
    await realNs.ip('link', 'set', 'pkg-s1', 'up');
    const dir = mkdtempSync(join(tmpdir(), 'acd-pkg-'));
    const router = await Router.start(
      routerNs,
      [
        {
          ns: routerNs,
          router4: '10.0.1.1',
          director4: '10.0.1.2',
          router6: 'fd00:1::1',
          director6: 'fd00:1::2',
        },
      ],
      dir,
    );
    server = realNs.spawn('node', [
      '-e',
      "require('http').createServer((q, s) => s.end('ok')).listen(8080, '10.2.1.2', () => console.log('ready'))",
    ]);
    await server.waitFor('ready');
    writeFileSync('/etc/anycastd/anycastd.yaml', CONFIG);

    // Type=notify: `systemctl start` returns once the daemon said READY=1, with the table in place.
    await must('systemctl', ['start', 'anycastd']);
    let unit = await show('anycastd');
    expect(unit).toMatchObject({ ActiveState: 'active', SubState: 'running' });
    expect(unit.StatusText).not.toBe('');
    const table = await must('ipvsadm', ['-S', '-n']);
    expect(table).toContain(`-A -t ${VIP}:80 -s sh`);
    const pid = Number(unit.MainPID);
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe('/usr/lib/anycastd/node/bin/node');
    const capBnd = /^CapBnd:\s+([0-9a-f]+)$/m.exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    )?.[1];
    expect(BigInt(`0x${capBnd ?? '0'}`)).toBe(CAPS);
    expect(readFileSync(`/proc/${pid}/limits`, 'utf8')).toMatch(/Max open files\s+262144\s+262144/);

    // Health checks, IPVS, the VIP address and gobgpd on port 179 all work under the unit.
    await router.waitNexthops(`${VIP}/32`, ['10.0.1.2'], 60_000);
    await until(
      'real server at weight 1',
      async () => (await must('ipvsadm', ['-S', '-n'])).includes('-r 10.2.1.2:80 -g -w 1'),
      30_000,
    );
    const status = JSON.parse(await must('anycastd', ['status', '--json'])) as {
      vips: { address: string; announced: boolean }[];
    };
    expect(JSON.stringify(status)).toContain(VIP);

    // A drain is written to the state directory (/var/lib/anycastd under ProtectSystem=strict).
    await must('anycastd', ['drain', VIP]);
    await router.waitNexthops(`${VIP}/32`, [], 30_000);
    expect(existsSync('/var/lib/anycastd/state.json')).toBe(true);
    expect(readFileSync('/var/lib/anycastd/state.json', 'utf8')).toContain(VIP);
    await must('anycastd', ['undrain', VIP]);
    await router.waitNexthops(`${VIP}/32`, ['10.0.1.2'], 60_000);

    // ExecReload: SIGHUP re-reads the file; a second real server appears in the kernel.
    writeFileSync(
      '/etc/anycastd/anycastd.yaml',
      CONFIG.replace(
        'reals: [{address: 10.2.1.2}]',
        'reals: [{address: 10.2.1.2}, {address: 10.2.1.3}]',
      ),
    );
    await must('systemctl', ['reload', 'anycastd']);
    await until(
      'the reloaded real server in the kernel',
      async () => (await must('ipvsadm', ['-S', '-n'])).includes('-r 10.2.1.3:80'),
      60_000,
    );
    expect(await show('anycastd')).toMatchObject({ ActiveState: 'active', MainPID: String(pid) });

    // A crash: Restart=on-failure brings it back; /run/anycastd is kept for it. The
    // router keeps the route through it (graceful restart) and gets a new session.
    const sessionBefore = await sessionSince(router);
    await must('systemctl', ['kill', '--kill-whom=main', '--signal=KILL', 'anycastd']);
    await until(
      'restarted after the crash',
      async () => {
        const u = await show('anycastd');
        return u.ActiveState === 'active' && u.MainPID !== String(pid) && u.MainPID !== '0';
      },
      60_000,
    );
    unit = await show('anycastd');
    expect(unit.NRestarts).toBe('1');
    await until(
      'a new BGP session after the restart',
      async () => {
        const now = await sessionSince(router);
        return now.established && now.since !== sessionBefore.since;
      },
      60_000,
    );
    await router.waitNexthops(`${VIP}/32`, ['10.0.1.2'], 60_000);

    // Stop: SIGTERM to anycastd alone (KillMode=mixed), routes withdrawn, a clean exit.
    await must('systemctl', ['stop', 'anycastd']);
    unit = await show('anycastd');
    expect(unit).toMatchObject({ ActiveState: 'inactive', Result: 'success', ExecMainStatus: '0' });
    // Withdrawn, not left to the router's graceful-restart timer (30 s) as a dropped session would be.
    await router.waitNexthops(`${VIP}/32`, [], 10_000);
    const left = await system('pgrep', ['-x', 'gobgpd']);
    expect(left.stdout.trim()).toBe('');
  });

  it('runs the sidecar guard unit beside an external gobgpd', async () => {
    // An external sidecar with its API on the guard unit's default address.
    const external = spawn('gobgpd', ['--api-hosts=127.0.0.1:50051', '--pprof-disable'], {
      stdio: 'ignore',
    });
    try {
      await must('systemctl', ['start', 'anycastd-sidecar-guard']);
      await until(
        'the guard socket',
        () => Promise.resolve(existsSync('/run/anycastd-guard/guard.sock')),
        30_000,
      );
      expect(await show('anycastd-sidecar-guard')).toMatchObject({ ActiveState: 'active' });
      await must('systemctl', ['stop', 'anycastd-sidecar-guard']);
      expect(await show('anycastd-sidecar-guard')).toMatchObject({
        ActiveState: 'inactive',
        Result: 'success',
      });
    } finally {
      external.kill('SIGKILL');
    }
  });
});
