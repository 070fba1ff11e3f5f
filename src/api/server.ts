/**
 * The daemon's local API, plain HTTP on a unix socket (default) or a TCP
 * address: GET /status (JSON), GET /metrics (Prometheus), and the changes
 * POST /reload, POST /drain, POST /undrain. Changes need the bearer token
 * when one is configured; on a unix socket the file's permissions (0660)
 * already limit who can connect.
 */
import { timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { dirname } from 'node:path';
import { CliError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ListenAddress } from './listen.js';

export interface ApiHandlers {
  status(): unknown;
  metrics(): Promise<string>;
  reload(): Promise<{ ok: boolean; message: string; issues?: unknown }>;
  drain(target: string, on: boolean): Promise<{ ok: boolean; message: string }>;
  plan(configText: string): Promise<{
    ok: boolean;
    message: string;
    issues?: unknown;
    ipvs?: readonly string[];
    routes?: readonly string[];
  }>;
}

export interface ApiServer {
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** The whole request (headers and body) must arrive within this; Node's default is 300 s. */
const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 5_000;

/** A request the API refuses: answered with `status` and a JSON body naming the problem. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a handler throws when the daemon cannot do what was asked for now
 * (IPVS unreadable for a plan): 503, the request itself was fine.
 */
export class ServiceUnavailable extends Error {}

export async function startApi(
  listen: ListenAddress,
  token: string | undefined,
  handlers: ApiHandlers,
  log: Logger,
  limits: { requestTimeoutMs?: number } = {},
): Promise<ApiServer> {
  const requestTimeout = limits.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks the request deadlines every 30 s by default: a slow client would get 40 s.
  const options = { connectionsCheckingInterval: Math.min(1000, requestTimeout / 2) };
  const server: Server = createServer(options, (req, res) => {
    void handle(req, res, token, handlers).catch((err: unknown) => {
      if (err instanceof RequestError) {
        send(res, err.status, { ok: false, message: err.message });
        return;
      }
      if (err instanceof ServiceUnavailable) {
        send(res, 503, { ok: false, message: err.message });
        return;
      }
      log.error({ event: 'api_error', error: String(err), path: req.url }, 'API request failed');
      send(res, 500, { ok: false, message: String(err) });
    });
  });
  server.requestTimeout = requestTimeout;
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, requestTimeout);
  if (listen.kind === 'unix') {
    mkdirSync(dirname(listen.path), { recursive: true });
    rmSync(listen.path, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where =
        listen.kind === 'unix'
          ? listen.path
          : listen.host.includes(':')
            ? `[${listen.host}]:${listen.port}`
            : `${listen.host}:${listen.port}`;
      reject(new CliError(`api.listen: cannot listen on ${where}: ${err.code ?? err.message}`));
    });
    if (listen.kind === 'unix') server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  if (listen.kind === 'unix') chmodSync(listen.path, 0o660);
  log.info({ event: 'api_listening', listen }, 'status API listening');
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
  h: ApiHandlers,
): Promise<void> {
  const url = requestUrl(req.url);
  if (req.method === 'GET' && url.pathname === '/status') return send(res, 200, h.status());
  if (req.method === 'GET' && url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(await h.metrics());
    return;
  }
  if (req.method !== 'POST')
    return send(res, 404, { ok: false, message: `no ${req.method} ${url.pathname}` });
  if (token !== undefined && !authorized(req, token))
    return send(res, 401, { ok: false, message: 'a valid bearer token is required for changes' });
  const body = await readBody(req);
  if (url.pathname === '/reload') {
    const r = await h.reload();
    return send(res, r.ok ? 200 : 422, r);
  }
  if (url.pathname === '/drain' || url.pathname === '/undrain') {
    const target = body.target;
    if (typeof target !== 'string')
      return send(res, 400, { ok: false, message: 'body must be {"target": "..."}' });
    const r = await h.drain(target, url.pathname === '/drain');
    return send(res, r.ok ? 200 : 404, r);
  }
  if (url.pathname === '/plan') {
    const text = body.config;
    if (typeof text !== 'string')
      return send(res, 400, { ok: false, message: 'body must be {"config": "<YAML>"}' });
    const r = await h.plan(text);
    return send(res, r.ok ? 200 : 422, r);
  }
  return send(res, 404, { ok: false, message: `no POST ${url.pathname}` });
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function requestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://anycastd');
  } catch {
    throw new RequestError(400, `request target ${JSON.stringify(target)} is not a path`);
  }
}

/** The body as a JSON object; an empty body is `{}`. */
async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new RequestError(413, `request body is over ${MAX_BODY} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new RequestError(400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) return;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
