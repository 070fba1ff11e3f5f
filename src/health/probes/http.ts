/**
 * HTTP and HTTPS checks with a minimal HTTP/1.1 client of our own: one
 * request per connection (`Connection: close`), the status judged as soon as
 * the headers arrive, the body read only when a body pattern needs it, up to
 * a byte limit. Node's http module does far more than a health check needs
 * and costs several times the CPU per request.
 */
import { formatDuration } from '../../input/duration.js';
import { createHash } from 'node:crypto';
import { isIP, Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { manifest } from '../../version.js';
import { type Probe, type ProbeResult, type ProbeRun, errorReason, fail, pass } from '../probe.js';
import type { HttpProbe, StatusRange } from '../spec.js';
import { parseResponse } from './http-response.js';
import { loadSecureContext } from './tls-context.js';

export function httpProbe(spec: HttpProbe): Probe {
  const { address, port, source } = spec.target;
  const request = Buffer.from(buildRequest(spec), 'latin1');
  const wantsBody =
    spec.bodyMatch !== undefined || spec.bodyNotMatch !== undefined || spec.bodyMd5 !== undefined;
  const parseOptions = {
    head: spec.method === 'HEAD',
    maxBody: wantsBody ? spec.maxBodyBytes : 0,
    ended: false,
  };
  const https = spec.type === 'https';
  const loaded = https ? loadSecureContext(spec.tls) : undefined;
  const secureContext = loaded && 'context' in loaded ? loaded.context : undefined;
  const contextError = loaded && 'error' in loaded ? loaded.error : undefined;
  const servername = spec.tls.sni ?? (spec.host && isIP(spec.host) === 0 ? spec.host : undefined);

  // One result object per status seen, reused: results are held until the
  // next run, and a new one each time would be promoted and collected late.
  const passes = new Map<number, ProbeResult>();
  function judge(status: number, body: Buffer | undefined, truncated: boolean): ProbeResult {
    if (!statusAllowed(status, spec.status)) return fail(`status ${status}`);
    if (body && spec.bodyMd5 !== undefined) {
      // A digest of part of the body says nothing about the whole.
      if (truncated)
        return fail(
          `status ${status}, body longer than max_body_bytes ${spec.maxBodyBytes}: no MD5`,
        );
      const md5 = createHash('md5').update(body).digest('hex');
      if (md5 !== spec.bodyMd5)
        return fail(`status ${status}, body MD5 ${md5}, not ${spec.bodyMd5}`);
    }
    if (body) {
      const text = body.toString('utf8');
      if (spec.bodyMatch && !spec.bodyMatch.test(text))
        return fail(`status ${status}, body does not match ${String(spec.bodyMatch)}`);
      if (spec.bodyNotMatch?.test(text))
        return fail(`status ${status}, body matches ${String(spec.bodyNotMatch)}`);
    }
    let result = passes.get(status);
    if (!result) passes.set(status, (result = Object.freeze(pass(`status ${status}`))));
    return result;
  }

  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      if (contextError !== undefined) return Promise.resolve(fail(contextError));
      return new Promise((resolve) => {
        let done = false;
        let data: Buffer = Buffer.alloc(0);
        let socket: Socket | TLSSocket;
        const finish = (result: ProbeResult) => {
          if (done) return;
          done = true;
          socket.destroy();
          if (socket !== tcp) tcp.destroy();
          resolve(result);
        };
        const onData = (chunk: Buffer) => {
          data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
          evaluate(false);
        };
        const evaluate = (ended: boolean) => {
          const r = parseResponse(data, ended ? { ...parseOptions, ended } : parseOptions);
          if (r.kind === 'invalid') finish(fail(r.reason));
          else if (r.kind === 'done')
            finish(judge(r.status, wantsBody ? r.body : undefined, r.truncated));
          else if (r.status !== undefined && !statusAllowed(r.status, spec.status))
            finish(fail(`status ${r.status}`));
        };
        const tcp = new Socket();
        tcp.connect(
          source === undefined
            ? { host: address, port }
            : { host: address, port, localAddress: source },
        );
        if (secureContext) {
          socket = tlsConnect({
            socket: tcp,
            secureContext,
            servername,
            rejectUnauthorized: spec.tls.verify,
          });
          socket.once('secureConnect', () => socket.write(request));
          // Errors before the TLS layer takes over surface on the TCP socket.
          tcp.on('error', (err) => finish(fail(errorReason(err))));
        } else {
          socket = tcp;
          socket.once('connect', () => socket.write(request));
        }
        socket.on('error', (err) => finish(fail(tlsReason(err) ?? errorReason(err))));
        socket.on('data', onData);
        socket.once('end', () => evaluate(true));
        run.onExpire(() =>
          finish(
            fail(
              `timeout after ${formatDuration(run.timeoutMs)}${data.length ? ' reading the response' : ''}`,
            ),
          ),
        );
      });
    },
    close() {},
  };
}

/** The request bytes, built once per spec. */
export function buildRequest(spec: HttpProbe): string {
  const { address, port } = spec.target;
  const defaultPort = spec.type === 'https' ? 443 : 80;
  const hostHeader =
    spec.host ??
    `${isIP(address) === 6 ? `[${address}]` : address}${port === defaultPort ? '' : `:${port}`}`;
  const headers: [string, string][] = [
    ['Host', hostHeader],
    ['User-Agent', `anycastd-health/${manifest().version}`],
    ['Accept', '*/*'],
    ['Connection', 'close'],
  ];
  for (const [name, value] of Object.entries(spec.headers)) {
    const i = headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
    if (i >= 0) headers[i] = [name, value];
    else headers.push([name, value]);
  }
  const hasBody = spec.method === 'POST' || spec.method === 'PUT';
  if (hasBody && !headers.some(([n]) => n.toLowerCase() === 'content-length'))
    headers.push(['Content-Length', '0']);
  return `${spec.method} ${spec.path} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
}

export function statusAllowed(status: number, ranges: readonly StatusRange[]): boolean {
  for (const r of ranges) if (status >= r.from && status <= r.to) return true;
  return false;
}

function tlsReason(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return undefined;
  if (
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
  ) {
    return `TLS: ${(err as Error).message}`;
  }
  return undefined;
}
