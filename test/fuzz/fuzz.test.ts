/**
 * Fuzzing, for a bounded time and from a seed ($ANYCASTD_FUZZ_SEED; the
 * seed is in every failure, so a run can be replayed): configurations
 * mutated from the project's own valid ones, through the parser and the
 * built `validate`; raw API requests and refused reloads against a running
 * daemon (in a network namespace with only loopback, so nothing a mutant
 * names is reached), which must go on answering /status within 100 ms.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callApi } from '../../src/api/client.js';
import { parseConfigText } from '../../src/config/load.js';
import type { DaemonStatus } from '../../src/daemon/daemon.js';
import { run } from '../lab/exec.js';
import { useNetnsLab } from '../lab/vitest.js';
import { mutateConfig } from './mutate-config.js';
import { Rng, fuzzSeed } from './random.js';
import { sendRaw } from './raw-http.js';
import { randomRequest } from './requests.js';

const MAIN = join(process.cwd(), 'dist/main.js');
const SECONDS = Number(process.env.ANYCASTD_FUZZ_SECONDS ?? '40');
const SEED = fuzzSeed();
/** What the built program may take for one file. */
const VALIDATE_MS = 20_000;
const VALIDATE_RSS_MIB = 512;
/** The daemon's whole resident memory, throughout. */
const DAEMON_RSS_MIB = 512;
const STATUS_MS = 100;
/** Where failing inputs are kept. */
const KEEP = join(process.cwd(), '.lab/fuzz-failures');
const POLLER = join(process.cwd(), 'test/fuzz/status-poller.mjs');

const seeds = [
  'examples/anycastd.yaml',
  'examples/demo/director1.yaml',
  'examples/demo/director2.yaml',
].map((f) => readFileSync(f, 'utf8'));

interface Failure {
  input: number;
  what: string;
  why: string;
}

function report(failures: Failure[], inputs: number): string {
  return (
    `seed ${SEED} (replay: ANYCASTD_FUZZ_SEED=${SEED}), ${inputs} inputs, ${failures.length} failed:\n` +
    failures
      .slice(0, 20)
      .map((f) => `  #${f.input} ${f.what}: ${f.why}`)
      .join('\n')
  );
}

