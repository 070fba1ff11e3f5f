/** Talking to a running daemon's API from the CLI (`status`, `drain`, `reload`). */
import { request } from 'node:http';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { parseListen } from '../input/listen.js';

export interface ApiReply {
  status: number;
  body: string;
}

export async function callApi(
  address: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  token?: string,
): Promise<ApiReply> {
  const listen = parseListen(address);
  if (!listen)
    throw new CliError(
      `--api: ${JSON.stringify(address)} is not unix:///path or host:port`,
      ExitCode.Usage,
    );
  const target =
    listen.kind === 'unix' ? { socketPath: listen.path } : { host: listen.host, port: listen.port };
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<ApiReply>((resolve, reject) => {
    const req = request(
      {
        ...target,
        method,
        path,
        timeout: 10_000,
        headers: {
          ...(payload !== undefined && { 'content-type': 'application/json' }),
          ...(token !== undefined && { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CliError(
          `cannot reach anycastd at ${address}: ${err.code ?? err.message} (is \`anycastd run\` running? --api points elsewhere)`,
          ExitCode.Failure,
        ),
      ),
    );
    req.end(payload);
  });
}
