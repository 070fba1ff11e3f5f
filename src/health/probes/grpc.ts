/**
 * gRPC check: `grpc.health.v1.Health/Check` for a service name; up only on
 * SERVING. The channel is kept between runs while the target is healthy and
 * replaced after a failure, so a target that comes back is seen at the next
 * run instead of after grpc-js's reconnect backoff.
 */
import { formatDuration } from '../../input/duration.js';
import type * as Grpc from '@grpc/grpc-js';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { type Probe, type ProbeResult, type ProbeRun, fail, pass } from '../probe.js';
import type { GrpcProbe } from '../spec.js';
import { HEALTH_CHECK_METHOD, decodeResponse, encodeRequest, statusName } from './grpc-health.js';
import { readTlsFiles } from './tls-context.js';

const identity = (b: Buffer) => b;
/** A health response is a few bytes; anything larger is refused before it is buffered whole. */
export const MAX_RESPONSE = 4096;

let grpcModule: typeof Grpc | undefined;
/** grpc-js is loaded with the first gRPC check: a large module most directors never need. */
function grpc(): typeof Grpc {
  return (grpcModule ??= createRequire(import.meta.url)('@grpc/grpc-js') as typeof Grpc);
}

export function grpcProbe(spec: GrpcProbe): Probe {
  const { address, port } = spec.target;
  const authority = `${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
  const request = encodeRequest(spec.service);
  const tls = spec.tls;
  const files = tls ? readTlsFiles(tls) : undefined;
  let client: Grpc.Client | undefined;

  function makeClient(): Grpc.Client {
    const { Client, credentials } = grpc();
    let creds = credentials.createInsecure();
    if (tls && files && !('error' in files)) {
      creds = credentials.createSsl(files.ca ?? null, files.key ?? null, files.cert ?? null, {
        rejectUnauthorized: tls.verify,
        // Without verification the peer's name is not checked either.
        ...(tls.verify ? {} : { checkServerIdentity: () => undefined }),
      });
    }
    const options: Record<string, string | number> = {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.enable_retries': 0,
      'grpc.max_receive_message_length': MAX_RESPONSE,
    };
    if (tls?.sni) options['grpc.ssl_target_name_override'] = tls.sni;
    return new Client(authority, creds, options);
  }

  function drop() {
    client?.close();
    client = undefined;
  }

  return {
    run(run: ProbeRun): Promise<ProbeResult> {
      if (files && 'error' in files) return Promise.resolve(fail(files.error));
      const c = (client ??= makeClient());
      return new Promise((resolve) => {
        let done = false;
        const finish = (r: ProbeResult) => {
          if (done) return;
          done = true;
          if (!r.ok) drop();
          resolve(r);
        };
        const call = c.makeUnaryRequest(
          HEALTH_CHECK_METHOD,
          identity,
          identity,
          request,
          { deadline: Date.now() + run.timeoutMs },
          (err: Grpc.ServiceError | null, value?: Buffer) => {
            const grpcStatus = grpc().status;
            if (err) {
              finish(
                fail(
                  err.code === grpcStatus.DEADLINE_EXCEEDED
                    ? `timeout after ${formatDuration(run.timeoutMs)}`
                    : `${grpcStatus[err.code]}: ${err.details}`,
                ),
              );
              return;
            }
            let status: number;
            try {
              status = decodeResponse(value ?? Buffer.alloc(0));
            } catch (e) {
              finish(fail(`bad health response: ${(e as Error).message}`));
              return;
            }
            finish(status === 1 ? pass('SERVING') : fail(statusName(status)));
          },
        );
        run.onExpire(() => {
          call.cancel();
          finish(fail(`timeout after ${formatDuration(run.timeoutMs)}`));
        });
      });
    },
    close: drop,
  };
}
