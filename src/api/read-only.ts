/**
 * The read-only listener (`metrics.listen`): GET /metrics, GET /status.json
 * and the status page at /. Nothing here changes state, so it can be opened
 * to Prometheus and to a browser without opening drains and reloads, which
 * stay on the control API.
 */
import type { Logger } from '../log.js';
import { type ApiServer, listenHttp, requestUrl, send } from './http-listener.js';
import type { ListenAddress } from '../input/listen.js';
import { STATUS_PAGE } from './status-page.js';

export interface ReadOnlyHandlers {
  status(): unknown;
  metrics(): Promise<string>;
}

const PAGE = Buffer.from(STATUS_PAGE);

export async function startReadOnly(
  listen: ListenAddress,
  h: ReadOnlyHandlers,
  log: Logger,
): Promise<ApiServer> {
  const server = await listenHttp(
    listen,
    'metrics.listen',
    async (req, res) => {
      const url = requestUrl(req.url);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return send(res, 405, {
          ok: false,
          message: `${req.method} is not served here: read-only`,
        });
      }
      switch (url.pathname) {
        case '/metrics': {
          const text = await h.metrics();
          res.writeHead(200, {
            'content-type': 'text/plain; version=0.0.4',
            'content-length': Buffer.byteLength(text),
          });
          res.end(req.method === 'HEAD' ? undefined : text);
          return;
        }
        case '/status.json':
          return send(res, 200, h.status());
        case '/':
          res.writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-length': PAGE.length,
            // The page's script and style are inline; nothing else may load.
            'content-security-policy':
              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
            'cache-control': 'no-store',
          });
          res.end(req.method === 'HEAD' ? undefined : PAGE);
          return;
        default:
          return send(res, 404, {
            ok: false,
            message: `no ${url.pathname} (/, /status.json, /metrics)`,
          });
      }
    },
    log,
  );
  log.info({ event: 'metrics_listening', listen }, 'read-only listener up');
  return server;
}
