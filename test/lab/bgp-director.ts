/**
 * A director's BGP half as a process of its own, for tests and benchmarks
 * that must kill it (-9) and start it again. Settings come as JSON in argv[2];
 * commands arrive as JSON lines on stdin, replies leave as JSON lines on stdout:
 *
 *   {"announce": [AnnouncementSpec...]}   → {"synced": true, "ms": ...}
 *   {"status": true}                      → {"status": {...}}
 *   {"stop": "withdraw" | "restart", "drain"?: {...}} → {"stopped": true}, then exit
 *
 * Logs (pino JSON) go to stderr.
 */
import { createInterface } from 'node:readline';
import type { AnnouncementSpec } from '../../src/bgp/announcement.js';
import type { DrainOptions } from '../../src/bgp/publisher.js';
import { Bgp, type BgpOptions } from '../../src/bgp/speaker.js';
import { createLogger } from '../../src/log.js';

type Settings = Omit<BgpOptions, 'log'> & { announce?: AnnouncementSpec[] };

interface Command {
  announce?: AnnouncementSpec[];
  status?: boolean;
  stop?: 'withdraw' | 'restart';
  drain?: DrainOptions;
}

const settings = JSON.parse(process.argv[2] ?? '{}') as Settings;
const log = createLogger({ level: 'info' });
const bgp = new Bgp({ ...settings, log });
const reply = (obj: unknown): void => {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
};

await bgp.start();
if (settings.announce) bgp.setAnnouncements(settings.announce);
reply({ started: true, pid: process.pid, sidecarPid: bgp.sidecarPid });

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const cmd = JSON.parse(line) as Command;
  try {
    if (cmd.announce) {
      const started = performance.now();
      bgp.setAnnouncements(cmd.announce);
      await bgp.synced(60_000);
      reply({ synced: true, ms: performance.now() - started });
    } else if (cmd.status) {
      await bgp.readPeers().catch(() => undefined);
      reply({ status: bgp.status(), sidecarPid: bgp.sidecarPid });
    } else if (cmd.stop) {
      await bgp.stop(cmd.stop, cmd.drain);
      reply({ stopped: true });
      process.exit(0);
    }
  } catch (err) {
    reply({ error: String(err) });
  }
}
