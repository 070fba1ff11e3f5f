import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as lab from '../../lab/targets.js';
import { probeOnce } from './run-probe.js';

afterAll(lab.closeAll);

describe('tcp check', () => {
  it('is up when the port accepts, down when refused, and names the error', async () => {
    const srv = await lab.tcpServer('accept');
    expect(await probeOnce({ type: 'tcp', port: srv.port })).toMatchObject({
      ok: true,
      reason: 'connected',
    });
    expect(await probeOnce({ type: 'tcp', port: await lab.closedPort() })).toMatchObject({
      ok: false,
      reason: 'ECONNREFUSED (connection refused)',
    });
  });

  it('sends a payload and waits for the expected reply, or times out', async () => {
    const echo = await lab.tcpServer('echo');
    expect(
      await probeOnce({ type: 'tcp', port: echo.port, send: 'PING\r\n', expect: 'PING' }),
    ).toMatchObject({ ok: true });
    const silent = await lab.tcpServer('silent');
    const r = await probeOnce({
      type: 'tcp',
      port: silent.port,
      send: 'PING',
      expect: 'PONG',
      timeout: '200ms',
    });
    expect(r).toMatchObject({ ok: false, reason: 'timeout after 200ms waiting for reply' });
    expect(r.ms).toBeGreaterThanOrEqual(195);
    expect(r.ms).toBeLessThan(600);
  });

  it('fails on a reset and on a close without the expected reply', async () => {
    const reset = await lab.tcpServer('reset');
    expect(
      await probeOnce({ type: 'tcp', port: reset.port, send: 'x', expect: 'y' }),
    ).toMatchObject({ ok: false });
    const closing = await lab.tcpServer((s) => s.end('NOPE'));
    expect(await probeOnce({ type: 'tcp', port: closing.port, expect: 'OK' })).toMatchObject({
      ok: false,
      reason: 'connection closed after 4 bytes without the expected reply',
    });
  });

  it('connects from the given source address, and fails when it is not local', async () => {
    const srv = await lab.tcpServer((s) => s.end(`${s.remoteAddress}\n`));
    // With a payload the check reads the reply: the server names our address.
    expect(
      await probeOnce({ type: 'tcp', port: srv.port, source: '127.0.0.7', expect: '127.0.0.7\n' }),
    ).toMatchObject({ ok: true });
    expect(await probeOnce({ type: 'tcp', port: srv.port, source: '127.0.0.7' })).toMatchObject({
      ok: true,
    });
    for (const expect_ of [undefined, 'x']) {
      expect(
        await probeOnce({ type: 'tcp', port: srv.port, source: '192.0.2.1', expect: expect_ }),
      ).toMatchObject({
        ok: false,
        reason: 'EADDRNOTAVAIL (source address not available)',
      });
    }
  });
});

