import { afterAll, describe, expect, it } from 'vitest';
import { anycastd } from '../lab/cli.js';
import { run } from '../lab/exec.js';
import * as lab from '../lab/targets.js';

afterAll(lab.closeAll);

describe('anycastd check', () => {
  it('runs a check once: exit 0 and what it saw when it passes', async () => {
    const srv = await lab.httpServer((req, res) => {
      res.statusCode = req.url === '/healthz' && req.headers['x-probe'] === 'yes' ? 204 : 500;
      res.end();
    });
    const r = await anycastd([
      'check',
      'http',
      `127.0.0.1:${srv.port}`,
      'path=/healthz',
      'headers.X-Probe=yes',
      'status=[200,204]',
    ]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^pass {2}status 204 {2}\(\d+\.\d ms\)\n$/);
  });

  it('exits 1 with the reason when the check fails, and prints JSON when asked', async () => {
    const port = await lab.closedPort();
    const r = await anycastd(['check', 'tcp', `127.0.0.1:${port}`, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      reason: 'ECONNREFUSED (connection refused)',
    });
  });

  it('exits 3 naming each bad field, and 2 for a malformed command line', async () => {
    const bad = await anycastd(['check', 'http', '127.0.0.1:80', 'rise=0', 'colour=red']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toBe(
      'anycastd: invalid check:\n  rise: must be at least 1, got 0\n  colour: unknown field\n',
    );
    const usage = await anycastd(['check', 'tcp', '10.0.0.300:80']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('"10.0.0.300:80" is not an IP address (or address:port)');
    expect((await anycastd(['check', 'tcp', '[::1]:99999'])).stderr).toContain(
      '"99999" in "[::1]:99999" is not a port (1-65535)',
    );
    expect((await anycastd(['check', 'tcp', '::1', 'interval'])).stderr).toContain(
      '"interval" is not field=value',
    );
  });

  it('gives the same verdicts on the fallback socket path (ANYCASTD_FAST_CONNECT=0)', async () => {
    const srv = await lab.tcpServer('accept');
    const env = { ...process.env, ANYCASTD_FAST_CONNECT: '0' };
    const up = await run(
      process.execPath,
      ['dist/main.js', 'check', 'tcp', `127.0.0.1:${srv.port}`, '--json'],
      { env },
    );
    expect(JSON.parse(up.stdout)).toMatchObject({ ok: true, reason: 'connected' });
    const port = await lab.closedPort();
    const down = await run(
      process.execPath,
      ['dist/main.js', 'check', 'tcp', `127.0.0.1:${port}`, '--json'],
      {
        env,
        allowFailure: true,
      },
    );
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({
      ok: false,
      reason: 'ECONNREFUSED (connection refused)',
    });
  });

  it('watches: prints each result and the change of state until interrupted', async () => {
    const srv = await lab.tcpServer('accept');
    const stop = new AbortController();
    const running = anycastd(
      [
        'check',
        'tcp',
        `127.0.0.1:${srv.port}`,
        'interval=100ms',
        'timeout=50ms',
        'rise=2',
        '--watch',
      ],
      '',
      stop.signal,
    );
    await new Promise((r) => setTimeout(r, 450));
    stop.abort();
    const r = await running;
    expect(r.code).toBe(130);
    const lines = r.stdout.trim().split('\n');
    expect(
      lines.filter((l) => /^\d\d:\d\d:\d\d\.\d{3} {2}pass {2}connected/.test(l)).length,
    ).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => l.includes('state')).map((l) => l.slice(14))).toEqual([
      'state unknown -> up',
    ]);
  });
});
