/**
 * File checks driving a real kernel's IPVS table: `anycastd run` in a
 * namespace of its own, real servers taken out and weighted by the files an
 * operator writes, as with keepalived's FILE_CHECK, and a real server with two
 * checks that is in only while both pass; a sorry server in the table only
 * while no real server is up. The kernel's table (ipvsadm) is the judge.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../src/api/client.js';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { requirePrograms } from '../lab/bgp-fabric.js';
import { eventually } from '../lab/eventually.js';
import { useNetnsLab } from '../lab/vitest.js';

const MAIN = join(process.cwd(), 'dist/main.js');

const config = (dir: string) => `
director: {name: files, router_id: 10.4.0.1}
api: {listen: "unix://${dir}/api.sock"}
state_file: ${dir}/state.json
resync_interval: 2s
notify:
  - command: [/bin/sh, -c, 'echo "$ANYCASTD_EVENT $ANYCASTD_SERVICE $ANYCASTD_REAL_ADDRESS $ANYCASTD_STATE $ANYCASTD_WAS" >> ${dir}/events']
    on: [real]
    user: root
bgp:
  asn: 65001
  sidecar: {mode: spawn, state_dir: ${dir}/gobgp}
  # Nobody answers there: IPVS does not wait for BGP.
  peers: [{address: 10.4.0.9, asn: 65000}]
services:
  - name: web
    vip: 198.51.100.40
    ports: [{port: 80}]
    check: {type: file, path: "${dir}/{address}.state", interval: 1s, timeout: 900ms, rise: 1, fall: 2}
    reals:
      - {address: 10.4.1.1}
      - {address: 10.4.1.2}
      - address: 10.4.1.3
        check: {type: file, mode: weight, path: "${dir}/weight", interval: 1s, timeout: 900ms, rise: 1, fall: 2}
      # Two checks, both must pass (keepalived's several checkers of one real server).
      - address: 10.4.1.4
        check:
          - {type: file, path: "${dir}/a", interval: 1s, timeout: 900ms, rise: 1, fall: 2}
          - {type: file, path: "${dir}/b", interval: 1s, timeout: 900ms, rise: 1, fall: 2}
  # A sorry server: in the table only while no real server is up.
  - name: sorry
    vip: 198.51.100.41
    ports: [{port: 80}]
    check: {type: file, path: "${dir}/{address}.state", interval: 1s, timeout: 900ms, rise: 1, fall: 2}
    reals: [{address: 10.4.2.1}]
    sorry_server: {address: 10.4.2.9, weight: 3}
`;

describe('file checks on a real kernel', () => {
  const lab = useNetnsLab();
  beforeAll(requirePrograms);

  it('takes a real server out when its file says so, and weights one by its file', async () => {
    const ns = await lab().namespace('files');
    await ns.ip('link', 'set', 'lo', 'up');
    const dir = mkdtempSync(join(tmpdir(), 'acd-files-'));
    const state = (address: string, text: string) =>
      writeFileSync(join(dir, `${address}.state`), text);
    state('10.4.1.1', '0\n');
    state('10.4.1.2', '0\n');
    writeFileSync(join(dir, 'weight'), '5\n');
    writeFileSync(join(dir, 'a'), '0\n');
    writeFileSync(join(dir, 'b'), '0\n');
    state('10.4.2.1', '0\n');
    const file = join(dir, 'anycastd.yaml');
    writeFileSync(file, config(dir));
    const daemon = ns.spawn('node', [MAIN, 'run', '--config', file]);
    const ipvsadm = async () => (await ns.run('ipvsadm', ['-S', '-n'])).stdout;
    /** The lines of one VIP's service. */
    const of = (text: string, vip: string) =>
      text
        .split('\n')
        .filter((l) => l.includes(`${vip}:80`))
        .map((l) => `${l}\n`)
        .join('');
    const saved = async () => of(await ipvsadm(), '198.51.100.40');
    const table = (w1: number, w2: number, w3: number, w4 = 1) =>
      '-A -t 198.51.100.40:80 -s wlc\n' +
      `-a -t 198.51.100.40:80 -r 10.4.1.1:80 -g -w ${w1}\n` +
      `-a -t 198.51.100.40:80 -r 10.4.1.2:80 -g -w ${w2}\n` +
      `-a -t 198.51.100.40:80 -r 10.4.1.3:80 -g -w ${w3}\n` +
      `-a -t 198.51.100.40:80 -r 10.4.1.4:80 -g -w ${w4}\n`;
    // anycastd takes from a few seconds to over a minute to start in the kernel lab.
    const until = (what: string, want: string, timeoutMs: number) =>
      eventually(what, async () => (await saved()) === want, {
        timeoutMs,
        explain: async () =>
          `ipvsadm:\n${await saved()}\nanycastd:\n${daemon.output().slice(-3000)}`,
        stop: () =>
          daemon.child.exitCode !== null
            ? `anycastd exited:\n${daemon.output().slice(-3000)}`
            : undefined,
      });

    await until('every real server in by its file', table(1, 1, 5), 120_000);
    // The checks run every second and two failures count (a stall of the lab can time one
    // out): about 2 s, well within 15 s on a busy lab.
    state('10.4.1.2', '1\n');
    await until('10.4.1.2 taken out', table(1, 0, 5), 15_000);
    // The notify hook ran for it (and for no first verdict at start).
    await eventually(
      'the notify hook to write the event',
      () =>
        existsSync(join(dir, 'events')) &&
        readFileSync(join(dir, 'events'), 'utf8').includes('real web 10.4.1.2 down up\n'),
      { timeoutMs: 15_000 },
    );
    // No first verdict ran it (a busy lab may flap a real server, which is an event).
    expect(readFileSync(join(dir, 'events'), 'utf8')).not.toMatch(/ unknown$/m);
    writeFileSync(join(dir, 'weight'), '2\n');
    await until('10.4.1.3 at its new weight', table(1, 0, 2), 15_000);
    state('10.4.1.2', '0\n');
    await until('10.4.1.2 back', table(1, 1, 2), 15_000);
    // A file gone is down.
    writeFileSync(join(dir, '10.4.1.1.state'), '');
    await until('10.4.1.1 out: its file is empty', table(0, 1, 2), 15_000);
    const reason = async () => {
      const r = await callApi(`unix://${dir}/api.sock`, 'GET', '/status');
      return (JSON.parse(r.body) as DaemonStatus).reals.find((x) => x.address === '10.4.1.1')
        ?.reason;
    };
    await eventually(
      'the empty file named as the reason',
      async () => (await reason()) === `${dir}/10.4.1.1.state: empty, not a number`,
      {
        timeoutMs: 15_000,
        explain: async () => `reason: ${await reason()}`,
      },
    );
    // Either of the two checks failing takes 10.4.1.4 out.
    writeFileSync(join(dir, 'b'), '1\n');
    await until('10.4.1.4 out: its second check fails', table(0, 1, 2, 0), 15_000);
    writeFileSync(join(dir, 'b'), '0\n');
    await until('10.4.1.4 back', table(0, 1, 2, 1), 15_000);
    writeFileSync(join(dir, 'a'), '1\n');
    await until('10.4.1.4 out: its first check fails', table(0, 1, 2, 0), 15_000);
    // The sorry server: out while its service's real server is up, in once it is down.
    const sorry = async () => of(await ipvsadm(), '198.51.100.41');
    const sorryTable = (real: number, sorryIn: boolean) =>
      '-A -t 198.51.100.41:80 -s wlc\n' +
      `-a -t 198.51.100.41:80 -r 10.4.2.1:80 -g -w ${real}\n` +
      (sorryIn ? '-a -t 198.51.100.41:80 -r 10.4.2.9:80 -g -w 3\n' : '');
    const sorryIs = (what: string, want: string) =>
      eventually(what, async () => (await sorry()) === want, {
        timeoutMs: 15_000,
        explain: async () => `ipvsadm:\n${await ipvsadm()}`,
      });
    await sorryIs(
      'the sorry service with its real server up, no sorry server',
      sorryTable(1, false),
    );
    state('10.4.2.1', '1\n');
    await sorryIs('the sorry server in, the real server at 0', sorryTable(0, true));
    state('10.4.2.1', '0\n');
    await sorryIs('the sorry server out again', sorryTable(1, false));
    daemon.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
