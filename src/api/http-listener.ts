/**
 * An HTTP listener on a unix socket or a TCP address, with the deadlines and
 * the error answers both of the daemon's listeners share: a handler throws
 * RequestError (answered with its status) or ServiceUnavailable (503); any
 * other failure is a 500, logged.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { dirname } from 'node:path';
import { CliError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ListenAddress } from '../input/listen.js';

export interface ApiServer {
  close(): Promise<void>;
}

/** The whole request (headers and body) must arrive within this; Node's default is 300 s. */
const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 5_000;

/** A request the listener refuses: answered with `status` and a JSON body naming the problem. */
export class RequestError extends Error {
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

export async function listenHttp(
  listen: ListenAddress,
  /** The configuration field, for messages: api.listen, metrics.listen. */
  field: string,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  log: Logger,
  limits: { requestTimeoutMs?: number } = {},
): Promise<ApiServer> {
  const requestTimeout = limits.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node checks the request deadlines every 30 s by default: a slow client would get 40 s.
  const options = { connectionsCheckingInterval: Math.min(1000, requestTimeout / 2) };
  const server: Server = createServer(options, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
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
      reject(new CliError(`${field}: cannot listen on ${where}: ${err.code ?? err.message}`));
    });
    if (listen.kind === 'unix') server.listen(listen.path, resolve);
    else server.listen(listen.port, listen.host, resolve);
  });
  if (listen.kind === 'unix') chmodSync(listen.path, 0o660);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function requestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? '/', 'http://anycastd');
  } catch {
    throw new RequestError(400, `request target ${JSON.stringify(target)} is not a path`);
  }
}

export function send(res: ServerResponse, code: number, body: unknown): void {
  if (res.headersSent) return;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
