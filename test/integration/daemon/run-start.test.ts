/**
 * `anycastd run` as a process: a start that fails must end the process with
 * the reason, not leave a daemon running its checks with no API and no BGP.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = join(process.cwd(), 'dist/main.js');

function config(dir: string, gobgpd: string): string {
  const file = join(dir, 'anycastd.yaml');
  writeFileSync(
    file,
    `director: {name: start-test, router_id: 10.0.0.1}
api: {listen: "unix://${dir}/api.sock"}
state_file: ${dir}/state.json
bgp:
  asn: 65001
  sidecar: {mode: spawn, state_dir: ${dir}/gobgp, binary: ${gobgpd}}
  peers: [{address: 127.0.0.2, asn: 65000}]
services:
  - name: web
    vip: 198.51.100.10
    ports: [{port: 80}]
    check: {type: tcp, port: 9, interval: 200ms, timeout: 100ms}
    reals: [{address: 127.0.0.1}]
`,
  );
  return file;
}

function runDaemon(
  file: string,
  softFdLimit?: number,
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const from = Date.now();
  const argv = [process.execPath, MAIN, 'run', '--config', file];
  const child =
    softFdLimit === undefined
      ? spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -Sn ${softFdLimit} && exec "$@"`, 'bash', ...argv], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr, ms: Date.now() - from });
    }),
  );
}

/** Exited by itself, non-zero, with nothing left running (not by main's last-resort exit nor the 30 s kill). */
function expectFailedStart(r: { code: number | null; stderr: string; ms: number }): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stderr).not.toContain('work left pending');
  expect(r.ms).toBeLessThan(30_000);
}

describe('anycastd run start-up', () => {
  it('exits non-zero, saying why, when gobgpd dies at start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-run-start-'));
    const gobgpd = join(dir, 'gobgpd');
    writeFileSync(gobgpd, '#!/bin/sh\necho "bad listen address" >&2\nexit 2\n', { mode: 0o755 });
    const r = await runDaemon(config(dir, gobgpd));
    expect(r.stderr).toContain('gobgpd exited with code 2 at start');
    expectFailedStart(r);
  }, 40_000);

  it("raises its open-file soft limit to the hard limit and sizes the checks' share by it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-run-start-'));
    const gobgpd = join(dir, 'gobgpd');
    writeFileSync(gobgpd, '#!/bin/sh\nexit 2\n', { mode: 0o755 });
    const r = await runDaemon(config(dir, gobgpd), 200);
    const line = r.stderr.split('\n').find((l) => l.includes('"event":"descriptors"'));
    expect(line, r.stderr).toBeDefined();
    const d = JSON.parse(line ?? '{}') as {
      soft: number;
      hard: number;
      was: number;
      checks: number;
    };
    const hard = Number(
      /Max open files\s+\d+\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1],
    );
    // Node itself raises the soft limit at start-up where it can; either way it ends at the hard one.
    expect(d.was).toBeGreaterThanOrEqual(200);
    expect(d.hard).toBe(hard);
    expect(d.soft).toBe(hard);
    expect(d.checks).toBe(Math.max(16, hard - 256 - Math.floor(hard / 10)));
    expectFailedStart(r);
  }, 40_000);

  it('exits non-zero, naming the address, when the API cannot listen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acd-run-start-'));
    const gobgpd = join(dir, 'gobgpd');
    // Opens its "socket" (a plain file will do for the wait) and idles.
    writeFileSync(
      gobgpd,
      '#!/bin/sh\nfor a; do case $a in --api-hosts=unix://*) : > "${a#--api-hosts=unix://}";; esac; done\nexec sleep 120\n',
      { mode: 0o755 },
    );
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    const file = config(dir, gobgpd);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(`"unix://${dir}/api.sock"`, `"127.0.0.1:${port}"`),
    );
    const r = await runDaemon(file);
    busy.close();
    expect(r.stderr).toContain(`api.listen: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    expect(r.stderr).toContain('"event":"daemon_stopped"');
    expectFailedStart(r);
  }, 40_000);
});