describe('http check', () => {
  it('passes on the expected status and fails on another, naming it', async () => {
    const srv = await lab.httpServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? 200 : 503;
      res.end('ok');
    });
    expect(await probeOnce({ type: 'http', port: srv.port, path: '/healthz' })).toMatchObject({
      ok: true,
      reason: 'status 200',
    });
    expect(await probeOnce({ type: 'http', port: srv.port, path: '/other' })).toMatchObject({
      ok: false,
      reason: 'status 503',
    });
    expect(
      await probeOnce({ type: 'http', port: srv.port, path: '/other', status: ['500-503'] }),
    ).toMatchObject({ ok: true });
  });

  it('sends the method, Host and extra headers', async () => {
    let seen: Record<string, unknown> = {};
    const srv = await lab.httpServer((req, res) => {
      seen = { method: req.method, host: req.headers.host, probe: req.headers['x-probe'] };
      res.end();
    });
    await probeOnce({
      type: 'http',
      port: srv.port,
      method: 'HEAD',
      host: 'www.example',
      headers: { 'X-Probe': '1' },
    });
    expect(seen).toEqual({ method: 'HEAD', host: 'www.example', probe: '1' });
  });

  it('matches the body, and fails on a wrong one or a forbidden one', async () => {
    const srv = await lab.httpServer((req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      if (req.url === '/chunked') {
        res.write('status: ');
        setTimeout(() => res.end('degraded'), 20);
      } else res.end('status: ok');
    });
    expect(
      await probeOnce({ type: 'http', port: srv.port, body_match: 'status: ok' }),
    ).toMatchObject({ ok: true });
    expect(
      await probeOnce({ type: 'http', port: srv.port, path: '/chunked', body_match: 'ok$' }),
    ).toMatchObject({
      ok: false,
      reason: 'status 200, body does not match /ok$/',
    });
    expect(
      await probeOnce({
        type: 'http',
        port: srv.port,
        path: '/chunked',
        body_not_match: 'degraded',
      }),
    ).toMatchObject({
      ok: false,
      reason: 'status 200, body matches /degraded/',
    });
  });

  it("checks the body's MD5, as keepalived's digest, and only of the whole body", async () => {
    const body = 'status: ok\n';
    const md5 = createHash('md5').update(body).digest('hex');
    const srv = await lab.httpServer((req, res) =>
      res.end(req.url === '/big' ? 'x'.repeat(5000) : body),
    );
    expect(
      await probeOnce({ type: 'http', port: srv.port, body_md5: md5.toUpperCase() }),
    ).toMatchObject({
      ok: true,
    });
    const other = createHash('md5').update('other').digest('hex');
    expect(await probeOnce({ type: 'http', port: srv.port, body_md5: other })).toMatchObject({
      ok: false,
      reason: `status 200, body MD5 ${md5}, not ${other}`,
    });
    expect(
      await probeOnce({
        type: 'http',
        port: srv.port,
        path: '/big',
        body_md5: md5,
        max_body_bytes: 1000,
      }),
    ).toMatchObject({
      ok: false,
      reason: 'status 200, body longer than max_body_bytes 1000: no MD5',
    });
  });

  it('reads no more body than allowed', async () => {
    const srv = await lab.httpServer((_req, res) => res.end(`${'x'.repeat(100_000)}MARK`));
    expect(
      await probeOnce({ type: 'http', port: srv.port, body_match: 'MARK', max_body_bytes: 1000 }),
    ).toMatchObject({ ok: false });
    expect(
      await probeOnce({
        type: 'http',
        port: srv.port,
        body_match: 'MARK',
        max_body_bytes: 200_000,
      }),
    ).toMatchObject({ ok: true });
  });

  it('times out on a slow server and fails on a reset or a non-HTTP reply', async () => {
    const slow = await lab.httpServer((_req, res) => setTimeout(() => res.end(), 2000));
    expect(await probeOnce({ type: 'http', port: slow.port, timeout: '300ms' })).toMatchObject({
      ok: false,
      reason: 'timeout after 300ms',
    });
    const reset = await lab.tcpServer((s) => s.once('data', () => s.resetAndDestroy()));
    expect((await probeOnce({ type: 'http', port: reset.port })).reason).toMatch(
      /ECONNRESET|closed before/,
    );
    const ssh = await lab.tcpServer((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    expect(await probeOnce({ type: 'http', port: ssh.port })).toMatchObject({
      ok: false,
      reason: 'not an HTTP response: "SSH-2.0-OpenSSH_9.2"',
    });
  });
});

