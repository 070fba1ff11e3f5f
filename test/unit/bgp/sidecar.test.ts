import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GobgpSidecar, gobgpdLevel } from '../../../src/bgp/sidecar.js';
import { CliError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';

describe('spawned sidecar', () => {
  it('without gobgpd: fails with the apt command and exit 4, having written nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'acd-sidecar-')), 'state');
    const sidecar = new GobgpSidecar({
      speaker: { asn: 65001, routerId: '10.0.0.1' },
      stateDir: dir,
      binary: '/nonexistent/gobgpd',
      log: createLogger({ level: 'silent' }),
    });
    const err = await sidecar.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(4);
    expect((err as CliError).message).toContain('apt-get install gobgpd');
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });
});

/** A stand-in for gobgpd: a shell script with the given body. */
function fakeGobgpd(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'acd-fake-gobgpd-'));
  const path = join(dir, 'gobgpd');
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

function sidecarWith(binary: string, socketWaitMs?: number) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'info',
    destination: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) },
  });
  const sidecar = new GobgpSidecar({
    speaker: { asn: 65001, routerId: '10.0.0.1' },
    stateDir: mkdtempSync(join(tmpdir(), 'acd-sidecar-')),
    binary,
    log,
    socketWaitMs,
  });
  return { sidecar, lines };
}

describe('spawned sidecar at start', () => {
  it('a gobgpd that exits at once: start fails naming the exit code, and it is not restarted', async () => {
    const { sidecar } = sidecarWith(fakeGobgpd('exit 3'));
    await expect(sidecar.start()).rejects.toThrow('gobgpd exited with code 3 at start');
    // The restart delay is 200 ms: a restart would have happened by now.
    await new Promise((r) => setTimeout(r, 600));
    expect(sidecar.starts).toBe(1);
  });

  it('a gobgpd slow to open its socket: start carries on after the wait, saying so, and stop ends it', async () => {
    const { sidecar, lines } = sidecarWith(fakeGobgpd('exec sleep 60'), 300);
    const from = Date.now();
    await sidecar.start();
    expect(Date.now() - from).toBeGreaterThanOrEqual(300);
    expect(lines.find((l) => l.event === 'sidecar_slow')).toMatchObject({ level: 'warn' });
    const pid = sidecar.pid;
    expect(pid).toBeGreaterThan(0);
    await sidecar.stop();
    expect(sidecar.pid).toBeUndefined();
    expect(() => process.kill(pid ?? 0, 0)).toThrow(/ESRCH/);
  });
});

describe("gobgpd's log lines", () => {
  it('keep their level, except warnings that are normal BGP life', () => {
    expect(gobgpdLevel('warning', 'restart flag is not set')).toBe('info');
    expect(gobgpdLevel('warning', 'active conn is closed to avoid being blocked')).toBe('info');
    expect(gobgpdLevel('warning', 'hold timer expired')).toBe('warn');
    expect(gobgpdLevel('warning', 'received notification')).toBe('warn');
    expect(gobgpdLevel('error', 'restart flag is not set')).toBe('error');
    expect(gobgpdLevel('info', 'Peer Up')).toBe('info');
    expect(gobgpdLevel('debug', undefined)).toBe('debug');
    expect(gobgpdLevel('panic', 'x')).toBe('error');
  });
});
