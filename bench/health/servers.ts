/**
 * Check targets for the health benchmark, run as a separate process (pinned
 * to another core) so their CPU never counts against the checker. Listens on
 * 0.0.0.0 so every 127.x.y.z address is a distinct target. Prints one line
 * `ready <tcp port> <http port>` and serves until killed.
 *
 *   node servers.js
 */
import { type AddressInfo, createServer } from 'node:net';

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');

const tcp = createServer((s) => {
  s.on('error', () => {});
  s.on('data', () => {});
});
const http = createServer((s) => {
  s.on('error', () => {});
  s.once('data', () => s.end(RESPONSE));
});
tcp.listen({ port: 0, host: '0.0.0.0', backlog: 4096 }, () => {
  http.listen({ port: 0, host: '0.0.0.0', backlog: 4096 }, () => {
    const port = (s: typeof tcp) => (s.address() as AddressInfo).port;
    process.stdout.write(`ready ${port(tcp)} ${port(http)}\n`);
  });
});
