/**
 * Raw HTTP requests for the API, well-formed and not: methods, targets,
 * headers and bodies a client might send by mistake or on purpose. Each is
 * bytes on a socket, so nothing in Node's client tidies it up first.
 */
import type { Rng } from './random.js';

const METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'G ET',
  'get',
  'TRACE',
  'POST',
];
const PATHS = [
  '/status',
  '/metrics',
  '/reload',
  '/plan',
  '/drain',
  '/undrain',
  '/',
  '/status?x=1',
  '/status/',
  '//status',
  '/../../etc/passwd',
  '*',
  'http://[::1',
  'http://localhost/status',
  '/%00',
  '/%zz',
  '/\u00e9',
  `/${'a'.repeat(9000)}`,
  '/plan?config=1',
  '/drain#x',
  '',
];
const DRAIN_TARGETS: unknown[] = [
  '10.2.1.2',
  '198.51.100.10',
  'web',
  'director',
  '../state',
  '',
  'x'.repeat(3000),
  7,
  null,
  [],
  {},
  '10.2.1.2:80',
  '::1',
  'web/10.2.1.2',
  '\r\n',
];

export interface RawRequest {
  /** What the case is, for a failure's message. */
  label: string;
  bytes: Buffer;
}

function jsonBody(rng: Rng, config: () => string): string {
  switch (rng.int(9)) {
    case 0:
      return JSON.stringify({ config: config() });
    case 1:
      return JSON.stringify({ target: rng.pick(DRAIN_TARGETS) });
    case 2:
      return 'null';
    case 3:
      return '[1,2';
    case 4:
      return `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    case 5:
      return JSON.stringify({ config: 'x'.repeat(70 * 1024) });
    case 6:
      return '{"__proto__": {"polluted": true}, "target": "web"}';
    case 7:
      return JSON.stringify({ config: rng.pick([1, null, [], {}, true]) });
    default:
      return '';
  }
}

/** One request; `config` supplies a mutated configuration for /plan bodies. */
export function randomRequest(rng: Rng, config: () => string): RawRequest {
  const method = rng.pick(METHODS);
  const path = rng.pick(PATHS);
  const body = rng.chance(0.8) ? jsonBody(rng, config) : '';
  const headers: string[] = [];
  if (rng.chance(0.9)) headers.push('Host: localhost');
  if (rng.chance(0.7))
    headers.push(
      rng.pick(['Content-Type: application/json', 'Content-Type: text/plain', 'Content-Type: ;;']),
    );
  if (rng.chance(0.3))
    headers.push(
      `Authorization: ${rng.pick(['Bearer ', 'Bearer x', 'Basic Zm9vOmJhcg==', 'x'.repeat(500)])}`,
    );
  if (rng.chance(0.05)) headers.push(`X-Big: ${'b'.repeat(20_000)}`);
  if (rng.chance(0.05)) headers.push('Bad Header Line');
  const length = Buffer.byteLength(body);
  const framing = rng.int(10);
  let payload = body;
  if (framing === 0) {
    // Promises more than it sends: unless the server answers early, only its deadline ends it.
    headers.push(`Content-Length: ${length + 1 + rng.int(100)}`);
  } else if (framing === 1) {
    headers.push('Transfer-Encoding: chunked');
    payload = rng.chance(0.5)
      ? `${length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
      : `zz\r\n${body}\r\n`;
  } else if (framing === 2) {
    headers.push(`Content-Length: ${length}`, `Content-Length: ${length + 1}`);
  } else if (framing === 3) {
    headers.push('Content-Length: -1');
  } else if (body || method === 'POST') {
    headers.push(`Content-Length: ${length}`);
  }
  const head = `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
  return {
    label: `${method} ${path.slice(0, 60)} [${headers.map((h) => h.slice(0, 40)).join('; ')}] body ${payload.length} B`,
    bytes: Buffer.from(head + payload, 'utf8'),
  };
}
