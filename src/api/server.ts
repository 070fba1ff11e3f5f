/**
 * The daemon's local API, plain HTTP on a unix socket (default) or a TCP
 * address: GET /status (JSON), GET /metrics (Prometheus), and the changes
 * POST /reload, POST /drain, POST /undrain. Changes need the bearer token
 * when one is configured; on a unix socket the file's permissions (0660)
 * already limit who can connect.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { type ApiServer, RequestError, listenHttp, requestUrl, send } from './http-listener.js';
import type { ListenAddress } from '../input/listen.js';

export { type ApiServer, ServiceUnavailable } from './http-listener.js';

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

const MAX_BODY = 64 * 1024;

export async function startApi(
  listen: ListenAddress,
  token: string | undefined,
  handlers: ApiHandlers,
  log: Logger,
  limits: { requestTimeoutMs?: number } = {},
): Promise<ApiServer> {
  const server = await listenHttp(
    listen,
    'api.listen',
    (req, res) => handle(req, res, token, handlers),
    log,
    limits,
  );
  log.info({ event: 'api_listening', listen }, 'status API listening');
  return server;
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