describe('https check', () => {
  const cert = lab.selfSigned('health.test');

  it('passes without verification, fails verification of a self-signed certificate unless trusted', async () => {
    const srv = await lab.httpsServer(cert);
    expect(await probeOnce({ type: 'https', port: srv.port })).toMatchObject({
      ok: true,
      reason: 'status 200',
    });
    const unverified = await probeOnce({
      type: 'https',
      port: srv.port,
      tls: { verify: true, sni: 'health.test' },
    });
    expect(unverified.ok).toBe(false);
    expect(unverified.reason).toMatch(/^TLS: self[- ]signed certificate/);
    expect(
      await probeOnce({
        type: 'https',
        port: srv.port,
        tls: { verify: true, sni: 'health.test', ca: cert.certFile },
      }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('fails verification when the SNI name is not the certificate name', async () => {
    const srv = await lab.httpsServer(cert);
    const r = await probeOnce({
      type: 'https',
      port: srv.port,
      tls: { verify: true, sni: 'other.test', ca: cert.certFile },
    });
    expect(r).toMatchObject({ ok: false });
    expect(r.reason).toContain("Host: other.test. is not in the cert's altnames");
  });

  it('presents a client certificate when the server requires one', async () => {
    const client = lab.selfSigned('client.test');
    const srv = await lab.httpsServer(cert, { requestCert: true, ca: client.cert });
    expect((await probeOnce({ type: 'https', port: srv.port })).ok).toBe(false);
    expect(
      await probeOnce({
        type: 'https',
        port: srv.port,
        tls: { cert: client.certFile, key: client.keyFile },
      }),
    ).toMatchObject({ ok: true });
  });

  it('fails every run with the reason when a TLS file cannot be read', async () => {
    expect(
      await probeOnce({ type: 'https', port: 1, tls: { ca: '/nonexistent/ca.pem' } }),
    ).toMatchObject({
      ok: false,
      reason: 'cannot read TLS ca file /nonexistent/ca.pem: ENOENT',
    });
  });

  it('fails when the server speaks plain HTTP', async () => {
    const plain = await lab.httpServer((_q, s) => s.end());
    const r = await probeOnce({ type: 'https', port: plain.port });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^TLS: |ECONNRESET/);
  });
});

describe('udp check', () => {
  it('matches exact, prefix and regex replies', async () => {
    const echo = await lab.udpServer((m) => Buffer.concat([Buffer.from('OK '), m]));
    expect(
      await probeOnce({ type: 'udp', port: echo.port, send: 'ping', expect: 'OK ping' }),
    ).toMatchObject({ ok: true });
    expect(
      await probeOnce({
        type: 'udp',
        port: echo.port,
        send: 'ping',
        expect: 'OK',
        match: 'prefix',
      }),
    ).toMatchObject({ ok: true });
    expect(
      await probeOnce({
        type: 'udp',
        port: echo.port,
        send: 'ping',
        expect: '^OK p.ng$',
        match: 'regex',
      }),
    ).toMatchObject({ ok: true });
    expect(
      await probeOnce({ type: 'udp', port: echo.port, send: 'ping', expect: 'KO' }),
    ).toMatchObject({
      ok: false,
      reason: 'unexpected reply of 7 bytes',
    });
    expect(
      await probeOnce({
        type: 'udp',
        port: echo.port,
        send: '0001ff',
        payload: 'hex',
        expect: '4f4b200001ff',
      }),
    ).toMatchObject({
      ok: true,
    });
  });

  it('treats ICMP port unreachable as down at once', async () => {
    const r = await probeOnce({
      type: 'udp',
      port: await lab.closedPort(),
      send: 'ping',
      timeout: '2s',
      interval: '5s',
    });
    expect(r).toMatchObject({ ok: false, reason: 'ICMP port unreachable' });
    expect(r.ms).toBeLessThan(500);
  });

  it('fails on silence, or passes when silence is accepted', async () => {
    const mute = await lab.udpServer(() => undefined);
    expect(
      await probeOnce({ type: 'udp', port: mute.port, send: 'x', timeout: '200ms' }),
    ).toMatchObject({
      ok: false,
      reason: 'no reply within 200ms',
    });
    expect(
      await probeOnce({
        type: 'udp',
        port: mute.port,
        send: 'x',
        timeout: '200ms',
        silence_is_up: true,
      }),
    ).toMatchObject({
      ok: true,
      reason: 'no reply (silence accepted)',
    });
  });
});

describe('dns check', () => {
  const zone = new Map<string, lab.DnsRecord[]>([
    ['www.example.test', [{ type: 1, rdata: Buffer.from([192, 0, 2, 10]) }]],
  ]);

  it('passes on NOERROR with the expected answer over UDP and TCP', async () => {
    const srv = await lab.dnsServer(zone);
    for (const transport of ['udp', 'tcp']) {
      expect(
        await probeOnce({
          type: 'dns',
          port: srv.port,
          transport,
          name: 'www.example.test',
          answer: '192.0.2.10',
        }),
      ).toMatchObject({
        ok: true,
        reason: 'NOERROR, 1 answer',
      });
    }
  });

  it('fails on a missing answer or another rcode, and can expect NXDOMAIN', async () => {
    const srv = await lab.dnsServer(zone);
    expect(
      await probeOnce({
        type: 'dns',
        port: srv.port,
        name: 'www.example.test',
        answer: '192.0.2.99',
      }),
    ).toMatchObject({
      ok: false,
      reason: 'answer 192.0.2.99 not in response (192.0.2.10)',
    });
    expect(
      await probeOnce({ type: 'dns', port: srv.port, name: 'nope.example.test' }),
    ).toMatchObject({
      ok: false,
      reason: 'NXDOMAIN, expected NOERROR',
    });
    expect(
      await probeOnce({
        type: 'dns',
        port: srv.port,
        name: 'nope.example.test',
        rcode: 'NXDOMAIN',
      }),
    ).toMatchObject({ ok: true });
    const broken = await lab.dnsServer(zone, { rcode: 2 });
    expect(
      await probeOnce({ type: 'dns', port: broken.port, name: 'www.example.test' }),
    ).toMatchObject({
      ok: false,
      reason: 'SERVFAIL, expected NOERROR',
    });
  });

  it('fails at once when nothing listens', async () => {
    expect(
      await probeOnce({ type: 'dns', port: await lab.closedPort(), name: 'x.test' }),
    ).toMatchObject({
      ok: false,
      reason: 'ICMP port unreachable',
    });
  });
});

describe('grpc check', () => {
  it('is up only for SERVING and names the other states', async () => {
    const statuses = new Map([
      ['', 1],
      ['api', 2],
    ]);
    const srv = await lab.grpcHealthServer(statuses);
    expect(await probeOnce({ type: 'grpc', port: srv.port })).toMatchObject({
      ok: true,
      reason: 'SERVING',
    });
    expect(await probeOnce({ type: 'grpc', port: srv.port, service: 'api' })).toMatchObject({
      ok: false,
      reason: 'NOT_SERVING',
    });
    expect(await probeOnce({ type: 'grpc', port: srv.port, service: 'missing' })).toMatchObject({
      ok: false,
      reason: 'NOT_FOUND: unknown service missing',
    });
  });

  it('refuses a response larger than a health response can be, without taking it whole', async () => {
    const srv = await lab.grpcHealthServer(new Map([['', -1]]));
    const r = await probeOnce({ type: 'grpc', port: srv.port });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(
      /^RESOURCE_EXHAUSTED: Received message larger than max \(\d+ vs 4096\)/,
    );
  });

  it('fails when nothing listens', async () => {
    const r = await probeOnce({ type: 'grpc', port: await lab.closedPort() });
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/^UNAVAILABLE/);
  });
});

describe('exec check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anycastd-exec-'));
  // The checks run as nobody by default: it must reach the scripts and write its markers.
  chmodSync(dir, 0o1777);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string) => {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  it('passes on exit 0 with the target in its environment, fails otherwise with the output', async () => {
    const file = script(
      'env.sh',
      '[ "$ANYCASTD_TARGET_ADDRESS:$ANYCASTD_TARGET_PORT:$EXTRA" = "127.0.0.1:8080:yes" ] || { echo "got $ANYCASTD_TARGET_ADDRESS"; exit 3; }',
    );
    expect(
      await probeOnce({ type: 'exec', port: 8080, command: [file], env: { EXTRA: 'yes' } }),
    ).toMatchObject({ ok: true, reason: 'exit 0' });
    expect(await probeOnce({ type: 'exec', port: 8080, command: [file] })).toMatchObject({
      ok: false,
      reason: 'exit 3: got 127.0.0.1',
    });
  });

  it("runs in a clean environment: none of the daemon's variables, a PATH of its own", async () => {
    process.env.ANYCASTD_TEST_SECRET = 'hunter2';
    try {
      const failing = script('clean-fail.sh', 'env | sort | tr "\\n" " "; exit 1');
      const seen = await probeOnce({
        type: 'exec',
        port: 8080,
        command: [failing],
        env: { MINE: '1' },
      });
      expect(seen.reason).not.toContain('hunter2');
      expect(seen.reason).toContain('ANYCASTD_TARGET_ADDRESS=127.0.0.1');
      expect(seen.reason).toContain('MINE=1');
      expect(seen.reason).toContain(
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      );
      expect(seen.reason).not.toContain('HOME=');
    } finally {
      delete process.env.ANYCASTD_TEST_SECRET;
    }
  });

  it('judges by the exit, not by stdout closing: a background child holding it is no timeout', async () => {
    const file = script('bg.sh', 'setsid sleep 5 & echo started; exit 0');
    const started = performance.now();
    const r = await probeOnce({ type: 'exec', command: [file], timeout: '3s' });
    expect(r).toMatchObject({ ok: true, reason: 'exit 0' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('runs as nobody unless told otherwise, without supplementary groups; root only when asked', async () => {
    const file = script('id.sh', 'echo "$(id -u):$(id -g):$(id -G)"; exit 1');
    expect((await probeOnce({ type: 'exec', command: [file] })).reason).toBe(
      'exit 1: 65534:65534:65534',
    );
    expect((await probeOnce({ type: 'exec', command: [file], user: 'root' })).reason).toBe(
      'exit 1: 0:0:0',
    );
    expect(
      (await probeOnce({ type: 'exec', command: [file], user: 'nobody', group: 'root' })).reason,
    ).toBe('exit 1: 65534:0:0');
    expect(await probeOnce({ type: 'exec', command: [file], user: 'no-such-user' })).toMatchObject({
      ok: false,
      reason: `cannot run ${file}: user "no-such-user" is not in /etc/passwd`,
    });
  });

  it('passes arguments without a shell', async () => {
    const file = script('args.sh', '[ "$1" = "a b;c" ] && [ "$#" = 1 ]');
    expect(await probeOnce({ type: 'exec', command: [file, 'a b;c'] })).toMatchObject({ ok: true });
  });

  /** Waits until `pid` is no longer in /proc (killed and reaped), or says what it still is. */
  async function gone(pidFile: string, withinMs: number): Promise<string> {
    const pid = readFileSync(pidFile, 'utf8').trim();
    const until = performance.now() + withinMs;
    for (;;) {
      if (!existsSync(`/proc/${pid}/stat`)) return 'gone';
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '?';
      if (performance.now() > until) return `pid ${pid} still there, state ${state}`;
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  it('kills a program that runs past the timeout, with what it started', async () => {
    const marker = join(dir, 'child.pid');
    const file = script('slow.sh', `sleep 30 & echo $! > ${marker}; wait`);
    const r = await probeOnce({ type: 'exec', command: [file], timeout: '300ms' });
    expect(r).toMatchObject({ ok: false, reason: 'timeout after 300ms, killed' });
    // Not left running, and not left a zombie either: this process reaps what it adopts.
    expect(await gone(marker, 3_000)).toBe('gone');
  });

  it('kills at the timeout a child that left the process group with setsid', async () => {
    const marker = join(dir, 'setsid-timeout.pid');
    const file = script(
      'setsid-slow.sh',
      `setsid sh -c 'echo $$ > ${marker}; exec sleep 30' & sleep 30`,
    );
    const r = await probeOnce({ type: 'exec', command: [file], timeout: '300ms' });
    expect(r).toMatchObject({ ok: false, reason: 'timeout after 300ms, killed' });
    expect(await gone(marker, 3_000)).toBe('gone');
  });

  it('kills what a passing program left behind: setsid, double fork, and their children', async () => {
    const escaped = join(dir, 'escaped.pid');
    const grandchild = join(dir, 'grandchild.pid');
    const forked = join(dir, 'forked.pid');
    const file = script(
      'leaves.sh',
      [
        `setsid sh -c 'sleep 30 & echo $! > ${grandchild}; echo $$ > ${escaped}; wait' &`,
        `(sleep 30 & echo $! > ${forked}) &`,
        `while [ ! -s ${escaped} ] || [ ! -s ${grandchild} ] || [ ! -s ${forked} ]; do sleep 0.05; done`,
        'exit 0',
      ].join('\n'),
    );
    const r = await probeOnce({ type: 'exec', command: [file], timeout: '3s' });
    expect(r).toMatchObject({ ok: true, reason: 'exit 0' });
    expect(await gone(escaped, 3_000)).toBe('gone');
    expect(await gone(grandchild, 3_000)).toBe('gone');
    expect(await gone(forked, 3_000)).toBe('gone');
  });

  it('leaves alone a child of ours that no check started', async () => {
    const other = spawn('sleep', ['30'], { stdio: 'ignore', detached: true });
    try {
      const file = script('quick.sh', 'exit 0');
      expect(await probeOnce({ type: 'exec', command: [file] })).toMatchObject({ ok: true });
      await new Promise((res) => setTimeout(res, 300));
      expect(other.exitCode).toBeNull();
      expect(other.signalCode).toBeNull();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('maps exit codes to weights with dynamic weight', async () => {
    const file = script('weight.sh', 'exit "$1"');
    const zero = await probeOnce({ type: 'exec', command: [file, '0'], dynamic_weight: true });
    expect(zero.ok).toBe(true);
    expect(zero.weight).toBeUndefined();
    expect(
      await probeOnce({ type: 'exec', command: [file, '1'], dynamic_weight: true }),
    ).toMatchObject({ ok: false });
    expect(
      await probeOnce({ type: 'exec', command: [file, '12'], dynamic_weight: true }),
    ).toMatchObject({ ok: true, weight: 10 });
  });

  it('fails with the reason when the program cannot run', async () => {
    expect(await probeOnce({ type: 'exec', command: [join(dir, 'missing')] })).toMatchObject({
      ok: false,
      reason: `cannot run ${join(dir, 'missing')}: ENOENT`,
    });
  });
});

describe('file check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acd-file-check-'));
  const at = (name: string, text?: string) => {
    const path = join(dir, name);
    if (text !== undefined) writeFileSync(path, text);
    return path;
  };

  it('status: 0 passes, another number fails, anything else fails naming it', async () => {
    expect(await probeOnce({ type: 'file', path: at('ok', '0\n') })).toMatchObject({
      ok: true,
      reason: `${dir}/ok: 0`,
    });
    expect(await probeOnce({ type: 'file', path: at('out', '1\n') })).toMatchObject({
      ok: false,
      reason: `${dir}/out: 1`,
    });
    expect(await probeOnce({ type: 'file', path: at('junk', 'maintenance') })).toMatchObject({
      ok: false,
      reason: `${dir}/junk: "maintenance", not a number`,
    });
    expect(await probeOnce({ type: 'file', path: at('empty', '') })).toMatchObject({
      ok: false,
      reason: `${dir}/empty: empty, not a number`,
    });
  });

  it('weight: the number is the weight; a missing file is down unless missing: up', async () => {
    expect(await probeOnce({ type: 'file', mode: 'weight', path: at('w', '25\n') })).toMatchObject({
      ok: true,
      weight: 25,
    });
    expect(await probeOnce({ type: 'file', mode: 'weight', path: at('neg', '-3') })).toMatchObject({
      ok: false,
      reason: `${dir}/neg: weight -3 is not in 0..2147483647`,
    });
    expect(await probeOnce({ type: 'file', path: at('gone') })).toMatchObject({
      ok: false,
      reason: `${dir}/gone: no such file`,
    });
    expect(await probeOnce({ type: 'file', path: at('gone'), missing: 'up' })).toMatchObject({
      ok: true,
    });
  });

  it("puts the real server's address and port into the path", async () => {
    at('127.0.0.1-8080', '0');
    expect(
      await probeOnce({ type: 'file', path: `${dir}/{address}-{port}`, port: 8080 }),
    ).toMatchObject({ ok: true, reason: `${dir}/127.0.0.1-8080: 0` });
  });

  it('reads only regular files: a FIFO no one writes fails at once, without blocking', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await probeOnce({ type: 'file', path: fifo, timeout: '500ms' });
    expect(r).toMatchObject({ ok: false, reason: `${fifo}: not a regular file` });
    expect(r.ms).toBeLessThan(400);
  });
});
