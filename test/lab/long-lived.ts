/**
 * Long-lived TCP connections through the VIP, for connection-survival tests.
 *
 * Real servers run a small server on port 80 that answers an HTTP GET (the
 * directors' health check) with its name and closes, and answers every line
 * of any other connection with its name, keeping the connection open. The
 * client opens many connections, learns which real server holds each, and on
 * request pings every one: a connection survives when its own real server
 * answers again. A connection the network moved to a real server that does
 * not hold it gets a reset; one whose packets are dropped times out.
 */
import { VIP, type FleetReal } from './fleet.js';
import type { LabProcess, Netns } from './netns.js';

/** Starts the line/HTTP server on a real server (replaces `serve` from fleet.ts). */
export async function serveLines(r: FleetReal): Promise<void> {
  r.server = r.ns.spawn('node', [
    '-e',
    `const name = ${JSON.stringify(r.name)};
     require('net').createServer((s) => {
       let buf = '';
       s.on('error', () => {});
       s.on('data', (d) => {
         buf += d;
         if (buf.startsWith('GET ')) {
           if (buf.includes('\\r\\n\\r\\n')) s.end('HTTP/1.1 200 OK\\r\\nContent-Length: ' + name.length + '\\r\\nConnection: close\\r\\n\\r\\n' + name);
           return;
         }
         let i;
         while ((i = buf.indexOf('\\n')) >= 0) { buf = buf.slice(i + 1); s.write(name + '\\n'); }
       });
     }).listen(80, '0.0.0.0', () => console.log('ready'));`,
  ]);
  await r.server.waitFor('ready');
}

export interface PingResult {
  /** Connections whose own real server answered. */
  survived: number;
  /** Why the others did not, e.g. {"ECONNRESET": 30, "timeout": 2}. */
  broken: Record<string, number>;
}

const CLIENT_JS = `
const net = require('net');
const readline = require('readline');
const [count, port] = process.argv.slice(1).map(Number);
const conns = [];
function line(c, timeoutMs) {
  return new Promise((resolve) => {
    const t = setTimeout(() => done('timeout'), timeoutMs);
    const done = (v) => { clearTimeout(t); c.wait = undefined; resolve(v); };
    c.wait = done;
    if (c.dead) done(c.dead);
  });
}
function open(i) {
  const c = { sock: net.connect({ host: '${VIP}', port }), buf: '', dead: undefined };
  c.sock.setNoDelay(true);
  c.sock.on('data', (d) => {
    c.buf += d;
    let j;
    while ((j = c.buf.indexOf('\\n')) >= 0) { const l = c.buf.slice(0, j); c.buf = c.buf.slice(j + 1); c.wait?.(l); }
  });
  const fail = (why) => { if (!c.dead) c.dead = why; c.wait?.(c.dead); };
  c.sock.on('error', (e) => fail(e.code || e.message));
  c.sock.on('close', () => fail('closed'));
  conns.push(c);
  return c;
}
async function ping(timeoutMs) {
  const out = { survived: 0, broken: {} };
  // In a random order: schedulers such as wlc would otherwise repeat, packet for packet,
  // the choices another director made for the same sequence of new connections.
  const order = conns.slice();
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  await Promise.all(order.map(async (c) => {
    if (!c.dead) c.sock.write('ping\\n');
    const got = await line(c, timeoutMs);
    if (got === c.real) out.survived++;
    else { const k = got === undefined ? 'no answer' : (got.startsWith('real') ? 'answered by ' + got : got); out.broken[k] = (out.broken[k] || 0) + 1; }
  }));
  return out;
}
(async () => {
  for (let i = 0; i < count; i++) {
    const c = open(i);
    c.sock.write('hello\\n');
    c.real = await line(c, 5000);
  }
  const reals = {};
  for (const c of conns) reals[c.real] = (reals[c.real] || 0) + 1;
  console.log('opened ' + JSON.stringify(reals));
  const rl = readline.createInterface({ input: process.stdin });
  for await (const cmd of rl) {
    const [verb, arg] = cmd.split(' ');
    if (verb === 'ping') console.log('pinged ' + JSON.stringify(await ping(Number(arg))));
  }
})();
`;

/** `count` connections from the client to VIP:80, each kept open. */
export class LongLivedClient {
  private pings = 0;

  private constructor(
    private readonly process: LabProcess,
    /** How many connections each real server holds. */
    readonly perReal: Record<string, number>,
  ) {}

  static async open(client: Netns, count: number): Promise<LongLivedClient> {
    const p = client.spawn('node', ['-e', CLIENT_JS, String(count), '80'], { stdin: true });
    await p.waitFor(/opened \{.*\}\n/, 60_000);
    const m = /opened (\{.*\})\n/.exec(p.output());
    return new LongLivedClient(p, JSON.parse(m?.[1] ?? '{}') as Record<string, number>);
  }

  /** Pings every connection; each must answer within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<PingResult> {
    this.pings += 1;
    this.process.child.stdin?.write(`ping ${timeoutMs}\n`);
    const until = Date.now() + timeoutMs + 30_000;
    for (;;) {
      const all = [...this.process.output().matchAll(/pinged (\{.*\})\n/g)];
      const mine = all[this.pings - 1]?.[1];
      if (mine) return JSON.parse(mine) as PingResult;
      if (Date.now() > until)
        throw new Error(`the client did not report its pings:\n${this.process.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.process.kill('SIGKILL');
  }
}
