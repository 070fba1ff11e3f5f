/* global performance, setTimeout */
// Polls a daemon's GET /status over its unix socket every INTERVAL ms and
// prints one line per poll: "<ms> <status> <daemon VmRSS kB>". A process of
// its own, so that the fuzzer's own work never delays (and inflates) a poll.
//
//   node test/fuzz/status-poller.mjs SOCKET INTERVAL_MS DAEMON_PID
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

const [socketPath, intervalArg, pid] = process.argv.slice(2);
const interval = Number(intervalArg);

function poll() {
  const started = performance.now();
  const req = request({ socketPath, path: '/status', timeout: 10_000 }, (res) => {
    res.resume();
    res.on('end', () => report(res.statusCode ?? 0, started));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => report(0, started));
  req.end();
}

function report(status, started) {
  const ms = performance.now() - started;
  let rss = 0;
  try {
    rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    // The daemon is gone: the status 0 lines say so.
  }
  process.stdout.write(`${ms.toFixed(1)} ${status} ${rss}\n`);
  setTimeout(poll, Math.max(0, interval - ms));
}

process.on('SIGTERM', () => process.exit(0));
poll();