describe(`fuzz (seed ${SEED}, ${SECONDS} s a part)`, () => {
  it(
    'mutated configurations: the parser answers every one with a configuration or problems',
    () => {
      const rng = new Rng(SEED);
      const failures: Failure[] = [];
      const until = performance.now() + SECONDS * 1000;
      let n = 0;
      for (; performance.now() < until; n++) {
        const text = mutateConfig(rng.pick(seeds), rng);
        const t0 = performance.now();
        try {
          const r = parseConfigText(text);
          if (!r.config && r.issues.length === 0)
            failures.push({ input: n, what: 'parse', why: 'refused with no problem named' });
          for (const i of r.issues ?? [])
            if (!i.message)
              failures.push({
                input: n,
                what: 'parse',
                why: `a problem without a message at ${i.path}`,
              });
        } catch (err) {
          failures.push({
            input: n,
            what: JSON.stringify(text.slice(0, 200)),
            why: `threw ${String(err)}`,
          });
        }
        const ms = performance.now() - t0;
        if (ms > 5_000)
          failures.push({ input: n, what: 'parse', why: `took ${Math.round(ms)} ms` });
      }
      console.log(`parser: ${n} mutated configurations`);
      expect(n).toBeGreaterThan(100);
      expect(failures, report(failures, n)).toEqual([]);
    },
    (SECONDS + 60) * 1000,
  );

  it(
    `the built validate: exit 0 or 3, within ${VALIDATE_MS} ms and ${VALIDATE_RSS_MIB} MiB`,
    async () => {
      const rng = new Rng(SEED + 1);
      const dir = mkdtempSync(join(tmpdir(), 'acd-fuzz-'));
      const failures: Failure[] = [];
      const until = performance.now() + SECONDS * 1000;
      let n = 0;
      // Two at a time: the machine has two cores.
      const worker = async () => {
        while (performance.now() < until) {
          const input = n++;
          const file = join(dir, `mutant-${input}.yaml`);
          const text = mutateConfig(rng.pick(seeds), rng);
          writeFileSync(file, text);
          const t0 = performance.now();
          const r = await run(
            '/usr/bin/time',
            ['-f', '__RSS__%M', process.execPath, MAIN, 'validate', '--config', file],
            { allowFailure: true, timeoutMs: VALIDATE_MS },
          );
          const ms = performance.now() - t0;
          const rss = Number(/__RSS__(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
          const what = `validate ${file}`;
          if (r.code !== 0 && r.code !== 3)
            failures.push({ input, what, why: `exit ${r.code}: ${r.stderr.slice(0, 300)}` });
          if (ms >= VALIDATE_MS) failures.push({ input, what, why: `took ${Math.round(ms)} ms` });
          if (!(rss < VALIDATE_RSS_MIB)) failures.push({ input, what, why: `peak RSS ${rss} MiB` });
          if (r.code === 3 && !/problem/.test(r.stderr))
            failures.push({
              input,
              what,
              why: `exit 3 without problems named: ${r.stderr.slice(0, 200)}`,
            });
        }
      };
      await Promise.all([worker(), worker()]);
      console.log(`validate: ${n} mutated files`);
      expect(n).toBeGreaterThan(10);
      expect(failures, report(failures, n)).toEqual([]);
    },
    (SECONDS + 120) * 1000,
  );

  describe('the running daemon', () => {
    const lab = useNetnsLab();

    it(
      `answers every request with 2xx or 4xx, refuses bad reloads, and /status within ${STATUS_MS} ms throughout`,
      async () => {
        const gobgpd = await run('sh', ['-c', 'command -v gobgpd'], { allowFailure: true });
        if (gobgpd.code !== 0)
          throw new Error(
            'gobgpd is missing: apt-get install gobgpd (./scripts/setup installs it)',
          );
        const ns = await lab().namespace('fuzz');
        const dir = mkdtempSync(join(tmpdir(), 'acd-fuzzd-'));
        const api = `unix://${dir}/api.sock`;
        const file = join(dir, 'anycastd.yaml');
        const base = `
director: {name: fuzz, router_id: 10.0.0.1}
api: {listen: "${api}"}
state_file: ${dir}/state.json
bgp:
  asn: 65001
  sidecar: {mode: spawn, state_dir: ${dir}/gobgp}
  peers: [{address: 10.0.0.2, asn: 65000}]
defaults:
  check: {type: tcp, port: 8080, interval: 2s, timeout: 500ms}
services:
  - name: web
    vip: 198.51.100.10
    ports: [{port: 80}]
    reals: [{address: 127.0.0.2}, {address: 127.0.0.3}]
  - name: dns
    vip: 198.51.100.53
    ports: [{port: 53, protocol: udp}]
    reals: [{address: 127.0.0.4}]
    check: {type: dns, port: 53, name: example.org}
`;
        writeFileSync(file, base);
        const daemon = ns.spawn(process.execPath, [MAIN, 'run', '--config', file]);
        const pid = daemon.child.pid as number;
        const status = async (): Promise<DaemonStatus> =>
          JSON.parse((await callApi(api, 'GET', '/status')).body) as DaemonStatus;
        for (let i = 0; ; i++) {
          try {
            await status();
            break;
          } catch {
            if (daemon.child.exitCode !== null || i > 300)
              throw new Error(`the daemon did not start:\n${daemon.output()}`);
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        const baseSha = (await status()).config?.sha256;
        expect(baseSha).toMatch(/^[0-9a-f]{64}$/);

        const rng = new Rng(SEED + 2);
        const failures: Failure[] = [];
        const mutant = () => mutateConfig(rng.chance(0.5) ? base : rng.pick(seeds), rng);
        const until = performance.now() + SECONDS * 1000;
        let n = 0;
        let refusedReloads = 0;
        let plansUnavailable = 0;

        // The watcher, a process of its own (the fuzzer's work must not delay a poll):
        // /status every 100 ms, timed, and the daemon's memory.
        // At a higher priority than anything else here: it is the instrument, and its own
        // wait for a CPU would count as the daemon's.
        const poller = spawn(
          'nice',
          ['-n', '-10', process.execPath, POLLER, `${dir}/api.sock`, '100', String(pid)],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let polled = '';
        poller.stdout.on('data', (c: Buffer) => (polled += c.toString()));

        // Reloads one at a time: the file is shared.
        let reloadLock: Promise<void> = Promise.resolve();
        const reload = (input: number) => {
          const next = reloadLock.then(async () => {
            let text = mutant();
            // Only refused files are reloaded: an accepted mutant would run its checks.
            if (parseConfigText(text).config) text = `${text}\nnot_a_field: 1\n`;
            writeFileSync(file, text);
            const before = refusedLogLines();
            if (rng.chance(0.5)) {
              const r = await callApi(api, 'POST', '/reload', {});
              if (r.status !== 422)
                failures.push({
                  input,
                  what: 'POST /reload of a refused file',
                  why: `status ${r.status}: ${r.body.slice(0, 200)}`,
                });
            } else {
              daemon.child.kill('SIGHUP');
            }
            refusedReloads++;
            // The refusal is logged (with its problems) before the next reload starts.
            for (let i = 0; refusedLogLines() <= before; i++) {
              if (i > 600) {
                failures.push({
                  input,
                  what: 'reload',
                  why: 'no reload_refused log line within 60 s',
                });
                break;
              }
              await new Promise((r) => setTimeout(r, 100));
            }
          });
          reloadLock = next;
          return next;
        };
        const refusedLogLines = () => daemon.output().split('"event":"reload_refused"').length - 1;

        const worker = async () => {
          while (performance.now() < until) {
            const input = n++;
            const kind = rng.int(10);
            if (kind < 2) {
              await reload(input);
              continue;
            }
            const req =
              kind < 5
                ? (() => {
                    const body = JSON.stringify({ config: mutant() });
                    return {
                      label: `POST /plan of a mutant (${body.length} B)`,
                      bytes: Buffer.from(
                        `POST /plan HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
                      ),
                    };
                  })()
                : randomRequest(rng, mutant);
            // The API drops a request not received within 10 s (408): allow for that and more.
            const r = await sendRaw(`${dir}/api.sock`, req.bytes, 20_000);
            // 503 is the one answer that is not about the request: a plan needs the kernel's
            // table, and this host has no IPVS (status says so; checked at the end).
            const unavailable = r.status === 503 && req.label.startsWith('POST /plan');
            if (unavailable) plansUnavailable++;
            if (!unavailable && (r.status === undefined || r.status < 200 || r.status >= 500)) {
              // Kept for replay: the exact bytes sent.
              const kept = join(KEEP, `seed-${SEED}-request-${input}.http`);
              mkdirSync(KEEP, { recursive: true });
              writeFileSync(kept, req.bytes);
              failures.push({
                input,
                what: `${req.label} (sent bytes in ${kept})`,
                why: r.status ? `status ${r.status}` : (r.why ?? 'no answer'),
              });
            }
          }
        };
        await Promise.all([worker(), worker(), worker()]);
        await reloadLock;
        poller.kill('SIGTERM');
        await new Promise((r) => poller.once('exit', r));
        const polls = polled
          .trim()
          .split('\n')
          .map((l) => l.split(' ').map(Number));
        const slow = polls.filter(([ms]) => (ms ?? 0) > STATUS_MS).map(([ms]) => ms);
        for (const [, code] of polls)
          if (code !== 200)
            failures.push({ input: -1, what: 'GET /status', why: `status ${code}` });
        const rssMaxMib = Math.max(...polls.map(([, , kb]) => (kb ?? 0) / 1024));

        const end = await status();
        console.log(
          `daemon: ${n} inputs (${refusedReloads} refused reloads, ${plansUnavailable} valid plans answered 503: no IPVS), ${polls.length} status polls, ` +
            `${slow.length} over ${STATUS_MS} ms (${slow.slice(0, 10).join(', ')}), slowest ${Math.max(...polls.map(([ms]) => ms ?? 0))} ms, peak RSS ${rssMaxMib.toFixed(0)} MiB`,
        );
        expect(daemon.child.exitCode, daemon.output().slice(-3000)).toBeNull();
        expect(end.config?.sha256).toBe(baseSha);
        expect(end.config?.lastReload?.ok).toBe(false);
        if (plansUnavailable > 0)
          expect(end.ipvs.ok, 'plans answered 503 with IPVS readable').toBe(false);
        expect(n).toBeGreaterThan(50);
        expect(polls.length).toBeGreaterThan(SECONDS * 3);
        expect(failures, report(failures, n)).toEqual([]);
        expect(slow, `/status answers over ${STATUS_MS} ms`).toEqual([]);
        expect(rssMaxMib).toBeLessThan(DAEMON_RSS_MIB);
      },
      (SECONDS + 180) * 1000,
    );
  });
});
